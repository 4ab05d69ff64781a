"""GraphQL over HTTP to the letter: the response media type a request negotiates, the status
each kind of error gets under it, a GraphQL-shaped error with a code for every refusal, and
the spec's own audit suite (graphql-http's serverAudits) run against a real server."""

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.utils.live import ROOT, live_server

GR = "application/graphql-response+json"
JSON = "application/json"
TYPENAME = {"query": "{ __typename }"}


async def post(client: httpx.AsyncClient, accept: str | None, **kwargs: Any) -> httpx.Response:
    """POST /graphql with this Accept header (None: no Accept header at all)."""
    kwargs.setdefault("headers", {})["content-type"] = "application/json"
    request = client.build_request("POST", "/graphql", **kwargs)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await client.send(request)


def error_answer(response: httpx.Response, status: int, code: str, media_type: str) -> Any:
    """A GraphQL-shaped error: the status, the media type, every error with `code`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == media_type, response.headers
    body = response.json()
    assert body["errors"], body
    assert {error["extensions"]["code"] for error in body["errors"]} == {code}, body
    assert all(len(error["message"]) >= 15 for error in body["errors"]), body
    if media_type == GR or status != 200:
        assert "data" not in body, body  # nothing ran
    else:
        assert body["data"] is None, body  # legacy application/json: 200, data null
    return body


# --- the response media type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        pytest.param(None, JSON, id="none"),
        pytest.param("*/*", JSON, id="any"),
        pytest.param("application/*", JSON, id="application-any"),
        pytest.param(JSON, JSON, id="json"),
        pytest.param(GR, GR, id="graphql-response"),
        pytest.param(f"{GR}; charset=utf-8", GR, id="graphql-response-utf8"),
        pytest.param(f"{GR},{JSON};q=0.9", GR, id="apollo-client-4"),
        pytest.param(f"{JSON}, {GR}", GR, id="both-equal"),
        pytest.param(f"{JSON}, {GR};q=0.5", JSON, id="json-preferred"),
        pytest.param(f"{GR};q=0, */*", JSON, id="graphql-response-refused"),
        pytest.param("text/html,application/xhtml+xml,*/*;q=0.8", JSON, id="browser"),
    ],
)
async def test_the_answer_is_in_the_media_type_the_accept_header_prefers(
    client, accept, media_type
):
    response = await post(client, accept, json=TYPENAME)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{JSON};q=0, {GR};q=0"])
async def test_an_accept_header_allowing_neither_type_gets_406(client, accept):
    error_answer(await post(client, accept, json=TYPENAME), 406, "NOT_ACCEPTABLE", JSON)
    get = await client.get("/graphql", params=TYPENAME, headers={"accept": accept})
    error_answer(get, 406, "NOT_ACCEPTABLE", JSON)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param({"query": "{"}, "GRAPHQL_PARSE_FAILED", id="parse"),
        pytest.param({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED", id="validation"),
        pytest.param(
            {"query": "query($s: String!) { organization(slug: $s) { name } }"},
            "BAD_USER_INPUT",
            id="variables",
        ),
        pytest.param(
            {"query": "query A { __typename }", "operationName": "B"},
            "OPERATION_NOT_FOUND",
            id="unknown-operation",
        ),
        pytest.param(
            {"query": "query A { __typename } query B { __typename }"},
            "OPERATION_NAME_REQUIRED",
            id="operation-name-required",
        ),
    ],
)
async def test_a_request_error_is_400_without_data_under_graphql_response_json(
    client, payload, code
):
    """Nothing executed: 400 and no `data` under the spec's type; the legacy type keeps
    200 with `data: null`, which the spec still recommends for it."""
    error_answer(await post(client, GR, json=payload), 400, code, GR)
    error_answer(await post(client, JSON, json=payload), 200, code, JSON)


async def test_several_operations_run_the_named_one(client):
    payload = {"query": "query A { a: __typename } query B { b: __typename }"}
    response = await post(client, GR, json={**payload, "operationName": "B"})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"b": "Query"}


async def test_a_field_error_in_an_executed_request_is_200_with_data(client):
    response = await post(client, GR, json={"query": '{ node(id: "garbage") { id } }'})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_get_answers_are_tagged_per_media_type(client):
    legacy = await client.get("/graphql", params=TYPENAME, headers={"accept": JSON})
    spec = await client.get("/graphql", params=TYPENAME, headers={"accept": GR})
    assert legacy.status_code == spec.status_code == 200
    assert spec.headers["content-type"].startswith(GR)
    assert "accept" in spec.headers["vary"].lower()
    assert legacy.headers["etag"] != spec.headers["etag"]
    again = await client.get(
        "/graphql", params=TYPENAME, headers={"accept": GR, "if-none-match": spec.headers["etag"]}
    )
    assert again.status_code == 304


# --- refusals: GraphQL-shaped, with a code, in the negotiated type -------------------------


@pytest.mark.parametrize("media_type", [JSON, GR])
@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(b"", "BAD_REQUEST", id="empty"),
        pytest.param(b"   ", "BAD_REQUEST", id="blank"),
        pytest.param(b'{"query":', "BAD_REQUEST", id="malformed"),
        pytest.param(b"NONSENSE", "BAD_REQUEST", id="not-json"),
        pytest.param(b'"{ __typename }"', "BAD_REQUEST", id="not-an-object"),
        pytest.param(b'[{"query": "{ __typename }"}]', "BATCHING_NOT_SUPPORTED", id="batch"),
        pytest.param(b'{"qeury": "{ __typename }"}', "BAD_REQUEST", id="no-query"),
        pytest.param(b'{"query": 7}', "BAD_REQUEST", id="query-not-a-string"),
        pytest.param(b'{"query": "{ __typename }", "variables": [7]}', "BAD_REQUEST", id="vars"),
        pytest.param(
            b'{"query": "{ __typename }", "operationName": {}}', "BAD_REQUEST", id="op-name"
        ),
    ],
)
async def test_a_body_that_is_not_a_graphql_request_is_400_with_a_code(
    client, content, code, media_type
):
    error_answer(await post(client, media_type, content=content), 400, code, media_type)


@pytest.mark.parametrize("media_type", [JSON, GR])
@pytest.mark.parametrize("query", ["mutation { __typename }", "mutation M { __typename }"])
async def test_a_mutation_over_get_is_405_allowing_post(client, query, media_type):
    response = await client.get("/graphql", params={"query": query}, headers={"accept": media_type})
    error_answer(response, 405, "METHOD_NOT_ALLOWED", media_type)
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_another_http_method_is_405_with_a_code(client, method):
    response = await client.request(method, "/graphql", json=TYPENAME, headers={"accept": GR})
    error_answer(response, 405, "METHOD_NOT_ALLOWED", GR)
    assert response.headers["allow"] == "GET, POST"


async def test_a_get_without_a_query_is_400_with_a_code(client):
    response = await client.get("/graphql", headers={"accept": GR})
    error_answer(response, 400, "BAD_REQUEST", GR)


async def test_the_guard_refuses_in_the_negotiated_type(client, settings):
    form = await client.post(
        "/graphql", content=b"query={}", headers={"content-type": "text/plain", "accept": GR}
    )
    error_answer(form, 415, "UNSUPPORTED_MEDIA_TYPE", GR)
    big = {"query": "{ __typename }", "padding": "x" * settings.max_body_bytes}
    error_answer(await post(client, GR, json=big), 413, "PAYLOAD_TOO_LARGE", GR)


async def test_an_unknown_persisted_query_is_404_under_graphql_response_json(client):
    """No `data` must not be a 2xx under the spec's type; legacy APQ clients keep 200."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    error_answer(
        await post(client, GR, json={"extensions": extensions}),
        404,
        "PERSISTED_QUERY_NOT_FOUND",
        GR,
    )
    legacy = await post(client, JSON, json={"extensions": extensions})
    assert legacy.status_code == 200
    assert legacy.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


# --- the spec's audit suite ---------------------------------------------------------------

AUDITS = ROOT / "tests" / "http_audits.mjs"


@pytest.mark.slow  # a real server and a Node process
async def test_the_server_passes_every_graphql_over_http_audit(database_url: str, tmp_path: Path):
    node = shutil.which("node")
    assert node, "Node.js is needed for the GraphQL-over-HTTP audits (graphql-http, via make)"
    assert (ROOT / "node_modules" / "graphql-http").is_dir(), "run `make` (npm ci) first"
    async with live_server(database_url, tmp_path / "logs") as server:
        audits = await asyncio.create_subprocess_exec(
            node,
            str(AUDITS),
            f"{server.base}/graphql",
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(audits.communicate(), timeout=120)
    assert audits.returncode == 0, stderr.decode()
    results = json.loads(stdout)
    assert len(results) == 61, results  # graphql-http 1.23.1's MUST, SHOULD and MAY audits
    failed = [
        f"{r['id']} {r['status']}: {r['name']} ({r['reason']})"
        for r in results
        if r["status"] != "ok"
    ]
    assert not failed, "\n".join(failed)
