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

  // This page is served by the endpoint itself: GET renders it, POST answers queries.
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });

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
