"""The probes of the GraphQL audit tools (graphql-cop, InQL, clairvoyance), each refused or
harmless: a stable `extensions.code` and a human message, never a 500, never a traceback or
the name of a database library, and, for every refusal, not one SQL statement sent.
"""

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from graphql import get_introspection_query
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.config import Settings
from tests.conftest import Databases, StatementCounter, serving, without_cost
from tests.utils import global_id

pytestmark = pytest.mark.read_only

LEAKS = ("traceback", 'file "', "sqlalchemy", "sqlite", "asyncpg", "psycopg", "site-packages")
INTERNAL_MESSAGE = "Internal server error (the log has the details under this requestId)"

Served = tuple[httpx.AsyncClient, StatementCounter]


@pytest.fixture
async def fresh_database_url(databases: Databases) -> str:
    """A database of its own, for a test that changes it behind the app's back."""
    return await databases.fresh()


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    async with serving(settings) as pair:
        yield pair


def assert_no_leak(response: httpx.Response) -> None:
    assert response.status_code != 500, response.text
    lowered = response.text.lower()
    for leak in LEAKS:
        assert leak not in lowered, (leak, response.text[:2000])


def assert_human(message: Any) -> None:
    """A sentence a person can read, not an empty string or a bare exception name."""
    assert isinstance(message, str), message
    assert len(message) >= 15, message
    assert " " in message, message
    assert message != INTERNAL_MESSAGE, "a client's mistake must not be masked"


def refused(response: httpx.Response, code: str, status: int = 200) -> dict[str, Any]:
    """A refusal: the status, every error with `code` and a human message, and no data."""
    assert_no_leak(response)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    errors = body["errors"]
    assert errors, body
    assert {error["extensions"]["code"] for error in errors} == {code}, errors[:3]
    for error in errors:
        assert_human(error["message"])
    return body


def cost_of(body: dict[str, Any]) -> dict[str, Any]:
    cost: dict[str, Any] = body["extensions"]["cost"]
    assert set(cost) == {"requested", "actual", "limit"}, cost
    assert cost["limit"] == Settings().max_cost
    return cost


async def post(client: httpx.AsyncClient, query: str, **payload: Any) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, **payload})


# --- limits: aliases, depth, cost, tokens, root fields -----------------------------------


def aliased(count: int) -> str:
    """`count` aliases of the same field: graphql-cop's alias overloading."""
    fields = " ".join(f'a{i}: organization(slug: "fact") {{ slug }}' for i in range(count))
    return "{ " + fields + " }"


HUNDRED_ALIASES = aliased(100)
# 2 aliases in the fragment, spread 30 times: 60 aliases although the document has only 2
SPREAD_ALIASES = (
    "{ " + "...Q " * 30 + '}\nfragment Q on Query { x: organization(slug: "fact") { y: name } }'
)
DEEP = '{ organization(slug: "fact") { ' + "parent { " * 14 + "slug" + " }" * 14 + " } }"
DEEP_THROUGH_FRAGMENTS = (
    '{ organization(slug: "fact") { ...A } }\n'
    "fragment A on Organization { parent { ...B } }\n"
    "fragment B on Organization { parent { ...C } }\n"
    "fragment C on Organization { parent { parent { parent { parent { parent { parent { "
    "parent { parent { parent { parent { parent { slug } } } } } } } } } } } }"
)
COSTLY = (
    "{ organizations(first: 100) { nodes { agreements { parties { agreements { parties "
    "{ agreements { parties { slug } } } } } } } } }"
)
MANY_TOKENS = "{ " + "a " * 30_000 + "}"  # 30,000 tokens in 60 kB, under the body limit
MANY_ROOT_FIELDS = "{ " + "__typename " * 500 + "}"  # graphql-cop's field duplication
CIRCULAR_INTROSPECTION = (
    "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
)

LIMIT_PROBES = [
    pytest.param(HUNDRED_ALIASES, "TOO_MANY_ALIASES", id="100-aliases"),
    pytest.param(SPREAD_ALIASES, "TOO_MANY_ALIASES", id="aliases-in-a-spread-fragment"),
    pytest.param(DEEP, "QUERY_TOO_DEEP", id="depth"),
    pytest.param(DEEP_THROUGH_FRAGMENTS, "QUERY_TOO_DEEP", id="depth-through-fragments"),
    pytest.param(CIRCULAR_INTROSPECTION, "QUERY_TOO_DEEP", id="circular-introspection"),
    pytest.param(COSTLY, "QUERY_TOO_COMPLEX", id="cost"),
    pytest.param(MANY_TOKENS, "QUERY_TOO_COMPLEX", id="30k-tokens"),
    pytest.param(MANY_ROOT_FIELDS, "QUERY_TOO_COMPLEX", id="500-root-fields"),
]


