"""What operators see: X-Request-ID on every response, one JSON access line per request on
the `service.access` logger, and Prometheus metrics at /metrics that move with the traffic."""

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.config import Settings
from tests.conftest import serving
from tests.utils.live import live_server

pytestmark = pytest.mark.read_only

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
ACCESS_FIELDS = {
    "request_id", "method", "path", "status", "duration_ms", "operation", "cost",
    "sql_statements", "errors", "execution",
}  # fmt: skip
NAMED = "query PartnerPage { organizations(first: 3) { nodes { slug agreements { title } } } }"
DEEP = (
    'query TooDeep { organization(slug: "fact") { '
    + "parent { " * 14 + "slug" + " }" * 14 + " } }"
)  # fmt: skip


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "service.access"
    ]


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="service.access")
    return caplog


# --- request id --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["abc", "req-2026.11.25_001", "A" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
async def test_a_valid_request_id_is_echoed(settings, access_log, given):
    async with serving(settings) as (client, _sql):
        response = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": given}
        )
    assert response.headers["x-request-id"] == given
    [line] = access_lines(access_log)
    assert line["request_id"] == given


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(None, id="absent"),
        pytest.param("", id="empty"),
        pytest.param("x" * 200, id="200-chars"),
        pytest.param("A" * 65, id="65-chars"),
        pytest.param("two words", id="space"),
        pytest.param("id;drop", id="semicolon"),
        pytest.param("réq", id="non-ascii"),
        pytest.param('"><script>', id="markup"),
    ],
)
async def test_a_request_id_is_generated_when_absent_or_malformed(settings, access_log, given):
    headers = {} if given is None else {"x-request-id": given.encode("utf-8")}
    async with serving(settings) as (client, _sql):
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    generated = response.headers["x-request-id"]
    assert GENERATED_ID.match(generated), generated
    [line] = access_lines(access_log)
    assert line["request_id"] == generated


async def test_every_request_gets_its_own_id(settings):
    async with serving(settings) as (client, _sql):
        ids = {
            (await client.get("/healthz")).headers["x-request-id"],
            (await client.post("/graphql", json={"query": "{ __typename }"})).headers[
                "x-request-id"
            ],
            (await client.get("/metrics")).headers["x-request-id"],
            (await client.get("/no-such-page")).headers["x-request-id"],
        }
    assert len(ids) == 4


# --- the access log ----------------------------------------------------------------------


async def test_one_access_line_per_request_with_what_it_did(settings, access_log):
    async with serving(settings) as (client, sql):
        response = await client.post(
            "/graphql", json={"query": NAMED}, headers={"x-request-id": "page-1"}
        )
        statements = sql.count
    assert response.status_code == 200
    assert "errors" not in response.json()
    [line] = access_lines(access_log)
    assert set(line) == ACCESS_FIELDS
    assert line["request_id"] == "page-1"
    assert line["method"] == "POST"
    assert line["path"] == "/graphql"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float)
    assert line["duration_ms"] >= 0
    assert line["operation"] == "PartnerPage"
    assert line["cost"] == response.json()["extensions"]["cost"]
    assert statements > 0
    assert line["sql_statements"] == statements
    assert line["errors"] is None
    assert line["execution"] == "compiled"
    assert statements == 1  # the whole answer, built by one statement


async def test_the_line_counts_the_sql_of_its_own_request_only(settings, access_log):
    async with serving(settings) as (client, sql):
        counts = []
        for query in (NAMED, "{ __typename }", '{ organization(slug: "fact") { name } }'):
            sql.statements.clear()
            await client.post("/graphql", json={"query": query})
            counts.append(sql.count)
        sql.statements.clear()
        await client.get("/graphql", params={"query": "{ __typename }"})  # plus the ETag lookup
        counts.append(sql.count)
    assert [line["sql_statements"] for line in access_lines(access_log)] == counts
    assert counts[1] == 0


async def test_an_anonymous_operation_has_no_name_and_get_is_logged_as_get(settings, access_log):
    async with serving(settings) as (client, _sql):
        await client.get("/graphql", params={"query": "{ __typename }"})
    [line] = access_lines(access_log)
    assert line["method"] == "GET"
    assert line["operation"] is None
    assert line["status"] == 200


