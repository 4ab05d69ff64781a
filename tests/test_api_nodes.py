"""Relay object identification: `node(id:)`, `nodes(ids:)`, and stable opaque IDs."""

import base64
import json
from typing import Any

import httpx

from service.app import create_app
from tests.conftest import without_cost
from tests.utils import dataset, global_id, ok


def decoded(gid: str) -> str:
    return base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()


# One selection per type, used both where the IDs come from and through node(id:).
FIELDS = {
    "Organization": "id slug name acronym category foundedYear regions parent { id }",
    "Agreement": "id kind title year parties { id } establishes { id } source { quote }",
    "Person": "id slug name credentials representations { id }",
    "Representation": (
        "id role designation person { id } organization { id } onBehalfOf { id } source { quote }"
    ),
    # aliased: Agreement.kind is an enum, Initiative.kind a string, in one selection
    "Initiative": (
        "id name initiativeKind: kind recurrence year organizations { id } source { quote }"
    ),
}
FRAGMENTS = " ".join(f"... on {t} {{ {f} }}" for t, f in FIELDS.items())


async def every_object(gql) -> dict[str, list[dict[str, Any]]]:
    """Every object of every type, as the root fields and relations serve them."""
    body = await gql(
        f"""{{
        organizations(first: 100) {{ nodes {{ {FIELDS["Organization"]}
            initiatives {{ {FIELDS["Initiative"]} }} }} }}
        agreements(first: 100) {{ nodes {{ {FIELDS["Agreement"]} }} }}
        people(first: 100) {{ nodes {{ {FIELDS["Person"]}
            representations {{ {FIELDS["Representation"]} }} }} }}
    }}"""
    )
    data = ok(body)
    organizations = data["organizations"]["nodes"]
    initiatives = {i["id"]: i for o in organizations for i in o.pop("initiatives")}
    people = data["people"]["nodes"]
    representations = [r for p in people for r in p["representations"]]
    for person in people:
        person["representations"] = [{"id": r["id"]} for r in person["representations"]]
    return {
        "Organization": organizations,
        "Agreement": data["agreements"]["nodes"],
        "Person": people,
        "Representation": representations,
        "Initiative": list(initiatives.values()),
    }


async def test_every_type_is_reachable_with_every_record(gql):
    objects = await every_object(gql)
    expected = {
        "Organization": "organizations",
        "Agreement": "agreements",
        "Person": "people",
        "Representation": "representations",
        "Initiative": "initiatives",
    }
    for type_name, section in expected.items():
        ids = [o["id"] for o in objects[type_name]]
        assert len(ids) == len(set(ids)) == len(dataset()[section]), type_name


async def test_node_round_trip_for_every_object_of_every_type(gql):
    objects = await every_object(gql)
    items = [(t, o) for t, objs in objects.items() for o in objs]
    # 20 per request: each selection has 2 aliases; the default limit is 50 per document
    for start in range(0, len(items), 20):
        chunk = items[start : start + 20]
        selections = " ".join(
            f"n{i}: node(id: {json.dumps(o['id'])}) {{ __typename {FRAGMENTS} }}"
            for i, (_, o) in enumerate(chunk)
        )
        data = ok(await gql(f"{{ {selections} }}"))
        for i, (type_name, obj) in enumerate(chunk):
            assert data[f"n{i}"] == {"__typename": type_name, **obj}, (type_name, obj["id"])


async def test_node_with_a_variable_and_interface_field(gql):
    fact = ok(await gql('{ organization(slug: "fact") { id name } }'))["organization"]
    body = await gql(
        "query($id: ID!) { node(id: $id) { __typename id ... on Organization { name } } }",
        {"id": fact["id"]},
    )
    assert ok(body)["node"] == {"__typename": "Organization", **fact}


async def test_nodes_preserves_order_and_gives_null_for_unknown(gql):
    objects = await every_object(gql)
    person = objects["Person"][0]
    agreement = objects["Agreement"][0]
    organization = objects["Organization"][0]
    representation = objects["Representation"][-1]
    initiative = objects["Initiative"][0]
    ids = [
        person["id"],
        global_id("Organization:nope"),
        agreement["id"],
        organization["id"],
        global_id("Widget:fact"),
        representation["id"],
        person["id"],
        initiative["id"],
    ]
    body = await gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        {"ids": ids},
    )
    nodes = ok(body)["nodes"]
    assert nodes == [
        {"__typename": "Person", "id": person["id"]},
        None,
        {"__typename": "Agreement", "id": agreement["id"]},
        {"__typename": "Organization", "id": organization["id"]},
        None,
        {"__typename": "Representation", "id": representation["id"]},
        {"__typename": "Person", "id": person["id"]},
        {"__typename": "Initiative", "id": initiative["id"]},
    ]


async def test_nodes_of_no_ids_is_empty(gql):
    assert await gql("{ nodes(ids: []) { id } }") == {"data": {"nodes": []}}


async def test_unknown_but_well_formed_id_is_null(gql):
    for text in ("Organization:nope", "Person:fact", "Agreement:fact", "Representation:x--y"):
        body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id(text)})
        assert body == {"data": {"node": None}}, text


async def test_well_formed_id_of_an_unknown_type_is_null(gql):
    for text in ("Widget:fact", "organization:fact", "Node:fact", "SearchResult:fact"):
        body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id(text)})
        assert body == {"data": {"node": None}}, text


async def test_ids_are_the_services_own_format(gql):
    """base64url of "Type:slug" without padding: the natural key, not the row id."""
    body = await gql("{ organizations(first: 100) { nodes { id slug } } }")
    for org in ok(body)["organizations"]["nodes"]:
        assert "=" not in org["id"]
        assert org["id"] == global_id(f"Organization:{org['slug']}")
    fact = ok(await gql('{ organization(slug: "fact") { id } }'))["organization"]["id"]
    assert decoded(fact) == "Organization:fact"
    assert not any(ch.isdigit() for ch in decoded(fact))


async def test_ids_are_stable_across_requests_and_app_instances(gql, settings):
    query = '{ organization(slug: "fact") { id } person(slug: "patrick-hanley") { id } }'
    first = ok(await gql(query))
    second = ok(await gql(query))
    assert first == second
    # a second app over the same database (as after a restart) serves the same IDs
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.post("/graphql", json={"query": query})
    assert without_cost(response.json()) == {"data": first}
    # and an ID fetched earlier still resolves
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on Organization { slug } } }",
        {"id": first["organization"]["id"]},
    )
    assert ok(node) == {"node": {"slug": "fact"}}


async def test_id_types_do_not_collide(gql):
    # A slug shared by no two types still gives distinct IDs per type; an organization's ID
    # never resolves as a person.
    body = await gql('{ organization(slug: "fact") { id } }')
    org_id = ok(body)["organization"]["id"]
    person_id = global_id("Person:" + decoded(org_id).split(":", 1)[1])
    body = await gql("query($id: ID!) { node(id: $id) { __typename } }", {"id": person_id})
    assert body == {"data": {"node": None}}