@pytest.mark.parametrize(("query", "code"), LIMIT_PROBES)
async def test_limits_refuse_abusive_documents_before_any_sql(served, query, code):
    client, sql = served
    assert len(json.dumps({"query": query})) < Settings().max_body_bytes
    body = refused(await post(client, query), code)
    cost_of(body)  # the limit errors report the cost too
    assert sql.count == 0, sql.statements


async def test_aliases_up_to_the_limit_run(served):
    client, _sql = served
    response = await post(client, aliased(Settings().max_aliases))
    assert response.status_code == 200
    body = without_cost(response.json())
    assert "errors" not in body, body["errors"]
    assert body["data"]["a49"] == {"slug": "fact"}


async def test_duplicated_fields_below_the_root_cost_nothing_more(served):
    """graphql-cop's field duplication, one level down: the fields merge into one."""
    client, sql = served
    once = await post(client, '{ organization(slug: "fact") { name } }')
    single = sql.count
    sql.statements.clear()
    many = await post(client, '{ organization(slug: "fact") { ' + "name " * 500 + "} }")
    assert many.status_code == 200
    assert without_cost(many.json()) == without_cost(once.json())
    assert sql.count == single


# --- batching ----------------------------------------------------------------------------


async def test_batched_queries_are_refused_without_running(served):
    client, sql = served
    batch = [{"query": '{ organization(slug: "fact") { name } }'}] * 10
    response = await client.post("/graphql", json=batch)
    assert_no_leak(response)
    assert 400 <= response.status_code < 500, response.text
    assert "batch" in response.text.lower(), response.text
    assert "Foundation" not in response.text
    assert sql.count == 0, sql.statements


# --- directive overloading ---------------------------------------------------------------


@pytest.mark.parametrize(
    "directives",
    [
        pytest.param("@aa " * 500, id="500-unknown-directives"),
        pytest.param("@aa " * 5000, id="5000-unknown-directives"),
        pytest.param("@include(if: true) " * 500, id="500-repeated-include"),
        pytest.param("@skip(if: false) " * 500, id="500-repeated-skip"),
    ],
)
async def test_directive_overloading_is_a_quick_validation_error(served, directives):
    client, sql = served
    started = time.perf_counter()
    response = await post(client, "{ __typename " + directives + "}")
    elapsed = time.perf_counter() - started
    body = refused(response, "GRAPHQL_VALIDATION_FAILED")
    assert len(body["errors"]) <= 101, "graphql-core stops validating after 100 errors"
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert sql.count == 0, sql.statements


# --- introspection -----------------------------------------------------------------------


async def test_the_standard_introspection_query_still_works(served):
    client, sql = served
    response = await post(client, get_introspection_query(descriptions=True))
    assert response.status_code == 200
    body = without_cost(response.json())
    assert "errors" not in body, body["errors"]
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Organization", "Query", "Node"} <= names
    assert sql.count == 0


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(get_introspection_query(descriptions=True), id="standard"),
        pytest.param('{ __type(name: "Organization") { fields { name } } }', id="__type"),
        pytest.param("{ __schema { queryType { name } } }", id="__schema"),
    ],
)
async def test_introspection_can_be_turned_off(database_url, query):
    async with serving(Settings(database_url=database_url, introspection=False)) as (client, sql):
        refused(await post(client, query), "GRAPHQL_VALIDATION_FAILED")
        assert sql.count == 0, sql.statements
        response = await post(client, '{ __typename organization(slug: "fact") { name } }')
        body = without_cost(response.json())
        assert "errors" not in body, body["errors"]
        assert body["data"]["__typename"] == "Query"
        assert body["data"]["organization"]["name"].startswith("Foundation")


# --- field suggestions (clairvoyance) ----------------------------------------------------

MISSPELT = [
    pytest.param('{ organizaton(slug: "x") { name } }', id="root-field"),
    pytest.param('{ organization(slug: "fact") { nme } }', id="field"),
    pytest.param('{ organization(slgu: "fact") { name } }', id="argument"),
    pytest.param("{ organizations(filter: {category: PARTNR}) { totalCount } }", id="enum-value"),
    pytest.param("{ organizations(filter: {categry: PARTNER}) { totalCount } }", id="input-field"),
    pytest.param("{ ...F } fragment F on Organizaton { name }", id="type-in-fragment"),
    pytest.param(
        "query($f: OrganizationFiltr) { organizations(filter: $f) { totalCount } }",
        id="variable-type",
    ),
    pytest.param('{ organization(slug: "fact") }', id="missing-subfields"),
]


