// Pages through every organization with Apollo Client's own cache, as a front end would:
// relayStylePagination() merges the pages, possibleTypes (from `python -m service
// possible-types`) lets a fragment on Node match. Arguments: the GraphQL URL, the
// possibleTypes JSON file, the page size. Prints {pages, totalCount, slugs, ids, viaNode} as
// JSON. tests/test_apollo_client.py runs it against a real server.
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { relayStylePagination } from '@apollo/client/utilities/index.js';

const [url, possibleTypesFile, size] = process.argv.slice(2);
const possibleTypes = JSON.parse(readFileSync(possibleTypesFile, 'utf8'));

const client = new ApolloClient({
  link: new HttpLink({ uri: url, fetch }),
  cache: new InMemoryCache({
    possibleTypes,
    typePolicies: {
      Query: { fields: { organizations: relayStylePagination(['filter', 'orderBy']) } },
    },
  }),
});

const PAGE = gql`
  query Organizations($first: Int, $after: String) {
    organizations(first: $first, after: $after) {
      totalCount
      edges { cursor node { id slug name ...Identified } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment Identified on Node { id }
`;

const watched = client.watchQuery({ query: PAGE, variables: { first: Number(size) } });
let { data } = await watched.result();
let pages = 1;
while (data.organizations.pageInfo.hasNextPage) {
  await watched.fetchMore({ variables: { after: data.organizations.pageInfo.endCursor } });
  ({ data } = watched.getCurrentResult());
  pages += 1;
  if (pages > 1000) throw new Error('paging does not end');
}
const edges = data.organizations.edges;
// a fragment on the interface, read from the cache: it matches only with possibleTypes
const first = client.cache.identify(edges[0].node);
const viaNode = client.cache.readFragment({
  id: first,
  fragment: gql`fragment AnyNode on Node { id }`,
});
process.stdout.write(JSON.stringify({
  pages,
  totalCount: data.organizations.totalCount,
  slugs: edges.map((edge) => edge.node.slug),
  ids: edges.map((edge) => edge.node.id),
  viaNode,
}));
