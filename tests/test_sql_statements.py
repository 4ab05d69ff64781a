"""A nested query costs a bounded number of SQL statements, whatever the directory's size."""

import pytest

from service.config import Settings
from tests.conftest import serving
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY

# Compiled: one statement builds the whole answer. Through the resolvers: the page, its
# COUNT, then one statement per relation and nesting level. The curated dataset alone has 24
# partners and 30 agreements: one statement per parent row would blow far past either.
MOST_STATEMENTS = {True: 1, False: 12}


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(FRONTEND_QUERY, {}, id="frontend"),
        pytest.param(DEPTH_6_QUERY, {"first": 100}, id="depth-6"),
    ],
)
async def test_statement_count_is_bounded_and_independent_of_size(
    databases, query, variables, compiled
):
    counts = {}
    for name in ("curated", "synthetic:400"):  # 35 organizations, then more than ten times that
        url = await databases.fresh(name)
        settings = Settings(database_url=url, compiled_queries=compiled)
        async with serving(settings) as (client, sql):
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            assert "errors" not in body, body["errors"]
            assert body["data"]["organizations"]["nodes"], "an empty answer proves nothing"
            counts[name] = sql.count
            assert sql.count <= MOST_STATEMENTS[compiled], sql.statements
    assert counts["curated"] == counts["synthetic:400"], counts