@pytest.mark.parametrize("query", MISSPELT)
async def test_no_field_suggestions_by_default(served, query):
    client, sql = served
    response = await post(client, query)
    refused(response, "GRAPHQL_VALIDATION_FAILED")
    assert "did you mean" not in response.text.lower(), response.text
    assert sql.count == 0


@pytest.mark.parametrize("query", MISSPELT[:-1])  # the last has nothing to suggest
async def test_suggestions_can_be_turned_on(database_url, query):
    async with serving(Settings(database_url=database_url, suggestions=True)) as (client, _sql):
        response = await post(client, query)
        refused(response, "GRAPHQL_VALIDATION_FAILED")
        assert "Did you mean" in response.text, response.text


# --- CSRF: GET mutations, forms, text ----------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"query": "mutation { __typename }"}, id="anonymous"),
        pytest.param({"query": "mutation M { __typename }", "operationName": "M"}, id="named"),
    ],
)
async def test_a_mutation_over_get_is_refused(served, params):
    client, _sql = served
    response = await client.get("/graphql", params=params, headers={"accept": "application/json"})
    assert_no_leak(response)
    assert 400 <= response.status_code < 500, response.text
    assert "mutation" in response.text.lower(), response.text
    assert "etag" not in response.headers


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("mutation { __typename }", id="mutation"),
        pytest.param(DEEP, id="depth"),
        pytest.param(COSTLY, id="cost"),
    ],
)
async def test_a_refused_get_runs_none_of_its_sql(served, query):
    """A GET that is then refused runs none of its own SQL: the limits exist so that an
    abusive query never reaches the database. The one statement allowed is the ETag's
    dataset-revision lookup, which must come before execution to tag answers safely."""
    client, sql = served
    response = await client.get("/graphql", params={"query": query})
    assert_no_leak(response)
    assert response.status_code >= 400 or response.json().get("errors"), response.text
    assert all("dataset_revision" in statement for statement in sql.statements), sql.statements
    assert sql.count <= 1, sql.statements


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"query=%7B__typename%7D", "application/x-www-form-urlencoded", id="form"),
        pytest.param(b'{"query": "{ __typename }"}', "text/plain", id="text"),
        pytest.param(b'{"query": "{ __typename }"}', "text/plain; charset=utf-8", id="text-utf8"),
        pytest.param(
            b'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
            b"{ __typename }\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            id="multipart",
        ),
        pytest.param(b'{"query": "{ __typename }"}', None, id="no-content-type"),
    ],
)
async def test_simple_request_content_types_are_refused(served, content, content_type):
    """What a cross-site form can send without a CORS preflight never runs."""
    client, sql = served
    headers = {"content-type": content_type} if content_type else {}
    request = client.build_request("POST", "/graphql", content=content, headers=headers)
    assert request.headers.get("content-type") == content_type
    response = await client.send(request)
    refused(response, "UNSUPPORTED_MEDIA_TYPE", status=415)
    assert sql.count == 0, sql.statements


# --- tracing, debug, unhandled errors ----------------------------------------------------

TRACE_WORDS = ("tracing", "startTime", "endTime", "duration", "resolvers", "execution", "debug")


@pytest.mark.parametrize(
    ("path", "extensions"),
    [
        pytest.param("/graphql", {"tracing": True}, id="apollo-tracing"),
        pytest.param("/graphql", {"tracing": 1, "debug": True}, id="tracing-debug"),
        pytest.param("/graphql?debug=1", None, id="debug-param"),
        pytest.param("/graphql?debug=true&tracing=1", None, id="debug-tracing-params"),
    ],
)
async def test_trace_mode_exposes_no_internals(served, path, extensions):
    client, _sql = served
    payload: dict[str, Any] = {"query": 'query cop { organization(slug: "fact") { name } }'}
    if extensions is not None:
        payload["extensions"] = extensions
    response = await client.post(path, json=payload)
    assert_no_leak(response)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "extensions"}, body
    assert set(body["extensions"]) == {"cost"}, body["extensions"]
    for word in TRACE_WORDS:
        assert word.lower() not in response.text.lower(), (word, response.text)


