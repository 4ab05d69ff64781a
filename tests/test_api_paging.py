"""Cursor paging over a synthetic directory of 250 organizations (300 people, 375 agreements)."""

from typing import Any

import pytest

from tests.utils import bad_user_input, ok

pytestmark = pytest.mark.dataset("synthetic:250")

ORGS = 250
PAGE = """
  totalCount
  edges { cursor node { id slug name foundedYear category } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
"""
ORGANIZATIONS = (
    """query($first: Int, $after: String, $last: Int, $before: String,
          $order: OrganizationOrder, $filter: OrganizationFilter) {
      organizations(first: $first, after: $after, last: $last, before: $before,
                    orderBy: $order, filter: $filter) {"""
    + PAGE
    + "} }"
)
ORDERS = [
    {"field": "NAME", "direction": "ASC"},
    {"field": "NAME", "direction": "DESC"},
    {"field": "FOUNDED_YEAR", "direction": "ASC"},
    {"field": "FOUNDED_YEAR", "direction": "DESC"},
]


def check_page_info(conn: dict[str, Any]) -> None:
    edges, info = conn["edges"], conn["pageInfo"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)


# (size argument, cursor argument, "more" flag, cursor to follow) for each direction
FORWARD = ("first", "after", "hasNextPage", "endCursor")
BACKWARD = ("last", "before", "hasPreviousPage", "startCursor")


async def paged(gql, query: str, root: str, direction, size: int, **variables: Any):
    """Every page of `root` in the direction (FORWARD: first to last; BACKWARD: last to
    first), each found by the cursor the page before gave."""
    size_arg, cursor_arg, more, follow = direction
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = await gql(query, {size_arg: size, cursor_arg: cursor, **variables})
        conn = ok(body)[root]
        check_page_info(conn)
        pages.append(conn)
        if not conn["pageInfo"][more]:
            return pages
        assert len(conn["edges"]) == size
        cursor = conn["pageInfo"][follow]
        assert len(pages) <= 1000, "paging does not end"


async def organizations_forward(gql, size: int, **variables: Any) -> list[dict[str, Any]]:
    return await paged(gql, ORGANIZATIONS, "organizations", FORWARD, size, **variables)


async def organizations_backward(gql, size: int, **variables: Any) -> list[dict[str, Any]]:
    return await paged(gql, ORGANIZATIONS, "organizations", BACKWARD, size, **variables)


