// GraphiQL for this API; the endpoint comes from the page's #graphiql element.
(function () {
  var element = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: element.dataset.endpoint });
  ReactDOM.createRoot(element).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
