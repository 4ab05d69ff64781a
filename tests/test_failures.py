"""Failures that say what they are, through the public surface, on both engines.

An unavailable database is the answer at once (503 SERVICE_UNAVAILABLE), not a reason to
try again on the resolver path. A compiled statement that fails otherwise is logged, counted
in /metrics, and answered by the resolvers. A statement past the request's time budget is
stopped in the database, not left running after its 503. And one fault reads the same on
both engines.
"""

import gc
import logging
import time
import warnings
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from service.config import Settings
from tests.conftest import ENGINE, RECORDER, serving
from tests.test_observability import Page, metrics_page, value
from tests.utils.live import wait_until

# Without initiative_organization, the compiled statement fails on both engines, and so
# does the resolvers' read of `initiatives`.
INITIATIVES = {
    "query": 'query Initiatives { organization(slug: "isct") { name initiatives { name } } }'
}

# Organizations, their partners' partners and the people seated at them, eleven levels
# deep over 10,000 organizations: one statement that runs for many seconds on either
# engine, far past a half-second budget.
HEAVY_QUERY = """query Heavy { organizations(first: 100) { nodes { slug agreements { kind
  parties { slug agreements { parties { slug representatives { person { name
    representations { organization { slug name agreements { title parties { slug
      agreements { title parties { slug name } } } } } } } } } } } } } } }"""
BUDGET_S = 0.5


async def active_statements(database_url: str) -> list[str]:
    """The statements PostgreSQL is running for the service right now."""
    admin = create_async_engine(database_url)
    try:
        async with admin.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT query FROM pg_stat_activity WHERE state = 'active' "
                    "AND application_name = 'isct-partner-graph'"
                )
            )
            return list(rows.scalars())
    finally:
        await admin.dispose()


async def without_a_table(
    database_url: str, request_id: str, *, prepared: bool = False
) -> tuple[httpx.Response, Page]:
    """INITIATIVES sent to an app whose database lost a table under it (a failed migration,
    an operator's mistake), and the app's metrics after it. `prepared`: the app answered it
    once before the table went, so it has its statement kept (the prepared POST lane)."""
    settings = Settings(database_url=database_url, response_cache_bytes=0)
    async with serving(settings) as (client, _sql):
        if prepared:
            assert "errors" not in (await client.post("/graphql", json=INITIATIVES)).json()
        admin = create_async_engine(database_url)
        try:
            async with admin.begin() as conn:
                await conn.execute(sa.text("DROP TABLE initiative_organization"))
        finally:
            await admin.dispose()
        response = await client.post(
            "/graphql", json=INITIATIVES, headers={"x-request-id": request_id}
        )
        _text, page = await metrics_page(client)
    return response, page


@pytest.mark.parametrize("prepared", [False, True], ids=["new", "prepared"])
async def test_a_failed_statement_is_logged_counted_and_answered_by_the_resolvers(
    database_url, caplog, prepared
):
    """Once, whichever way the request came: a statement kept from an earlier request fails
    on the prepared lane and hands its outcome on, rather than running a second time."""
    caplog.set_level(logging.WARNING, logger="service.compiled")
    response, page = await without_a_table(database_url, "dropped-1", prepared=prepared)

    assert response.json()["errors"]  # as the resolvers report it (the next test)
    assert value(page, "graphql_executions_total", path="resolvers") == 1
    assert value(page, "compiled_fallback_total", reason="statement_error") == 1
    warnings = [r for r in caplog.records if r.name == "service.compiled"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "operation=Initiatives" in warnings[0].getMessage()
    assert "request_id=dropped-1" in warnings[0].getMessage()
    assert warnings[0].exc_info is not None  # the database's own words, for us


async def test_a_missing_table_is_internal_with_a_request_id_on_both_engines(database_url):
    response, _page = await without_a_table(database_url, "dropped-2")

    # a server fault, not the database being away: a retry would not help, so no 503
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["INTERNAL"]
    assert errors[0]["extensions"]["requestId"] == "dropped-2"
    assert errors[0]["path"] == ["organization", "initiatives"]
    assert "initiative_organization" not in response.text


ABANDONED = "ignore:coroutine .* was never awaited:RuntimeWarning"


@pytest.fixture
def _abandoned_coroutines_collected() -> Iterator[None]:
    """A request stopped at its time budget abandons the resolver coroutines it had not
    started yet, in reference cycles. Collected here, right after the test that abandons
    them, they cannot warn inside whichever later test the collector happens to run in."""
    yield
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        gc.collect()


@pytest.mark.dataset("synthetic:10000")
@pytest.mark.filterwarnings(ABANDONED)  # on purpose: the request is stopped mid-execution
@pytest.mark.usefixtures("_abandoned_coroutines_collected")
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
async def test_a_statement_past_its_time_budget_is_stopped_in_the_database(database_url, compiled):
    settings = Settings(
        database_url=database_url,
        compiled_queries=compiled,
        request_timeout_s=BUDGET_S,
        max_cost=10**9,
        max_depth=40,
        pool_size=1,  # one connection: the next request needs the one the statement had
        pool_max_overflow=0,
        pool_timeout_s=2,
    )
    async with serving(settings) as (client, _sql):
        # On the compiled path twice: the second time the statement is a kept one and the
        # request takes the prepared POST lane, which keeps the same budget.
        for _ in range(2 if compiled else 1):
            started = time.monotonic()
            with RECORDER.paused():  # the replay runs without this budget
                response = await client.post("/graphql", json={"query": HEAVY_QUERY})
            took = time.monotonic() - started

            assert response.status_code == 503, response.text
            assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["TIMEOUT"]
            assert took < BUDGET_S + 2, f"the 503 came {took:.1f} s after a {BUDGET_S} s budget"

        # The statement no longer holds the only connection: the next request gets it
        # within the pool timeout, far sooner than the statement would have taken.
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        if ENGINE == "postgresql":

            async def nothing_running() -> bool:
                return await active_statements(database_url) == []

            await wait_until(
                nothing_running, within_s=5, what="PostgreSQL running nothing for the service"
            )
