"""Client mistakes get readable errors with a stable code; nothing leaks the server's insides.

Every response in this module goes through `post`, which also checks that no error response
carries a Python traceback or the name of the database libraries; client errors must not be
masked as "Internal server error" either.
"""

import json
from typing import Any

from tests.conftest import without_cost
from tests.utils import bad_user_input, global_id

MASKED = "Internal server error"
LEAKS = ("Traceback", 'File "', "sqlalchemy", "sqlite", "aiosqlite", ".py")


def cursor(values: list[Any]) -> str:
    return global_id(json.dumps(values, separators=(",", ":")))


async def post(client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = without_cost(response.json())
    if body.get("errors"):
        lowered = response.text.lower()
        for leak in LEAKS:
            assert leak.lower() not in lowered, (leak, response.text)
    return body


# --- IDs ---------------------------------------------------------------------------------

MALFORMED_IDS = [
    "!!!",
    "",
    "Zm9v",  # base64 of "foo": no type separator
    "éé",
    "节点",
    "Organization:fact",  # the raw text, not encoded
    global_id(":fact"),  # empty type
    global_id("Organization:"),  # empty slug
    "////",
    "=",
]


async def test_malformed_id_is_bad_user_input(client):
    for bad in MALFORMED_IDS:
        body = await post(client, "query($id: ID!) { node(id: $id) { id } }", {"id": bad})
        bad_user_input(body, path="node")
        assert body["data"] == {"node": None}, bad


async def test_malformed_id_nulls_only_its_own_field(client):
    body = await post(
        client,
        '{ ok: organization(slug: "fact") { slug } bad: node(id: "!!!") { id } }',
    )
    bad_user_input(body, path="bad")
    assert body["data"] == {"ok": {"slug": "fact"}, "bad": None}


async def test_malformed_id_in_nodes_is_bad_user_input(client):
    fact = global_id("Organization:fact")
    for bad in ("!!!", "Zm9v", "éé"):
        body = await post(
            client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [fact, bad]}
        )
        bad_user_input(body, path="nodes")
        assert body["data"] == {"nodes": None}  # nullable: the error nulls `nodes` alone


async def test_more_than_100_ids_is_bad_user_input(client):
    fact = global_id("Organization:fact")
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    body = await post(client, query, {"ids": [fact] * 101})
    assert "100" in bad_user_input(body, path="nodes")
    body = await post(client, query, {"ids": [fact] * 100})
    assert body == {"data": {"nodes": [{"id": fact}] * 100}}


# --- cursors -----------------------------------------------------------------------------

ORGS = """query($after: String, $before: String, $order: OrganizationOrder) {
  organizations(after: $after, before: $before, orderBy: $order) { totalCount } }"""


MALFORMED_CURSORS = [
    "abc",
    "!!!",
    "",
    "éé",
    global_id("hello"),
    global_id("[]"),
    global_id('{"a":1}'),
    global_id("null"),
    cursor(["organizations:name:ASC"]),  # no values
    cursor(["organizations:name:ASC", "x"]),  # too few values
    cursor(["organizations:name:ASC", "x", "y", "z"]),  # too many
    cursor(["organizations:name:ASC", 1.5, "x"]),  # not a str or int
    cursor(["organizations:name:ASC", None, "x"]),
    cursor(["organizations:name:ASC", True, "x"]),
    cursor(["organizations:name:ASC", ["x"], "x"]),
    cursor(["people:name", "x", "y"]),
    cursor(["organizations:founded_year:ASC", 1996, "x", "y"]),
    global_id(json.dumps(["organizations:name:ASC", "x", "y"]))[:-3],  # truncated
]


async def test_malformed_cursor_is_bad_user_input(client):
    for bad in MALFORMED_CURSORS:
        for argument in ("after", "before"):
            body = await post(client, ORGS, {argument: bad})
            bad_user_input(body, path="organizations")
            assert body["data"] == {"organizations": None}, (argument, bad)


async def test_cursor_with_an_out_of_range_integer_is_bad_user_input(client):
    """A forged cursor must not reach the database as an integer SQLite cannot hold."""
    forged = cursor(["organizations:name:ASC", 10**30, "fact"])
    body = await post(client, ORGS, {"after": forged})
    bad_user_input(body, path="organizations")


async def test_cursor_with_values_of_the_wrong_type_is_bad_user_input(client):
    """A FOUNDED_YEAR cursor whose year is a string is not a cursor of that ordering."""
    forged = cursor(["organizations:founded_year:ASC", "1996", "x", "y"])
    body = await post(client, ORGS, {"after": forged, "order": {"field": "FOUNDED_YEAR"}})
    bad_user_input(body, path="organizations")


async def test_cursor_from_another_ordering_is_bad_user_input(client):
    body = await post(client, "{ organizations(first: 2) { pageInfo { endCursor } } }")
    name_cursor = body["data"]["organizations"]["pageInfo"]["endCursor"]
    # ...is fine with its own ordering
    same = await post(client, ORGS, {"after": name_cursor, "order": {"field": "NAME"}})
    assert same["data"]["organizations"]["totalCount"] > 0
    for order in (
        {"field": "FOUNDED_YEAR", "direction": "ASC"},
        {"field": "FOUNDED_YEAR", "direction": "DESC"},
        {"field": "NAME", "direction": "DESC"},
    ):
        for argument in ("after", "before"):
            body = await post(client, ORGS, {argument: name_cursor, "order": order})
            bad_user_input(body, path="organizations")