async def test_the_line_of_a_failing_request_lists_its_error_codes(settings, access_log):
    async with serving(settings) as (client, _sql):
        deep = await client.post("/graphql", json={"query": DEEP})
        invalid = await client.post("/graphql", json={"query": "{ nope alsoNope }"})
    assert deep.status_code == invalid.status_code == 200
    first, second = access_lines(access_log)
    assert first["errors"] == ["QUERY_TOO_DEEP"]
    assert first["operation"] == "TooDeep"
    assert first["cost"] == deep.json()["extensions"]["cost"]
    assert first["sql_statements"] == 0
    assert second["errors"] == ["GRAPHQL_VALIDATION_FAILED"] * 2


def _safelist(tmp_path: Path) -> Path:
    path = tmp_path / "safelist.json"
    path.write_text(json.dumps(["{ __typename }"]), encoding="utf-8")
    return path


REFUSALS = [
    pytest.param(
        {}, "POST", {"content": b"query={}", "headers": {"content-type": "text/plain"}},
        415, "UNSUPPORTED_MEDIA_TYPE", id="415-form-post",
    ),
    pytest.param(
        {}, "POST",
        {"content": b" " * 200_000, "headers": {"content-type": "application/json"}},
        413, "PAYLOAD_TOO_LARGE", id="413-body-too-large",
    ),
    pytest.param(
        {}, "POST",
        {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}},
        200, "PERSISTED_QUERY_NOT_FOUND", id="apq-not-found",
    ),
    pytest.param(
        {"safelist": True}, "POST", {"json": {"query": "{ organizations { totalCount } }"}},
        403, "FORBIDDEN", id="403-not-safelisted",
    ),
    pytest.param(
        {"request_timeout_s": 0.001}, "POST",
        {"json": {"query": "{ organizations { nodes { agreements { parties { slug } } } } }"}},
        503, "TIMEOUT", id="503-timeout", marks=pytest.mark.dataset("synthetic:400"),
    ),
    pytest.param(
        {}, "POST", {"json": [{"query": "{ __typename }"}]}, 400, "BATCHING_NOT_SUPPORTED",
        id="400-batch",
    ),
    pytest.param(
        {}, "GET", {"params": {"query": "mutation { __typename }"}}, 405, "METHOD_NOT_ALLOWED",
        id="405-get-mutation",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("options", "method", "request_kwargs", "status", "code"), REFUSALS)
async def test_every_refusal_has_a_request_id_and_one_access_line_with_its_code(
    database_url, tmp_path, access_log, options, method, request_kwargs, status, code
):
    """Refusals are the requests operators most need to see: each one has its request id and
    its access line, and the line names the code the client was given."""
    if options.pop("safelist", False):
        options["safelist_path"] = _safelist(tmp_path)
    async with serving(Settings(database_url=database_url, **options)) as (client, _sql):
        response = await client.request(method, "/graphql", **request_kwargs)
    assert response.status_code == status, response.text
    if code is not None:
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]
    assert "x-request-id" in response.headers, "a refusal without a request id"
    lines = access_lines(access_log)
    assert len(lines) == 1, f"{len(lines)} access lines for one request"
    [line] = lines
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["status"] == status
    assert line["errors"] == ([code] if code else None)


# --- metrics -----------------------------------------------------------------------------


