"""Which failures null what: a bad argument on one root field nulls that field alone, with a
BAD_USER_INPUT error at its path; the request's other root fields still answer."""

from typing import Any

import pytest

from service.config import Settings
from tests.conftest import serving, without_cost
from tests.test_observability import metrics_page, value
from tests.utils import bad_user_input, global_id

pytestmark = pytest.mark.read_only

GOOD = "good: people(first: 2) { totalCount nodes { id name } }"
# one bad argument on each nullable root field, as a client might get it wrong
BAD = {
    "organizations": "organizations(first: 1000) { totalCount }",
    "people": 'people(filter: {search: "  "}) { totalCount }',
    "agreements": "agreements(filter: {yearFrom: 2020, yearTo: 2010}) { totalCount }",
    "search": 'search(query: "cell", first: 101) { __typename }',
    "nodes": 'nodes(ids: ["!!!"]) { id }',
}


async def post(client: Any, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = without_cost(response.json())
    return body


@pytest.mark.parametrize("root", list(BAD))
async def test_a_bad_argument_nulls_only_its_own_root_field(settings: Settings, root: str):
    async with serving(settings) as (client, _sql):
        alone = await post(client, "{ " + GOOD + " }")
        assert "errors" not in alone, alone
        body = await post(client, "{ " + GOOD + " bad: " + BAD[root] + " }")
    bad_user_input(body, path="bad")
    assert body["data"] == {"good": alone["data"]["good"], "bad": None}
    assert len(body["data"]["good"]["nodes"]) == 2


async def test_the_compiled_path_still_serves_the_good_requests(settings: Settings):
    """The compiler declines a document whose arguments the resolvers refuse, so the mixed
    request is the resolvers' to answer; a good one is still one compiled statement."""
    ids = [global_id("Organization:fact"), global_id("Person:patrick-hanley")]
    good = (
        "{ organizations(first: 2) { nodes { id slug } } "
        f'nodes(ids: ["{ids[0]}", "{ids[1]}"]) {{ id }} ' + GOOD + " }"
    )
    async with serving(settings) as (client, sql):
        sql.statements.clear()
        answer = await post(client, good)
        assert sql.count == 1
        mixed = await post(client, "{ " + GOOD + " bad: " + BAD["organizations"] + " }")
        _text, page = await metrics_page(client)
    assert "errors" not in answer, answer
    assert [node["id"] for node in answer["data"]["nodes"]] == ids
    assert mixed["data"]["good"] == answer["data"]["good"]
    assert value(page, "graphql_executions_total", path="compiled") == 1
    assert value(page, "graphql_executions_total", path="resolvers") == 1


async def test_the_root_fields_that_take_arguments_are_nullable(client):
    query = '{ __type(name: "Query") { fields { name type { kind } } } }'
    body = await post(client, query)
    kinds = {f["name"]: f["type"]["kind"] for f in body["data"]["__type"]["fields"]}
    for root in (*BAD, "node", "organization", "person"):
        assert kinds[root] != "NON_NULL", root
    assert kinds["dataset"] == "NON_NULL"  # no arguments: nothing a client can get wrong