async def test_cursor_from_another_connection_is_bad_user_input(client):
    body = await post(
        client,
        """{ people(first: 1) { pageInfo { endCursor } }
             agreements(first: 1) { pageInfo { endCursor } }
             organizations(first: 1) { pageInfo { endCursor } } }""",
    )
    cursors = {root: conn["pageInfo"]["endCursor"] for root, conn in body["data"].items()}
    for root, foreign in (
        ("organizations", cursors["people"]),
        ("organizations", cursors["agreements"]),
        ("people", cursors["organizations"]),
        ("people", cursors["agreements"]),
        ("agreements", cursors["people"]),
        ("agreements", cursors["organizations"]),
    ):
        query = f"query($c: String) {{ {root}(after: $c) {{ totalCount }} }}"
        bad_user_input(await post(client, query, {"c": foreign}), path=root)


# --- unknown slugs -----------------------------------------------------------------------


async def test_unknown_slugs_are_null_without_errors(client):
    body = await post(
        client,
        """{ organization(slug: "no-such-org") { id }
             person(slug: "no-such-person") { id }
             empty: organization(slug: "") { id }
             upper: organization(slug: "FACT") { id } }""",
    )
    assert body == {"data": {"organization": None, "person": None, "empty": None, "upper": None}}


# --- documents the schema rejects ------------------------------------------------------


INVALID_DOCUMENTS = [
    "{ organizationz { id } }",
    '{ organization(slug: "fact") { nickname } }',
    "{ organization(slug: 1) { id } }",
    '{ organization(slug: "fact", id: 3) { id } }',
    "{ organization { id } }",
    '{ organizations(first: "ten") { totalCount } }',
    "{ organizations(first: 9999999999) { totalCount } }",
    "{ organizations(filter: {category: FRIEND}) { totalCount } }",
    '{ organizations(filter: {category: "PARTNER"}) { totalCount } }',
    "{ organizations(orderBy: {field: SIZE}) { totalCount } }",
    "{ organizations(filter: {nope: 1}) { totalCount } }",
    "{ agreements(filter: {kind: FRIENDSHIP}) { totalCount } }",
    "{ people(around: 3) { totalCount } }",
    '{ search(query: "fact") { name } }',
    "{ organizations {",
    "mutation { seed }",
]


async def test_invalid_documents_are_validation_errors(client):
    for query in INVALID_DOCUMENTS:
        body = await post(client, query)
        errors = body.get("errors") or []
        assert errors, query
        assert body.get("data") is None, query
        assert MASKED not in [e["message"] for e in errors], query


INVALID_VARIABLES = {
    "int given a string": (
        "query($n: Int) { organizations(first: $n) { totalCount } }",
        {"n": "ten"},
    ),
    "int out of range": (
        "query($n: Int) { organizations(first: $n) { totalCount } }",
        {"n": 2**40},
    ),
    "required missing": ("query($s: String!) { organization(slug: $s) { id } }", {}),
    "required null": ("query($s: String!) { organization(slug: $s) { id } }", {"s": None}),
    "string given an int": ("query($s: String!) { organization(slug: $s) { id } }", {"s": 5}),
    "unknown enum value": (
        "query($c: PartnerCategory) { organizations(filter: {category: $c}) { totalCount } }",
        {"c": "FRIEND"},
    ),
    "unknown input field": (
        "query($f: OrganizationFilter) { organizations(filter: $f) { totalCount } }",
        {"f": {"nope": 1}},
    ),
    "null in a non-null list": (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [None]},
    ),
}


async def test_invalid_variables_are_readable_errors(client):
    """Wrong variable values are the client's mistake: say what is wrong, do not mask it
    as "Internal server error" (the same mistakes written inline are reported readably)."""
    unreadable = {}
    for case, (query, variables) in INVALID_VARIABLES.items():
        body = await post(client, query, variables)
        errors = body.get("errors") or []
        assert errors, case
        assert body.get("data") is None, case
        message = errors[0]["message"]
        if message == MASKED or not ("$" in message or "variable" in message.lower()):
            unreadable[case] = message
    assert unreadable == {}


# --- sizes -------------------------------------------------------------------------------


async def test_search_first_out_of_bounds_is_an_error(client):
    query = 'query($n: Int) { search(query: "fact", first: $n) { __typename } }'
    for size in (101, -1):
        body = await post(client, query, {"n": size})
        assert "100" in bad_user_input(body, path="search")
        assert body["data"] == {"search": None}
    body = await post(client, query, {"n": 100})
    assert body["data"]["search"]


async def test_yearfrom_after_yearto_is_bad_user_input(client):
    body = await post(
        client, "{ agreements(filter: {yearFrom: 2020, yearTo: 2010}) { totalCount } }"
    )
    message = bad_user_input(body, path="agreements")
    assert "yearFrom" in message
    assert "yearTo" in message


async def test_bad_requests_over_http_are_not_server_errors(client):
    for kwargs in (
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"json": {}},
        {"json": {"query": None}},
    ):
        response = await client.post("/graphql", **kwargs)
        assert 400 <= response.status_code < 500, (kwargs, response.status_code)
        for leak in LEAKS:
            assert leak.lower() not in response.text.lower(), (leak, response.text)
