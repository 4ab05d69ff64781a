"""The same query over the same data answers the same bytes from SQLite and PostgreSQL: each
engine builds the compiled answer's JSON itself (service/graphql/compiler/dialects.py), and
a client, a cache or a diff between two deployments must not see which one it asked.

Run under TEST_ENGINE=postgresql, where both engines are at hand: a SQLite copy of the same
dataset is loaded beside the session's PostgreSQL database."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from tests.conftest import ENGINE, Databases, _load_into, serving
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY
from tests.utils.statement_log import COMPILED_STATEMENT

pytestmark = pytest.mark.skipif(
    ENGINE != "postgresql", reason="compares with PostgreSQL: TEST_ENGINE=postgresql"
)

QUERIES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "frontend": (FRONTEND_QUERY, None),
    "depth6": (DEPTH_6_QUERY, {"first": 100}),
    "people with credentials and their seats": (
        "{ people(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor "
        "node { id name credentials source { quote } representations { role designation "
        "organization { slug parent { slug } } } } } } }",
        None,
    ),
    "search": (
        '{ search(query: "cell therapy", first: 20) { __typename ... on Organization '
        "{ slug regions } ... on Agreement { title year } } }",
        None,
    ),
    "nodes": (
        '{ nodes(ids: ["T3JnYW5pemF0aW9uOmZhY3Q", "T3JnYW5pemF0aW9uOm5vLXN1Y2g"]) '
        "{ id ... on Organization { name editorialNote { note } } } }",
        None,
    ),
}


@pytest.fixture(params=["curated", "synthetic:300"])
async def both(
    request: pytest.FixtureRequest, databases: Databases, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    """Apps on a PostgreSQL and a SQLite database holding the same dataset."""
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'same.sqlite3'}"
    await _load_into(sqlite_url, request.param)
    postgresql_url = await databases.fresh(request.param)
    async with (
        serving(Settings(database_url=postgresql_url, response_cache_bytes=0)) as postgresql,
        serving(Settings(database_url=sqlite_url, response_cache_bytes=0)) as sqlite,
    ):
        yield {"postgresql": postgresql, "sqlite": sqlite}


@pytest.mark.parametrize("name", list(QUERIES))
async def test_both_engines_answer_the_same_bytes(both: dict[str, Any], name: str) -> None:
    query, variables = QUERIES[name]
    bodies = {}
    for engine, (client, counter) in both.items():
        counter.statements.clear()
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        compiled = [s for s in counter.statements if COMPILED_STATEMENT.search(s)]
        assert len(compiled) == 1, f"{engine} did not answer with its one compiled statement"
        bodies[engine] = response.content
    assert bodies["postgresql"] == bodies["sqlite"]
