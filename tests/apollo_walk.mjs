// Apollo Client in Node against a real server, as a front end would use it. One argument, a
// JSON object: {client: "4" | "3", url, possibleTypes (a file from `python -m service
// possible-types`), pageSize, search (a search term), refusals (whether to provoke them),
// padding (a string longer than the server's MAX_BODY_BYTES), tooMany (a page size over
// MAX_PAGE_SIZE), forbiddenUrl (a server in safelist mode) and slowUrl (a server whose time
// budget every request exceeds; attempts: RetryLink's), both optional}. Prints JSON:
//   walk       the organizations paged with fetchMore through the cache's
//              relayStylePagination(): {pages, totalCount, slugs, ids}, and `exchanges` (per
//              request: the Accept header sent, the status and Content-Type received)
//   cache      what the normalized cache holds after the walk: the keys of its records, the
//              fields of ROOT_QUERY, and the references the cached connection's edges hold
//   viaNode    a fragment on Node read back from the cache for the first organization
//   search     a search with fragments on Node and on object types, and `node(id:)` for the
//              last organization, as the client answers them, and the cache key of each result
//   refusals   what the client's error exposes (its class, the HTTP status, each error's
//              extensions.code) for requests the server refuses: a validation error, a body
//              over the size limit, a body that is not JSON, a document outside the safelist,
//              the persisted-query miss the persisted-query link recovers from, a timeout
//              (through RetryLink); and a partial answer (a bad argument) under errorPolicy
//              "all"
// "4" is @apollo/client (4.x); "3" is apollo-client-3, the npm alias of @apollo/client 3.13.
// tests/test_apollo_client.py runs it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const config = JSON.parse(process.argv[2]);
const v4 = config.client === '4';
const modules = v4
  ? ['@apollo/client', '@apollo/client/utilities', '@apollo/client/errors',
     '@apollo/client/link/persisted-queries', '@apollo/client/link/retry']
  : ['apollo-client-3/core/index.js', 'apollo-client-3/utilities/index.js',
     'apollo-client-3/errors/index.js', 'apollo-client-3/link/persisted-queries/index.js',
     'apollo-client-3/link/retry/index.js'];
const [core, utilities, errors, persisted, retrying] = await Promise.all(
  modules.map((m) => import(m)));
const { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } = core;
const { relayStylePagination } = utilities;

// Every request the client sends, with what came back; `exchanges.splice(0)` takes them.
const exchanges = [];
async function recordingFetch(uri, init) {
  const response = await fetch(uri, init);
  const headers = new Headers(init.headers);
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : null;
  exchanges.push({
    method: init.method ?? 'GET',
    accept: headers.get('accept'),
    sentQuery: body === null ? null : 'query' in body,
    status: response.status,
    contentType: response.headers.get('content-type'),
  });
  return response;
}

function makeClient(url, possibleTypes, links = []) {
  return new ApolloClient({
    link: ApolloLink.from([...links, new HttpLink({ uri: url, fetch: recordingFetch })]),
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: {
        Query: { fields: { organizations: relayStylePagination(['filter', 'orderBy']) } },
      },
    }),
  });
}

const codesOf = (list) => (list ?? []).map((error) => error.extensions?.code ?? null);

// What an application can read off the error the client raised: the class, the HTTP status
// when the client kept one, and extensions.code of each GraphQL error it exposes.
function describe(error) {
  if (v4) {
    const { CombinedGraphQLErrors, ServerError, ServerParseError } = errors;
    if (CombinedGraphQLErrors.is(error)) {
      return { name: 'CombinedGraphQLErrors', codes: codesOf(error.errors), data: error.data };
    }
    if (ServerError.is(error) || ServerParseError.is(error)) {
      return { name: error.name, statusCode: error.statusCode, codes: [] };
    }
    return { name: error.name, message: error.message, codes: [] };
  }
  // 3.x: an ApolloError, its GraphQL errors, or a ServerError with the parsed body as `result`
  const network = error.networkError;
  if (network) {
    return {
      name: `${error.name}.networkError:${network.name}`,
      statusCode: network.statusCode,
      codes: codesOf(network.result?.errors),
    };
  }
  return { name: error.name, codes: codesOf(error.graphQLErrors) };
}

async function refusal(client, options) {
  try {
    const result = await client.query({ fetchPolicy: 'no-cache', ...options });
    return { answered: result, exchanges: exchanges.splice(0) };
  } catch (error) {
    return { ...describe(error), exchanges: exchanges.splice(0) };
  }
}

const possibleTypes = JSON.parse(readFileSync(config.possibleTypes, 'utf8'));
const client = makeClient(config.url, possibleTypes);

// --- the paging walk ----------------------------------------------------------------------

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

const watched = client.watchQuery({ query: PAGE, variables: { first: config.pageSize } });
// As a list with a "more" button: each answer the watcher emits (4.x runs an ObservableQuery
// once subscribed, and emits the merged pages after fetchMore has resolved) asks for the
// page after its last cursor, until there is none.
let pages = 1;
let subscription;
const data = await new Promise((resolve, reject) => {
  let requested = null;
  subscription = watched.subscribe({
    next: (result) => {
      if (result.loading || !result.data) return;
      const { pageInfo } = result.data.organizations;
      if (!pageInfo.hasNextPage) {
        resolve(result.data);
      } else if (pageInfo.endCursor !== requested) {
        requested = pageInfo.endCursor;
        pages += 1;
        if (pages > 1000) reject(new Error('paging does not end'));
        watched.fetchMore({ variables: { after: requested } }).catch(reject);
      }
    },
    error: reject,
  });
});
subscription.unsubscribe();
const edges = data.organizations.edges;
const walk = {
  pages,
  totalCount: data.organizations.totalCount,
  slugs: edges.map((edge) => edge.node.slug),
  ids: edges.map((edge) => edge.node.id),
  exchanges: exchanges.splice(0),
};