async def test_a_syntax_error_is_reported_not_raised(served):
    """graphql-cop's unhandled-error probe."""
    client, sql = served
    response = await post(client, "qwerty cop { abc }")
    refused(response, "GRAPHQL_PARSE_FAILED")
    assert "exception" not in response.text.lower()
    assert sql.count == 0


def _admin_engine(database_url: str) -> AsyncEngine:
    return create_async_engine(Settings(database_url=database_url).database_url)


async def test_a_failure_inside_the_service_is_generic_and_leaks_nothing(fresh_database_url):
    """A table dropped behind the app's back: the client learns only that it failed, with a
    code (and the request id to quote when it is our fault)."""
    async with serving(Settings(database_url=fresh_database_url)) as (client, _sql):
        admin = _admin_engine(fresh_database_url)
        try:
            async with admin.begin() as conn:
                await conn.execute(sa.text("DROP TABLE initiative_organization"))
        finally:
            await admin.dispose()
        response = await post(
            client, '{ organization(slug: "isct") { name initiatives { name } } }'
        )
        assert_no_leak(response)
        for word in ("initiative_organization", "no such table", "does not exist", "SELECT"):
            assert word.lower() not in response.text.lower(), (word, response.text)
        body = response.json()
        errors = body["errors"]
        codes = {error["extensions"]["code"] for error in errors}
        assert codes in ({"SERVICE_UNAVAILABLE"}, {"INTERNAL"}), errors
        if codes == {"INTERNAL"}:
            assert response.status_code == 200
            assert errors[0]["message"] == INTERNAL_MESSAGE
            assert errors[0]["extensions"]["requestId"] == response.headers["x-request-id"]
        else:
            assert response.status_code == 503
            assert "retry" in errors[0]["message"]
        assert errors[0]["path"] == ["organization", "initiatives"]


async def test_an_internal_error_carries_the_request_id_the_log_has(fresh_database_url, caplog):
    """Data the code cannot read (an unknown category) is our failure: INTERNAL, generic, and
    the details only in the log, under the id the client was given."""
    async with serving(Settings(database_url=fresh_database_url)) as (client, _sql):
        admin = _admin_engine(fresh_database_url)
        try:
            async with admin.begin() as conn:
                await conn.execute(
                    sa.text("UPDATE organization SET category = 'BOGUS' WHERE slug = 'fact'")
                )
        finally:
            await admin.dispose()
        with caplog.at_level("ERROR", logger="service.errors"):
            response = await client.post(
                "/graphql",
                json={"query": '{ organization(slug: "fact") { slug category } }'},
                headers={"x-request-id": "audit-probe-1"},
            )
    assert_no_leak(response)
    assert "BOGUS" not in response.text
    body = response.json()
    assert body["data"] == {"organization": None}
    [error] = body["errors"]
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "audit-probe-1"}
    assert "request_id=audit-probe-1" in caplog.text
    assert "BOGUS" in caplog.text  # the operator's log has what the client does not


NUL_PROBES = [
    pytest.param("query($s: String!) { organization(slug: $s) { name } }", id="organization"),
    pytest.param("query($s: String!) { person(slug: $s) { name } }", id="person"),
    pytest.param(
        "query($s: String) { organizations(filter: {region: $s}) { totalCount } }", id="region"
    ),
    pytest.param(
        "query($s: String) { agreements(filter: {party: $s}) { totalCount } }", id="party"
    ),
    pytest.param(
        "query($s: String) { people(filter: {organization: $s}) { totalCount } }",
        id="people-organization",
    ),
    pytest.param(
        "query($s: String) { organizations(filter: {search: $s}) { totalCount } }", id="search"
    ),
    pytest.param("query($s: String!) { search(query: $s) { __typename } }", id="search-root"),
]


@pytest.mark.parametrize("query", NUL_PROBES)
async def test_a_nul_character_in_an_argument_is_the_clients_problem(served, query):
    """U+0000 is a valid GraphQL string character; the database may not store it, but then the
    answer is "no match" or BAD_USER_INPUT, never an internal error."""
    client, _sql = served
    response = await post(client, query, variables={"s": "fa\x00ct"})
    assert_no_leak(response)
    codes = {e["extensions"]["code"] for e in response.json().get("errors") or ()}
    assert codes <= {"BAD_USER_INPUT"}, response.text


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": global_id("Organization:fa\x00ct")},
            id="global-id",
        ),
        pytest.param(
            "query($after: String) { organizations(after: $after) { totalCount } }",
            {"after": global_id(json.dumps(["organizations:name:ASC", "F\x00", "fa\x00ct"]))},
            id="cursor",
        ),
    ],
)
async def test_a_nul_character_in_an_id_or_cursor_is_the_clients_problem(served, query, variables):
    client, _sql = served
    response = await post(client, query, variables=variables)
    assert_no_leak(response)
    codes = {e["extensions"]["code"] for e in response.json().get("errors") or ()}
    assert codes <= {"BAD_USER_INPUT"}, response.text