Page = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Page:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(page: Page, name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


async def metrics_page(client: httpx.AsyncClient) -> tuple[str, Page]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text, samples(response.text)


async def test_metrics_are_prometheus_text_with_the_service_metrics(settings):
    async with serving(settings) as (client, _sql):
        await client.post("/graphql", json={"query": "{ __typename }"})
        text, _page = await metrics_page(client)
    for name in (
        "http_requests_total", "http_request_duration_seconds_bucket",
        "sql_statements_per_request", "graphql_errors_total", "graphql_executions_total",
    ):  # fmt: skip
        assert name in text, name
    assert "# TYPE http_requests_total counter" in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert "# TYPE sql_statements_per_request histogram" in text


async def test_the_counts_move_with_the_requests(settings):
    async with serving(settings) as (client, sql):
        _text, before = await metrics_page(client)
        sql.statements.clear()
        for _ in range(3):
            ok = await client.post("/graphql", json={"query": NAMED})
            assert ok.status_code == 200
        statements = sql.count
        await client.post("/graphql", json={"query": DEEP})
        await client.get("/healthz")
        _text, after = await metrics_page(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    graphql = {"path": "/graphql"}
    assert moved("http_requests_total", method="POST", status="200", **graphql) == 4
    assert moved("http_requests_total", method="GET", path="/healthz", status="200") == 1
    assert moved("http_request_duration_seconds_count", **graphql) == 4
    assert moved("http_request_duration_seconds_bucket", le="+Inf", **graphql) == 4
    assert moved("http_request_duration_seconds_sum", **graphql) > 0
    assert moved("sql_statements_per_request_count", **graphql) == 4
    assert moved("sql_statements_per_request_sum", **graphql) == statements > 0
    assert moved("sql_statements_per_request_bucket", le="0.0", **graphql) == 1  # the refusal
    assert moved("graphql_errors_total", code="QUERY_TOO_DEEP") == 1
    assert moved("graphql_executions_total", path="compiled") == 3  # the refusal never ran
    assert moved("graphql_executions_total", path="resolvers") == 0


async def test_the_line_says_which_path_answered(settings, access_log):
    """A query over the data runs compiled; introspection, and an argument the API refuses,
    run through the resolvers; a document refused before execution ran on neither."""
    async with serving(settings) as (client, sql):
        counts = []
        for query in (
            NAMED,
            "{ __schema { queryType { name } } }",
            "{ organizations(first: -1) { totalCount } }",
            DEEP,
        ):
            sql.statements.clear()
            await client.post("/graphql", json={"query": query})
            counts.append(sql.count)
        _text, page = await metrics_page(client)
    lines = access_lines(access_log)[:4]
    assert [line["execution"] for line in lines] == ["compiled", "resolvers", "resolvers", None]
    assert counts == [1, 0, 0, 0]
    assert lines[2]["errors"] == ["BAD_USER_INPUT"]
    assert value(page, "graphql_executions_total", path="compiled") == 1
    assert value(page, "graphql_executions_total", path="resolvers") == 2


async def test_unknown_paths_share_one_label(settings):
    async with serving(settings) as (client, _sql):
        for suffix in ("a", "b", "c"):
            assert (await client.get(f"/probe-{suffix}")).status_code == 404
        text, page = await metrics_page(client)
    assert "probe-" not in text, "a label value per path would let clients grow the registry"
    assert value(page, "http_requests_total", method="GET", path="other", status="404") == 3


async def _served_process_figures(base: str, client: httpx.AsyncClient) -> dict[str, float]:
    """/metrics of a live server after 3 rounds of 20 requests at once, each round over
    as many pooled connections (and, on SQLite, their threads) as the requests overlap."""
    body = {"query": "{ organizations(first: 50) { nodes { name agreements { title } } } }"}
    for _ in range(3):
        answers = await asyncio.gather(
            *(client.post(f"{base}/graphql", json=body) for _ in range(20))
        )
        assert all(a.status_code == 200 and "errors" not in a.json() for a in answers)
    text = (await client.get(f"{base}/metrics")).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.slow  # real server processes
async def test_a_served_process_freezes_its_startup_objects_and_caps_malloc_arenas(
    database_url: str, tmp_path: Path
) -> None:
    """`serve` collects, then freezes, what is alive once it has started (service/runtime.py),
    so the collector's full passes no longer walk it: /metrics counts those objects, far
    more than the few hundred the interpreter may start with. And its threads share at most
    MALLOC_ARENA_MAX (2) malloc arenas, where glibc would give each pooled SQLite
    connection's thread one of its own, each keeping the peak of the answers built in it:
    on SQLite, the same requests with the cap off make more."""
    async with httpx.AsyncClient(timeout=30) as client:
        async with live_server(database_url, tmp_path / "capped") as server:
            capped = await _served_process_figures(server.base, client)
        assert capped["python_gc_frozen_objects"] > 50_000, capped["python_gc_frozen_objects"]
        assert 1 <= capped["process_malloc_arenas"] <= 2, capped["process_malloc_arenas"]
        if not database_url.startswith("sqlite"):
            return  # asyncpg runs no thread of its own: nothing to compare
        async with live_server(database_url, tmp_path / "uncapped", MALLOC_ARENA_MAX="0") as server:
            uncapped = await _served_process_figures(server.base, client)
        assert uncapped["process_malloc_arenas"] > 2, uncapped["process_malloc_arenas"]
