"""A nested query costs a bounded number of SQL statements, whatever the directory's size;
a compiled read costs the database exactly one, and a revalidation none."""

import pytest

from service.config import Settings
from tests.conftest import serving
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY
from tests.utils.statement_log import statement_log

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


# --- as the database itself sees it --------------------------------------------------------

USP = '{ organization(slug: "usp") { name description } }'


async def _answered(client, method: str, headers: dict[str, str] | None = None):
    if method == "GET":
        return await client.get("/graphql", params={"query": USP}, headers=headers or {})
    return await client.post("/graphql", json={"query": USP}, headers=headers or {})


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_compiled_read_is_one_statement_in_the_databases_own_log(database_url, method):
    """What the database receives for one request, counted on its side (SQLite's trace
    callback, PostgreSQL's statement log): the answer's statement and nothing else, no
    pool check, no BEGIN/ROLLBACK around it, no revision lookup for the ETag. (The response
    cache is off: it would answer the repeats with none, tests/test_response_cache.py.)"""
    async with (
        statement_log(database_url) as log,
        serving(Settings(database_url=database_url, response_cache_bytes=0)) as (
            client,
            _sql,
        ),
    ):
        for _ in range(2):  # a pooled connection, opened and introspected by the driver
            assert (await _answered(client, method)).status_code == 200
        log.mark()
        response = await _answered(client, method)
        assert response.status_code == 200
        assert response.json()["data"]["organization"]["name"]
        statements = log.since()
        assert len(statements) == 1, statements
        assert "organization" in statements[0], statements


async def test_a_revalidated_get_costs_no_statement(database_url):
    """A 304 comes from the revision the process holds: the database sees nothing."""
    async with (
        statement_log(database_url) as log,
        serving(Settings(database_url=database_url)) as (
            client,
            _sql,
        ),
    ):
        first = await _answered(client, "GET")
        log.mark()
        again = await _answered(client, "GET", {"if-none-match": first.headers["etag"]})
        assert again.status_code == 304
        assert log.since() == []


# --- graph questions ------------------------------------------------------------------------

GRAPH_QUESTIONS = {
    "path": "query Q($from: String!, $to: String!) { path(from: $from, to: $to, maxHops: 4) { "
    "length organizations { slug name } ties { kind from { slug } to { slug } } } }",
    "neighborhood": "query Q($from: String!) { neighborhood(of: $from, hops: 2, first: 20) { "
    "totalCount pageInfo { hasNextPage endCursor } edges { cursor node { distance "
    "organization { slug } via { kind from { slug } to { slug } } } } } }",
}


@pytest.mark.parametrize("question", sorted(GRAPH_QUESTIONS))
async def test_a_graph_question_is_one_statement_whatever_the_size(databases, question):
    """No per-hop round trips: the organizations and ties come from the question's own
    statement, on a small directory and on one ten times larger."""
    ends = {"curated": ("ebmt", "fact"), "synthetic:400": ("org-0", "org-7")}
    for name, (source, target) in ends.items():
        url = await databases.fresh(name)
        async with serving(Settings(database_url=url)) as (client, sql):
            response = await client.post(
                "/graphql",
                json={
                    "query": GRAPH_QUESTIONS[question],
                    "variables": {"from": source, "to": target},
                },
            )
            body = response.json()
            assert "errors" not in body, body["errors"]
            answer = body["data"][question]
            assert answer if question == "path" else answer["edges"], "nothing answered"
            assert sql.count == 1, sql.statements