# --- request size ------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_413_by_its_length(served):
    client, sql = served
    content = json.dumps({"query": "{ __typename }", "padding": "x" * 200_000}).encode()
    response = await client.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    body = refused(response, "PAYLOAD_TOO_LARGE", status=413)
    assert "100,000 bytes" in body["errors"][0]["message"]
    assert sql.count == 0


async def test_a_streamed_body_over_the_limit_is_413(served):
    client, sql = served

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "padding": "'
        for _ in range(30):
            yield b"x" * 10_000
        yield b'"}'

    request = client.build_request(
        "POST", "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = await client.send(request)
    refused(response, "PAYLOAD_TOO_LARGE", status=413)
    assert sql.count == 0


async def test_a_lying_content_length_does_not_get_past_the_limit(served):
    """A small declared length and a large body: the stream itself is counted."""
    client, sql = served

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(30):
            yield b" " * 10_000

    request = client.build_request(
        "POST", "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    request.headers["content-length"] = "10"
    response = await client.send(request)
    refused(response, "PAYLOAD_TOO_LARGE", status=413)
    assert sql.count == 0


# --- headers: security and CORS ----------------------------------------------------------


def assert_security_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_security_headers_on_answers_and_refusals(served):
    client, _sql = served
    responses = [
        await post(client, '{ organization(slug: "fact") { name } }'),
        await post(client, DEEP),
        await client.post("/graphql", content=b"query={}", headers={"content-type": "text/plain"}),
        await client.get("/graphql", params={"query": "{ __typename }"}),
        await client.get("/healthz"),
    ]
    for response in responses:
        assert_security_headers(response)
    assert responses[0].headers["content-type"].startswith("application/json")


async def test_no_cors_for_an_unknown_origin_by_default(served):
    client, _sql = served
    origin = {"origin": "https://evil.example"}
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=origin)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options(
        "/graphql",
        headers={**origin, "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"},
    )  # fmt: skip
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_allows_the_configured_origin_only(database_url):
    settings = Settings(database_url=database_url, cors_origins=["https://partners.example"])
    async with serving(settings) as (client, _sql):

        async def preflight(origin: str) -> httpx.Response:
            return await client.options(
                "/graphql",
                headers={"origin": origin, "access-control-request-method": "POST",
                         "access-control-request-headers": "content-type"},
            )  # fmt: skip

        allowed = await preflight("https://partners.example")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://partners.example"
        assert "POST" in allowed.headers["access-control-allow-methods"]
        other = await preflight("https://evil.example")
        assert other.status_code >= 400
        assert "access-control-allow-origin" not in other.headers

        answer = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://partners.example"},
        )
        assert answer.headers["access-control-allow-origin"] == "https://partners.example"
        stranger = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in stranger.headers


# --- cost reporting and the time budget --------------------------------------------------


async def test_cost_is_reported_on_success(served):
    client, _sql = served
    response = await post(
        client, "{ organizations(first: 3) { nodes { slug agreements { title } } } }"
    )
    cost = cost_of(response.json())
    assert isinstance(cost["requested"], int), cost
    assert cost["requested"] > 0, cost
    assert cost["actual"] >= 4, cost  # the connection and the 3 organizations, at least


@pytest.mark.dataset("synthetic:400")
async def test_the_time_budget_ends_a_slow_request_with_a_clean_503(database_url):
    settings = Settings(database_url=database_url, request_timeout_s=0.001)
    query = (
        "{ organizations(first: 100) { nodes { slug agreements { title parties { slug } } "
        "representatives { role person { name representations { role } } } } } }"
    )
    async with serving(settings) as (client, _sql):
        response = await post(client, query)
        body = refused(response, "TIMEOUT", status=503)
        assert "budget" in body["errors"][0]["message"]
        cost_of(body)
        # the app is not left broken: the next request is answered, the pool is usable
        after = await post(client, "{ __typename }")
        assert after.status_code == 200
        assert after.json()["data"] == {"__typename": "Query"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
