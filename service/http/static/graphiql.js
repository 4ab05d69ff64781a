// Boots GraphiQL from the self-hosted bundles the page loads before this file (React,
// ReactDOM, GraphiQL: see service/http/pages.py). No inline script, so the page's CSP allows only
// this origin. The example query comes from the page (data-example-query); a link can carry
// another one: ?q=<query>&variables=<json>.
//
// Editors sign in by typing `{"Authorization": "Bearer <token>"}` in the Headers tab. The
// headers are sent with each request and kept in the page's memory only: not persisted
// (shouldPersistHeaders: false), and dropped from what GraphiQL stores in localStorage (its
// history keeps each request's headers whatever that setting says), so no token is left in
// the browser. A user who turns "Persist headers" on in GraphiQL's settings keeps them.
//
// Queries and mutations go over HTTP POST; a subscription runs over a WebSocket on the same
// path (graphql-transport-ws), the Headers tab's headers as its connection_init payload.
(function () {
  "use strict";

  var container = document.getElementById("graphiql");
  var parameters = new URLSearchParams(window.location.search);

  function remember(name, value) {
    if (value) {
      parameters.set(name, value);
    } else {
      parameters.delete(name);
    }
    var search = parameters.toString();
    window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  var PERSIST_HEADERS = "graphiql:shouldPersistHeaders"; // GraphiQL's own key for that setting

  /** A copy of a stored value with no `headers` in it: GraphiQL's headers (a plain string), or
   * its JSON (history, favourites, tabs) with every `headers` property left out. */
  function withoutHeaders(key, value) {
    if (key === "graphiql:headers") return "";
    var parsed;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      return value; // not JSON: a query or variables, say
    }
    return JSON.stringify(parsed, function (name, item) {
      return name === "headers" ? undefined : item;
    });
  }

  // GraphiQL's storage: localStorage (its keys start with "graphiql:"), minus the headers.
  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      var persisting = window.localStorage.getItem(PERSIST_HEADERS) === "true";
      window.localStorage.setItem(key, persisting ? value : withoutHeaders(key, value));
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (key) {
        return key.indexOf("graphiql:") === 0;
      }).length;
    },
    clear: function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf("graphiql:") === 0) window.localStorage.removeItem(key);
      });
    },
  };

  // This page is served by the endpoint itself: GET renders it, POST answers queries and
  // mutations, and a WebSocket on the same path runs subscriptions.
  var httpFetcher = GraphiQL.createFetcher({ url: window.location.pathname });

  /** Is the operation GraphiQL runs a subscription? (its parsed document, or the text) */
  function isSubscription(params, opts) {
    var document = opts && opts.documentAST;
    if (!document) return /^\s*subscription\b/.test(params.query.replace(/#.*$/gm, ""));
    var operations = document.definitions.filter(function (definition) {
      return definition.kind === "OperationDefinition";
    });
    var chosen = operations.find(function (operation) {
      return params.operationName ? operation.name && operation.name.value === params.operationName : true;
    });
    return Boolean(chosen) && chosen.operation === "subscription";
  }

  /** One subscription over its own WebSocket, as an Observable GraphiQL shows each result of:
   * graphql-transport-ws, with the Headers tab's headers (an editor's Authorization) as the
   * connection_init payload, as the API contract has it. Stopping the run closes it. */
  function subscription(params, headers) {
    return {
      subscribe: function (sink) {
        var url = new URL(window.location.pathname, window.location.href);
        url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        var socket = new WebSocket(url, "graphql-transport-ws");
        var done = false;
        function send(message) {
          socket.send(JSON.stringify(message));
        }
        function finish(error) {
          if (done) return;
          done = true;
          if (socket.readyState <= WebSocket.OPEN) socket.close(1000);
          if (error) sink.error(error);
          else sink.complete();
        }
        socket.onopen = function () {
          send({ type: "connection_init", payload: headers || {} });
        };
        socket.onmessage = function (event) {
          var message = JSON.parse(event.data);
          if (message.type === "connection_ack") {
            var payload = { query: params.query, variables: params.variables || {} };
            if (params.operationName) payload.operationName = params.operationName;
            send({ id: "1", type: "subscribe", payload: payload });
          } else if (message.type === "next") {
            sink.next(message.payload);
          } else if (message.type === "error") {
            sink.next({ errors: message.payload }); // shown in the response pane
            finish();
          } else if (message.type === "complete") {
            finish();
          } else if (message.type === "ping") {
            send({ type: "pong", payload: message.payload });
          }
        };
        socket.onclose = function (event) {
          if (done) return;
          if (event.code === 1000) return finish();
          finish(new Error("The subscription's connection closed (" + event.code + (event.reason ? ": " + event.reason : "") + ")."));
        };
        return {
          unsubscribe: function () {
            if (!done && socket.readyState === WebSocket.OPEN) send({ id: "1", type: "complete" });
            done = true;
            socket.close(1000);
          },
        };
      },
    };
  }

  function fetcher(params, opts) {
    if (isSubscription(params, opts)) return subscription(params, opts && opts.headers);
    return httpFetcher(params, opts);
  }

  function App() {
    var query = React.useState(parameters.get("q") || container.dataset.exampleQuery);
    var variables = React.useState(parameters.get("variables") || undefined);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: query[0],
      variables: variables[0],
      onEditQuery: function (value) {
        query[1](value);
        remember("q", value === container.dataset.exampleQuery ? "" : value);
      },
      onEditVariables: function (value) {
        variables[1](value);
        remember("variables", value);
      },
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      schemaDescription: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: storage,
    });
  }

  ReactDOM.createRoot(container).render(React.createElement(App));
})();
