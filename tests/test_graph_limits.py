"""The graph questions' limits and refusals: what a client can get wrong gets a clear
BAD_USER_INPUT error naming the argument, and what could explode is refused by the cost
model before any SQL runs (docs/graph.md, "Limits")."""

from typing import Any

import httpx
import pytest

from service.data.graph import MAX_HOPS

PATH = (
    'query Q($hops: Int!, $first: Int!) { path(from: "ebmt", to: "fact", maxHops: $hops, '
    "first: $first) { length organizations { slug } } }"
)


async def _post(client: httpx.AsyncClient, query: str, variables: Any = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    return body


async def test_a_path_questions_cost_grows_with_its_hops(client):
    """Each path may hold maxHops + 1 organizations: the requested cost says so."""
    costs = {}
    for hops in (1, 4, MAX_HOPS):
        body = await _post(client, PATH, {"hops": hops, "first": 10})
        assert "errors" not in body, body
        costs[hops] = body["extensions"]["cost"]["requested"]
    assert costs[1] < costs[4] < costs[MAX_HOPS], costs


async def test_many_large_path_questions_are_refused_before_any_sql(client, sql_statements):
    questions = " ".join(
        f'p{n}: path(from: "ebmt", to: "fact", maxHops: {MAX_HOPS}, first: 100) '
        "{ organizations { slug agreements { title } } ties { kind } }"
        for n in range(20)
    )
    body = await _post(client, f"query Many {{ {questions} }}")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", body
    assert sql_statements.count == 0, sql_statements.statements


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ path(from: "ebmt", to: "fact", maxHops: 7) { length } }', "maxHops"),
        ('{ path(from: "ebmt", to: "fact", maxHops: -1) { length } }', "maxHops"),
        ('{ path(from: "ebmt", to: "fact", first: 101) { length } }', "first"),
        ('{ path(from: "ebmt", to: "fact", via: []) { length } }', "via"),
        ('{ path(from: "ebmt", to: "fact", agreementKinds: []) { length } }', "agreementKinds"),
        ('{ path(from: "no-such-body", to: "fact") { length } }', "from"),
        ('{ path(from: "ebmt", to: "no-such-body") { length } }', "to"),
        ('{ path(from: "eb\\u0000mt", to: "fact") { length } }', "from"),
        ('{ neighborhood(of: "isct", hops: 7) { totalCount } }', "hops"),
        ('{ neighborhood(of: "isct", first: -1) { totalCount } }', "first"),
        ('{ neighborhood(of: "no-such-body") { totalCount } }', "of"),
        ('{ neighborhood(of: "isct", after: "not-a-cursor") { totalCount } }', "after"),
        ('{ neighborhood(of: "isct", via: []) { totalCount } }', "via"),
    ],
)
async def test_a_bad_argument_is_the_clients_error_naming_it(client, query, argument):
    body = await _post(client, query)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == argument, error
    assert body["data"] is None  # the fields are non-null, as the contract fixes them


async def test_a_cursor_of_another_connection_is_refused(client):
    """An organizations cursor is not a neighbourhood cursor, even though both are opaque."""
    page = await _post(client, "{ organizations(first: 1) { pageInfo { endCursor } } }")
    cursor = page["data"]["organizations"]["pageInfo"]["endCursor"]
    body = await _post(
        client,
        'query Q($after: String) { neighborhood(of: "isct", after: $after) { totalCount } }',
        {"after": cursor},
    )
    assert body["errors"][0]["extensions"]["argument"] == "after", body


async def test_graph_questions_are_reads_a_get_may_ask(client):
    """Like every other read: GET works, so answers are cacheable by URL."""
    response = await client.get(
        "/graphql",
        params={"query": '{ path(from: "ebmt", to: "fact") { length } }'},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["path"][0]["length"] == 2


async def test_zero_hops_and_the_same_body(client):
    """maxHops 0 between two bodies is an empty list, not an error; from == to is the one
    path of length 0; hops 0 is an empty neighbourhood (a body is never its own neighbour)."""
    body = await _post(
        client,
        '{ none: path(from: "ebmt", to: "fact", maxHops: 0) { length } '
        'itself: path(from: "fact", to: "fact", maxHops: 0) { length organizations { slug } '
        'ties { kind } } alone: neighborhood(of: "fact", hops: 0) { totalCount nodes { '
        "distance } pageInfo { hasNextPage } } }",
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["none"] == []
    assert data["itself"] == [{"length": 0, "organizations": [{"slug": "fact"}], "ties": []}]
    assert data["alone"] == {"totalCount": 0, "nodes": [], "pageInfo": {"hasNextPage": False}}