def nodes_of(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [edge["node"] for page in pages for edge in page["edges"]]


def check_order(nodes: list[dict[str, Any]], order: dict[str, str]) -> None:
    descending = order["direction"] == "DESC"
    if order["field"] == "NAME":
        names = [n["name"] for n in nodes]
        assert names == sorted(names, reverse=descending)
        return
    years = [n["foundedYear"] for n in nodes]
    dated = [y for y in years if y is not None]
    assert dated, "the synthetic directory has dated organizations"
    assert len(dated) < len(years), "the synthetic directory has undated organizations"
    # undated organizations come last, whichever the direction
    assert years == dated + [None] * (len(years) - len(dated))
    assert dated == sorted(dated, reverse=descending)


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"{o['field']}-{o['direction']}")
async def test_page_through_every_organization_both_ways(gql, order):
    forward = await organizations_forward(gql, 7, order=order)
    backward = await organizations_backward(gql, 7, order=order)

    for pages in (forward, backward):
        assert {p["totalCount"] for p in pages} == {ORGS}
    # forward: the ends
    assert forward[0]["pageInfo"]["hasPreviousPage"] is False
    assert all(p["pageInfo"]["hasNextPage"] for p in forward[:-1])
    assert forward[-1]["pageInfo"]["hasNextPage"] is False
    assert len(forward) == -(-ORGS // 7)
    assert len(forward[-1]["edges"]) == ORGS % 7
    # backward: the ends (pages were collected last page first)
    assert backward[0]["pageInfo"]["hasNextPage"] is False
    assert all(p["pageInfo"]["hasPreviousPage"] for p in backward[:-1])
    assert backward[-1]["pageInfo"]["hasPreviousPage"] is False
    assert len(backward) == len(forward)

    ahead = nodes_of(forward)
    behind = nodes_of(list(reversed(backward)))
    slugs = [n["slug"] for n in ahead]
    assert len(slugs) == len(set(slugs)) == ORGS  # no duplicate, no gap
    assert {f"org-{i}" for i in range(ORGS)} == set(slugs)
    check_order(ahead, order)
    assert [n["slug"] for n in behind] == slugs  # both ways give the same sequence


async def test_full_last_page_has_no_next_page(gql):
    pages = await organizations_forward(gql, 10)
    assert len(pages) == ORGS // 10
    assert [len(p["edges"]) for p in pages] == [10] * (ORGS // 10)
    assert pages[-1]["pageInfo"]["hasNextPage"] is False
    backward = await organizations_backward(gql, 50)
    assert [len(p["edges"]) for p in backward] == [50] * 5
    assert backward[-1]["pageInfo"]["hasPreviousPage"] is False


async def test_paging_past_either_end_is_empty(gql):
    last_page = ok(await gql(ORGANIZATIONS, {"last": 3}))["organizations"]
    first_page = ok(await gql(ORGANIZATIONS, {"first": 3}))["organizations"]
    after_end = ok(
        await gql(ORGANIZATIONS, {"first": 3, "after": last_page["pageInfo"]["endCursor"]})
    )["organizations"]
    assert after_end["edges"] == []
    assert after_end["pageInfo"]["hasNextPage"] is False
    assert after_end["totalCount"] == ORGS
    before_start = ok(
        await gql(ORGANIZATIONS, {"last": 3, "before": first_page["pageInfo"]["startCursor"]})
    )["organizations"]
    assert before_start["edges"] == []
    assert before_start["pageInfo"]["hasPreviousPage"] is False


async def test_after_and_before_are_exclusive(gql):
    first_page = ok(await gql(ORGANIZATIONS, {"first": 10}))["organizations"]
    slugs = [e["node"]["slug"] for e in first_page["edges"]]
    cursors = [e["cursor"] for e in first_page["edges"]]
    after = ok(await gql(ORGANIZATIONS, {"first": 3, "after": cursors[4]}))["organizations"]
    assert [e["node"]["slug"] for e in after["edges"]] == slugs[5:8]
    before = ok(await gql(ORGANIZATIONS, {"last": 3, "before": cursors[4]}))["organizations"]
    assert [e["node"]["slug"] for e in before["edges"]] == slugs[1:4]
    assert before["pageInfo"]["hasPreviousPage"] is True
    assert before["pageInfo"]["hasNextPage"] is True


async def test_first_zero_returns_no_edges(gql):
    conn = ok(await gql(ORGANIZATIONS, {"first": 0}))["organizations"]
    assert conn["edges"] == []
    assert conn["totalCount"] == ORGS
    assert conn["pageInfo"]["startCursor"] is None
    assert conn["pageInfo"]["endCursor"] is None


async def test_first_100_is_accepted(gql):
    conn = ok(await gql(ORGANIZATIONS, {"first": 100}))["organizations"]
    assert len(conn["edges"]) == 100
    assert conn["pageInfo"]["hasNextPage"] is True
    conn = ok(await gql(ORGANIZATIONS, {"last": 100}))["organizations"]
    assert len(conn["edges"]) == 100
    assert conn["pageInfo"]["hasPreviousPage"] is True


async def test_default_page_is_100(gql):
    body = await gql("{ organizations { edges { cursor } pageInfo { hasNextPage } } }")
    conn = ok(body)["organizations"]
    assert len(conn["edges"]) == 100
    assert conn["pageInfo"]["hasNextPage"] is True


async def test_page_size_out_of_bounds_is_bad_user_input(gql):
    for variables in ({"first": 101}, {"first": -1}, {"last": 101}, {"last": -1}, {"first": 1000}):
        body = await gql(ORGANIZATIONS, variables)
        message = bad_user_input(body, path="organizations")
        assert body["data"] == {"organizations": None}
        (argument,) = variables
        assert argument in message, message
        assert "100" in message, message  # names the bound


async def test_people_and_agreements_page_size_bound(gql):
    for root in ("people", "agreements"):
        for size in ("first", "last"):
            query = f"query($n: Int) {{ {root}({size}: $n) {{ totalCount }} }}"
            refused = await gql(query, {"n": 101})
            assert "100" in bad_user_input(refused, path=root), root
            assert refused["data"] == {root: None}
            body = await gql(query, {"n": 100})
            assert ok(body)[root]["totalCount"] > 100, root


async def test_mixing_directions_is_an_error(gql):
    first_page = ok(await gql(ORGANIZATIONS, {"first": 2}))["organizations"]
    cursor = first_page["pageInfo"]["endCursor"]
    for variables in (
        {"first": 2, "before": cursor},
        {"last": 2, "after": cursor},
        {"first": 2, "last": 2},
        {"after": cursor, "before": cursor},
    ):
        body = await gql(ORGANIZATIONS, variables)
        bad_user_input(body, path="organizations")
        assert body["data"] == {"organizations": None}


async def forward(gql, query: str, root: str, size: int, **variables: Any) -> list[dict]:
    """Every page first to last, each with the same totalCount."""
    pages = await paged(gql, query, root, FORWARD, size, **variables)
    assert pages[0]["pageInfo"]["hasPreviousPage"] is False
    assert len({p["totalCount"] for p in pages}) == 1
    return pages


PEOPLE = """query($first: Int, $after: String, $last: Int, $before: String,
      $filter: PersonFilter) {
  people(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount edges { cursor node { id slug name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
AGREEMENTS = """query($first: Int, $after: String, $last: Int, $before: String,
      $filter: AgreementFilter) {
  agreements(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount edges { cursor node { id title kind year } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


@pytest.mark.parametrize(
    ("query", "root", "key", "order", "total"),
    [
        pytest.param(PEOPLE, "people", "slug", "name", ORGS * 6 // 5, id="people"),
        pytest.param(AGREEMENTS, "agreements", "id", "title", ORGS * 3 // 2, id="agreements"),
    ],
)
async def test_a_connection_pages_forward_to_the_end(gql, query, root, key, order, total):
    pages = await forward(gql, query, root, 13)
    assert pages[0]["totalCount"] == total
    nodes = nodes_of(pages)
    assert len(nodes) == total
    assert len({node[key] for node in nodes}) == total
    values = [node[order] for node in nodes]
    assert values == sorted(values)


@pytest.mark.parametrize(("query", "root"), [(PEOPLE, "people"), (AGREEMENTS, "agreements")])
async def test_a_backward_walk_is_the_forward_walk_reversed(gql, query, root):
    """Every person and every agreement, last page first: the same items as the forward walk,
    in the same order once the pages are put back, with the ends flagged as forward's are."""
    ahead = await forward(gql, query, root, 13)
    behind = await paged(gql, query, root, BACKWARD, 13)
    assert {p["totalCount"] for p in behind} == {ahead[0]["totalCount"]}
    assert behind[0]["pageInfo"]["hasNextPage"] is False
    assert behind[-1]["pageInfo"]["hasPreviousPage"] is False
    assert len(behind) == len(ahead)
    ids = [node["id"] for node in nodes_of(ahead)]
    assert len(set(ids)) == ahead[0]["totalCount"]
    assert [node["id"] for node in nodes_of(list(reversed(behind)))] == ids
    # the reversed walk, item by item
    assert [e["node"]["id"] for p in behind for e in reversed(p["edges"])] == ids[::-1]


async def test_nodes_equals_edges_node(gql):
    fields = "edges { node { id slug name } } nodes { id slug name }"
    for root, args in (
        ("organizations", "first: 30, orderBy: {field: FOUNDED_YEAR, direction: DESC}"),
        ("organizations", "last: 30"),
        ("people", "first: 30"),
    ):
        body = await gql(f"{{ {root}({args}) {{ {fields} }} }}")
        conn = ok(body)[root]
        assert len(conn["nodes"]) == 30
        assert conn["nodes"] == [e["node"] for e in conn["edges"]]
    body = await gql("{ agreements(first: 30) { edges { node { id title } } nodes { id title } } }")
    conn = ok(body)["agreements"]
    assert len(conn["nodes"]) == 30
    assert conn["nodes"] == [e["node"] for e in conn["edges"]]


async def test_filters_with_paging_keep_total_count(gql):
    # all partners in one page, then the same set page by page
    everything = ok(await gql(ORGANIZATIONS, {"first": 100, "filter": {"category": "PARTNER"}}))
    expected = {e["node"]["slug"] for e in everything["organizations"]["edges"]}
    total = everything["organizations"]["totalCount"]
    assert 7 < total == len(expected) < 100
    pages = await organizations_forward(gql, 7, filter={"category": "PARTNER"})
    assert {p["totalCount"] for p in pages} == {total}
    nodes = nodes_of(pages)
    assert {n["category"] for n in nodes} == {"PARTNER"}
    assert len(nodes) == total
    assert {n["slug"] for n in nodes} == expected

    order = {"field": "FOUNDED_YEAR", "direction": "DESC"}
    filter_ = {"region": "europe"}
    backward = await organizations_backward(gql, 5, order=order, filter=filter_)
    totals = {p["totalCount"] for p in backward}
    assert len(totals) == 1
    nodes = nodes_of(list(reversed(backward)))
    assert len(nodes) == len({n["slug"] for n in nodes}) == totals.pop() > 5
    check_order(nodes, order)

    pages = await forward(
        gql, AGREEMENTS, "agreements", 5, filter={"kind": "COLLABORATION", "yearFrom": 2000}
    )
    agreements = nodes_of(pages)
    assert len(agreements) == len({a["id"] for a in agreements}) == pages[0]["totalCount"] > 5
    assert all(a["kind"] == "COLLABORATION" and a["year"] >= 2000 for a in agreements)

    pages = await forward(gql, PEOPLE, "people", 5, filter={"search": "cell"})
    people = nodes_of(pages)
    assert len(people) == len({p["slug"] for p in people}) == pages[0]["totalCount"] > 5
    assert all("Cell" in p["name"].split() for p in people)
