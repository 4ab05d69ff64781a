// Boots GraphiQL from the self-hosted bundles the page loads before this file (React,
// ReactDOM, GraphiQL: see service/http/pages.py). No inline script, so the page's CSP allows only
// this origin. The example query comes from the page (data-example-query); a link can carry
// another one: ?q=<query>&variables=<json>.
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
    });
  }

  ReactDOM.createRoot(container).render(React.createElement(App));
})();