// --- normalization ------------------------------------------------------------------------

const stored = client.cache.extract();
const connection = Object.entries(stored.ROOT_QUERY).find(([key]) =>
  key.startsWith('organizations'));  // the one cached list (rootFields shows it is one)
const cache = {
  keys: Object.keys(stored),
  rootFields: Object.keys(stored.ROOT_QUERY),
  edgeRefs: connection[1].edges.map((edge) => edge.node?.__ref ?? null),
  identified: client.cache.identify(edges[0].node),
};
// a fragment on the interface, read from the cache: it matches only with possibleTypes
const viaNode = client.cache.readFragment({
  id: cache.identified,
  fragment: gql`fragment AnyNode on Node { id }`,
});

// --- search and node: fragments on Node across types ---------------------------------------

const SEARCH = gql`
  query Search($query: String!, $id: ID!) {
    search(query: $query) {
      __typename
      ...Identified
      ... on Organization { slug }
      ... on Initiative { name }
    }
    node(id: $id) { __typename ...Identified ... on Organization { slug } }
  }
  fragment Identified on Node { id }
`;
const searched = await client.query({
  query: SEARCH,
  variables: { query: config.search, id: walk.ids.at(-1) },
  errorPolicy: 'all',
});
const search = {
  search: searched.data?.search ?? null,
  node: searched.data?.node ?? null,
  // the records the search answer put in the cache, by the cache's own keys
  identified: (searched.data?.search ?? []).map((item) => client.cache.identify(item) ?? null),
  error: searched.error ? describe(searched.error) : null,
  exchanges: exchanges.splice(0),
};

// --- refusals and partial answers -----------------------------------------------------------

if (!config.refusals) {
  process.stdout.write(JSON.stringify({ walk, cache, viaNode, search }));
  process.exit(0);
}
const refusals = {};
refusals.validation = await refusal(client, {
  query: gql`query Unknown { organizations(first: 1) { nodes { id noSuchField } } }`,
});
refusals.tooLarge = await refusal(client, {
  query: gql`query Large($query: String!) { search(query: $query) { __typename } }`,
  variables: { query: 'x'.repeat(config.padding) },
});
refusals.notJson = await refusal(client, {
  query: gql`query Typename { __typename }`,
  context: { headers: { 'content-type': 'text/plain' } },
});
if (config.forbiddenUrl) {
  refusals.forbidden = await refusal(makeClient(config.forbiddenUrl, possibleTypes), {
    query: gql`query NotListed { __typename }`,
  });
}
// The persisted-query link sends the hash alone, hears PERSISTED_QUERY_NOT_FOUND, and
// resends with the query: its retry callback sees the error the client built.
const seen = [];
const retry = v4
  ? ({ error, meta }) => (seen.push(describe(error)), meta.persistedQueryNotFound)
  : ({ graphQLErrors, networkError, meta }) => (
    seen.push(describe({ name: 'ErrorResponse', graphQLErrors, networkError })),
    meta.persistedQueryNotFound);
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const apq = makeClient(config.url, possibleTypes, [
  persisted.createPersistedQueryLink({ sha256, retry }),
]);
const recovered = await refusal(apq, {
  query: gql`query Persisted($slug: String!) { organization(slug: $slug) { id slug } }`,
  variables: { slug: walk.slugs[0] },
});
refusals.persistedQueryMiss = { seen, recovered };

// A bad argument nulls its field alone: errorPolicy "all" keeps the other fields.
const partial = await client.query({
  query: gql`query Partial($first: Int!, $tooMany: Int!) {
    people(first: $first) { totalCount }
    organizations(first: $tooMany) { totalCount }
  }`,
  variables: { first: 1, tooMany: config.tooMany },
  errorPolicy: 'all',
  fetchPolicy: 'no-cache',
});
// 4.x reports the field errors as `error` (CombinedGraphQLErrors); 3.x as `errors`, a list
const fieldErrors = v4 ? partial.error?.errors : partial.errors;
refusals.partial = {
  name: v4 ? partial.error?.name : 'errors',
  data: partial.data,
  codes: codesOf(fieldErrors),
  paths: (fieldErrors ?? []).map((error) => error.path),
  exchanges: exchanges.splice(0),
};

// A server over its time budget answers 503 TIMEOUT. RetryLink retries what reaches it as an
// error: 3.x's ServerError, but not 4.x's answer in graphql-response+json, which is a
// GraphQL result with errors; the link below turns those codes back into an error for it.
// The README gives the same link.
const RETRY = new Set(['TIMEOUT', 'SERVICE_UNAVAILABLE', 'OVERLOADED']);
const quickly = { delay: { initial: 1, max: 1, jitter: false }, attempts: { max: config.attempts } };
const TIMED = gql`query Timed { organizations(first: 1) { totalCount } }`;
if (config.slowUrl) {
  refusals.timeout = await refusal(
    makeClient(config.slowUrl, possibleTypes, [new retrying.RetryLink(quickly)]),
    { query: TIMED });
}
if (config.slowUrl && v4) {
  const { map } = await import('rxjs');
  const retryable = new ApolloLink((operation, forward) => forward(operation).pipe(
    map((result) => {
      if (result.errors?.some((error) => RETRY.has(error.extensions?.code))) {
        throw new errors.CombinedGraphQLErrors(result);
      }
      return result;
    }),
  ));
  refusals.timeoutRetried = await refusal(
    makeClient(config.slowUrl, possibleTypes, [new retrying.RetryLink(quickly), retryable]),
    { query: TIMED });
}

process.stdout.write(JSON.stringify({ walk, cache, viaNode, search, refusals }));
