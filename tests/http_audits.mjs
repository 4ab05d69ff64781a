// Runs graphql-http's server audits (the GraphQL-over-HTTP spec's own conformance suite)
// against the URL given as the first argument and prints their results as JSON, one
// object per audit: {id, name, status, reason}. tests/test_http_spec.py runs it.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === 'ok' ? null : String(result.reason),
  });
  if (result.response?.body && !result.response.bodyUsed) {
    await result.response.body.cancel();
  }
}
process.stdout.write(JSON.stringify(results));
