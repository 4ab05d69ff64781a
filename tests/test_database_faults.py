"""A busy or broken database gives clean, quick errors, and the service recovers by itself."""

import asyncio
import time

import pytest
import sqlalchemy as sa

from service.config import Settings
from tests.conftest import ENGINE, serving
from tests.postgres import terminate_backends
from tests.test_observability import metrics_page, value

QUERY = {"query": "{ organizations(first: 3) { nodes { slug agreements { title } } } }"}


async def test_pool_exhaustion_is_a_quick_503_answered_once_not_a_hang(database_url):
    """An unavailable database is the answer at once: the compiled path's 503, with no
    second attempt queued on the resolver path."""
    settings = Settings(
        database_url=database_url, pool_size=1, pool_max_overflow=0, pool_timeout_s=0.5
    )
    async with serving(settings) as (client, _sql):
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        async with engine.connect() as held:  # the only connection, taken
            await held.execute(sa.text("SELECT 1"))
            started = time.monotonic()
            response = await asyncio.wait_for(client.post("/graphql", json=QUERY), timeout=10)
            elapsed = time.monotonic() - started
        assert response.status_code == 503
        body = response.json()
        assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
        assert "retry" in body["errors"][0]["message"]
        assert elapsed < 3, f"took {elapsed:.1f} s; the pool timeout is 0.5 s"
        _text, page = await metrics_page(client)
        assert value(page, "graphql_executions_total", path="compiled") == 1
        assert value(page, "graphql_executions_total", path="resolvers") == 0
        assert value(page, "compiled_fallback_total", reason="statement_error") == 0

        # with the connection back in the pool the next request is served
        recovered = await client.post("/graphql", json=QUERY)
        assert recovered.status_code == 200
        assert "errors" not in recovered.json()


@pytest.mark.skipif(ENGINE != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
async def test_a_dropped_connection_is_replaced(database_url):
    async with serving(Settings(database_url=database_url)) as (client, _sql):
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        killed = await terminate_backends(database_url)
        assert killed >= 1, "the app's pooled connections should have been there to kill"
        # pre-ping notices the dead connections and replaces them: no request fails
        for _ in range(3):
            response = await client.post("/graphql", json=QUERY)
            assert response.status_code == 200, response.text
            assert "errors" not in response.json()
