// One autocannon run (node_modules/autocannon, pinned in package.json), driven by bench/load.py:
//
//     node bench/autocannon.mjs '{"url": ..., "connections": 20, "duration": 10, ...}'
//
// prints autocannon's result object (what `autocannon -j` prints) as one JSON line. The API,
// not the command line, because the command line cannot vary a body per request: here a
// GraphQL variable can take a new value on every request (`vary`), from a list in turn or
// made unique with a counter, so that no cache could answer two requests alike.
//
// The case (JSON): url, method, headers, body (an object, sent as JSON), connections,
// duration and warmup (seconds), and optionally vary: {variable, values} (a list, taken in
// turn) or {variable, prefix} (prefix + a counter: a value no request has sent before).
// A 2xx answer whose body has a GraphQL "errors" entry counts as a mismatch.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon");

const spec = JSON.parse(process.argv[2]);
let sent = 0;

function body(variables) {
  return JSON.stringify({ ...spec.body, variables: { ...spec.body.variables, ...variables } });
}

function nextValue() {
  const { values, prefix } = spec.vary;
  const value = values ? values[sent % values.length] : `${prefix}${sent}`;
  sent += 1;
  return value;
}

const request = { method: spec.method || "GET", headers: spec.headers || {} };
if (spec.body) request.body = body({});
if (spec.vary) {
  request.setupRequest = (req) => ({ ...req, body: body({ [spec.vary.variable]: nextValue() }) });
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  warmup: { connections: spec.connections, duration: spec.warmup },
  timeout: 30,
  requests: [request],
  verifyBody: (text) => !text.includes('"errors":'),
});
process.stdout.write(JSON.stringify({ ...result, varied_values_sent: sent }) + "\n");
