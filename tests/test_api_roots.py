"""The root fields and the object graph, checked against the curated dataset file.

Expectations come from seed/partners.yaml; a few headline facts (FACT's co-founders, the
NASEM forum, CARM's delegate) are also stated outright because they are the point.
"""

import json
import re
from typing import Any

import pytest

from tests.conftest import without_cost
from tests.utils import dataset, involved, ok, participants, scope


def orgs() -> dict[str, dict[str, Any]]:
    return {o["slug"]: o for o in dataset()["organizations"]}


async def each(gql, root: str, slugs: list[str], fields: str) -> dict[str, Any]:
    """`root(slug:)` for every slug, as aliases of one request: slug -> the object."""
    parts = [
        f"r{i}: {root}(slug: {json.dumps(slug)}) {{ {fields} }}" for i, slug in enumerate(slugs)
    ]
    data = ok(await gql("{ " + "\n".join(parts) + " }"))
    return {slug: data[f"r{i}"] for i, slug in enumerate(slugs)}


async def each_organization(gql, fields: str) -> dict[str, Any]:
    return await each(gql, "organization", list(orgs()), fields)


ORGANIZATION_FIELDS = """
  slug name acronym category foundedYear regions description
  parent { slug }
  sources { document quote }
"""


async def test_every_organization_by_slug_matches_the_dataset(gql):
    found = await each_organization(gql, ORGANIZATION_FIELDS)
    mismatches = []
    for record in dataset()["organizations"]:
        slug = record["slug"]
        org = found[slug]
        assert org is not None, slug
        expected = {
            "slug": slug,
            "name": record["name"],
            "acronym": record.get("acronym"),
            "category": record["category"],
            "foundedYear": record.get("founded_year"),
            "regions": record.get("regions", []),
            "description": record.get("description"),
            "parent": {"slug": record["parent"]} if record.get("parent") else None,
            "sources": [
                {"document": dataset()["document"], "quote": quote} for quote in record["quotes"]
            ],
        }
        if org != expected:
            mismatches.append((slug, org, expected))
    assert mismatches == []


async def test_every_person_and_their_representations_match_the_dataset(gql):
    fields = """slug name credentials
        representations { role designation organization { slug } onBehalfOf { slug }
                          person { slug } source { quote } }"""
    found = await each(gql, "person", [p["slug"] for p in dataset()["people"]], fields)
    for record in dataset()["people"]:
        slug = record["slug"]
        person = found[slug]
        assert person is not None, slug
        assert person["name"] == record["name"]
        assert person["credentials"] == record.get("credentials", [])  # the source's order
        got = sorted(
            (r["organization"]["slug"], r["onBehalfOf"]["slug"], r["role"], r["designation"])
            for r in person["representations"]
        )
        want = sorted(
            (r["organization"], r["on_behalf_of"], r["role"], r.get("designation"))
            for r in dataset()["representations"]
            if r["person"] == slug
        )
        assert got == want, slug
        assert all(r["person"]["slug"] == slug for r in person["representations"])
        quotes = sorted(r["source"]["quote"] for r in person["representations"])
        assert quotes == sorted(
            r["quote"] for r in dataset()["representations"] if r["person"] == slug
        )


async def test_patrick_hanley_holds_two_seats(gql):
    body = await gql(
        '{ person(slug: "patrick-hanley") { representations { organization { slug } } } }'
    )
    seats = {r["organization"]["slug"] for r in ok(body)["person"]["representations"]}
    assert seats == {"fact", "nasem-forum-on-regenerative-medicine"}


async def test_organizations_connection_lists_every_organization_once(gql):
    body = await gql("{ organizations(first: 100) { totalCount nodes { slug } } }")
    conn = ok(body)["organizations"]
    slugs = [n["slug"] for n in conn["nodes"]]
    assert conn["totalCount"] == len(dataset()["organizations"]) == 35
    assert sorted(slugs) == sorted(orgs())


async def test_default_page_size_covers_the_curated_dataset(gql):
    body = await gql("{ organizations { totalCount nodes { slug } pageInfo { hasNextPage } } }")
    conn = ok(body)["organizations"]
    assert len(conn["nodes"]) == conn["totalCount"] == len(dataset()["organizations"])
    assert conn["pageInfo"]["hasNextPage"] is False


async def test_partner_count(gql):
    body = await gql("{ organizations(filter: {category: PARTNER}) { totalCount } }")
    assert ok(body)["organizations"]["totalCount"] == 24


async def test_people_connection_lists_every_person_once(gql):
    body = await gql("{ people(first: 100) { totalCount nodes { slug name } } }")
    conn = ok(body)["people"]
    slugs = [n["slug"] for n in conn["nodes"]]
    assert conn["totalCount"] == len(dataset()["people"])
    assert sorted(slugs) == sorted(p["slug"] for p in dataset()["people"])
    names = [n["name"] for n in conn["nodes"]]
    assert names == sorted(names)  # "People, sorted by name."


async def test_agreements_connection_lists_every_agreement_once(gql):
    body = await gql(
        """{ agreements(first: 100) { totalCount nodes {
            id kind title year description
            parties { slug } establishes { slug } source { document quote }
        } } }"""
    )
    conn = ok(body)["agreements"]
    records = {a["title"]: a for a in dataset()["agreements"]}
    assert len(records) == len(dataset()["agreements"])  # titles identify agreements here
    titles = [n["title"] for n in conn["nodes"]]
    assert conn["totalCount"] == len(records)
    assert sorted(titles) == sorted(records)
    assert titles == sorted(titles)  # "Agreements, sorted by title."
    assert len({n["id"] for n in conn["nodes"]}) == len(records)
    for node in conn["nodes"]:
        record = records[node["title"]]
        assert node["kind"] == record["kind"]
        assert node["year"] == record.get("year")
        assert node["description"] == record.get("description")
        assert [p["slug"] for p in node["parties"]] == record["parties"]
        establishes = record.get("establishes")
        assert node["establishes"] == ({"slug": establishes} if establishes else None)
        assert node["source"] == {"document": dataset()["document"], "quote": record["quote"]}


async def test_establishes_is_set_only_for_co_foundings(gql):
    body = await gql("{ agreements { nodes { kind establishes { slug } } } }")
    nodes = ok(body)["agreements"]["nodes"]
    established = sorted(n["establishes"]["slug"] for n in nodes if n["establishes"])
    assert established == ["fact", "jacie"]
    assert all((n["kind"] == "CO_FOUNDING") == (n["establishes"] is not None) for n in nodes)


SEARCH = """query($q: String!, $first: Int) { search(query: $q, first: $first) {
  __typename
  ... on Organization { slug name }
  ... on Person { slug name }
  ... on Agreement { title }
  ... on Initiative { name }
} }"""


async def test_search_fact_ranks_the_fact_organization_first(gql):
    results = ok(await gql(SEARCH, {"q": "FACT"}))["search"]
    assert results, "no results for FACT"
    assert results[0] == {
        "__typename": "Organization",
        "slug": "fact",
        "name": orgs()["fact"]["name"],
    }


async def test_search_finds_a_person_by_name(gql):
    results = ok(await gql(SEARCH, {"q": "Hanley"}))["search"]
    assert {"__typename": "Person", "slug": "patrick-hanley", "name": "Patrick Hanley"} in results


async def test_search_cord_blood_finds_the_initiative_and_cba(gql):
    results = ok(await gql(SEARCH, {"q": "Cord Blood"}))["search"]
    assert {"__typename": "Initiative", "name": "Cord Blood Connect workshop"} in results
    assert {"__typename": "Organization", "slug": "cba", "name": orgs()["cba"]["name"]} in results


async def test_search_matches_a_prefix_and_returns_a_union(gql):
    results = ok(await gql(SEARCH, {"q": "Regen", "first": 100}))["search"]
    assert results
    assert {r["__typename"] for r in results} <= {
        "Organization",
        "Person",
        "Agreement",
        "Initiative",
    }
    # Every organization whose name, acronym or description has a word starting with
    # "regen" is found.
    expected = {
        o["slug"]
        for o in dataset()["organizations"]
        if any(
            word.lower().startswith("regen")
            for field in ("name", "acronym", "description")
            for word in re.findall(r"\w+", o.get(field) or "")
        )
    }
    found = {r["slug"] for r in results if r["__typename"] == "Organization"}
    assert expected
    assert found == expected


async def test_search_respects_first(gql):
    everything = ok(await gql(SEARCH, {"q": "ISCT", "first": 100}))["search"]
    assert len(everything) > 3
    assert ok(await gql(SEARCH, {"q": "ISCT", "first": 3}))["search"] == everything[:3]
    assert ok(await gql(SEARCH, {"q": "ISCT", "first": 0}))["search"] == []


async def test_search_without_a_match_is_empty(gql):
    assert await gql(SEARCH, {"q": "zzzz"}) == {"data": {"search": []}}


async def test_organization_agreements_include_those_of_its_units(gql):
    found = await each_organization(gql, "agreements { title year }")
    for slug in orgs():
        members = scope(slug)
        want = sorted(a["title"] for a in dataset()["agreements"] if members & set(a["parties"]))
        agreements = found[slug]["agreements"]
        assert sorted(a["title"] for a in agreements) == want, slug
        # oldest first, undated last
        years = [a["year"] for a in agreements]
        dated = [y for y in years if y is not None]
        assert years == dated + [None] * (len(years) - len(dated)), slug
        assert dated == sorted(dated), slug


async def test_isct_agreements_leave_out_its_journals_affiliation(gql):
    """Cytotherapy is ISCT's official journal, not a unit of ISCT: its affiliation with
    ABTCel-Gen does not roll up into ISCT's agreements."""
    body = await gql('{ organization(slug: "isct") { agreements { title } units { slug } } }')
    isct = ok(body)["organization"]
    assert "ABTCel-Gen affiliation with Cytotherapy" not in {a["title"] for a in isct["agreements"]}
    assert "cytotherapy" not in {u["slug"] for u in isct["units"]}


async def test_organization_agreements_filter_by_kind(gql):
    query = """query($slug: String!) { organization(slug: $slug) {
        agreements(kind: MEMORANDUM_OF_UNDERSTANDING) { kind title } } }"""
    for slug in ("isct", "ebmt", "fact"):
        agreements = ok(await gql(query, {"slug": slug}))["organization"]["agreements"]
        want = sorted(
            a["title"]
            for a in dataset()["agreements"]
            if a["kind"] == "MEMORANDUM_OF_UNDERSTANDING" and scope(slug) & set(a["parties"])
        )
        assert sorted(a["title"] for a in agreements) == want, slug
        assert {a["kind"] for a in agreements} <= {"MEMORANDUM_OF_UNDERSTANDING"}
    isct = ok(await gql(query, {"slug": "isct"}))["organization"]["agreements"]
    assert len(isct) == 8


async def test_cofounders_and_cofounded(gql):
    body = await gql(
        """{
        fact: organization(slug: "fact") { cofounders { slug } cofounded { slug } }
        jacie: organization(slug: "jacie") { cofounders { slug } }
        isct: organization(slug: "isct") { cofounded { slug } cofounders { slug } }
        ebmt: organization(slug: "ebmt") { cofounded { slug } }
        arm: organization(slug: "arm") { cofounded { slug } cofounders { slug } }
    }"""
    )
    data = ok(body)

    def slugs(items):
        return {i["slug"] for i in items}

    assert slugs(data["fact"]["cofounders"]) == {"isct", "astct"}
    assert slugs(data["fact"]["cofounded"]) == set()
    assert slugs(data["jacie"]["cofounders"]) == {"isct", "ebmt"}
    assert slugs(data["isct"]["cofounded"]) == {"fact", "jacie"}
    assert slugs(data["isct"]["cofounders"]) == set()
    assert slugs(data["ebmt"]["cofounded"]) == {"jacie"}
    assert slugs(data["arm"]["cofounded"]) == slugs(data["arm"]["cofounders"]) == set()


async def test_cofounders_and_cofounded_of_every_organization_follow_the_dataset(gql):
    found = await each_organization(gql, "cofounders { slug } cofounded { slug }")
    foundings = [a for a in dataset()["agreements"] if a["kind"] == "CO_FOUNDING"]
    for slug in orgs():
        org = found[slug]
        cofounders = {
            p for a in foundings if a["establishes"] == slug for p in a["parties"] if p != slug
        }
        cofounded = {a["establishes"] for a in foundings if slug in a["parties"]}
        assert sorted(o["slug"] for o in org["cofounders"]) == sorted(cofounders), slug
        assert sorted(o["slug"] for o in org["cofounded"]) == sorted(cofounded), slug


async def test_units_and_parent(gql):
    found = await each_organization(gql, "units { slug parent { slug } } parent { slug }")
    for slug, record in orgs().items():
        org = found[slug]
        units = sorted(u["slug"] for u in org["units"])
        assert units == sorted(scope(slug) - {slug}), slug
        assert all(u["parent"] == {"slug": slug} for u in org["units"]), slug
        parent = record.get("parent")
        assert org["parent"] == ({"slug": parent} if parent else None), slug
    nasem = found["nasem"]
    assert "nasem-forum-on-regenerative-medicine" in {u["slug"] for u in nasem["units"]}


REPRESENTATION_FIELDS = """
  role designation person { slug } organization { slug } onBehalfOf { slug }
"""


def seat(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["person"]["slug"], r["organization"]["slug"], r["onBehalfOf"]["slug"], r["role"])


def record_seat(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["person"], r["organization"], r["on_behalf_of"], r["role"])


async def test_representatives_are_people_seated_at_the_body_or_its_units(gql):
    found = await each_organization(gql, f"representatives {{ {REPRESENTATION_FIELDS} }}")
    for slug in orgs():
        reps = found[slug]["representatives"]
        want = sorted(
            record_seat(r) for r in dataset()["representations"] if r["organization"] in scope(slug)
        )
        assert sorted(seat(r) for r in reps) == want, slug
    nasem = found["nasem"]["representatives"]
    assert "daniel-weiss" in {r["person"]["slug"] for r in nasem}


async def test_delegates_are_seats_held_on_behalf_of_the_body(gql):
    found = await each_organization(gql, f"delegates {{ {REPRESENTATION_FIELDS} }}")
    for slug in orgs():
        delegates = found[slug]["delegates"]
        want = sorted(
            record_seat(r) for r in dataset()["representations"] if r["on_behalf_of"] == slug
        )
        assert sorted(seat(r) for r in delegates) == want, slug
    carm = found["carm"]["delegates"]
    assert [(r["person"]["slug"], r["organization"]["slug"]) for r in carm] == [
        ("antonio-lee", "isct-commercialization-committee")
    ]


async def test_representation_on_behalf_of_is_not_always_isct(gql):
    found = await each(
        gql,
        "organization",
        ["isct-commercialization-committee"],
        f"representatives {{ {REPRESENTATION_FIELDS} }}",
    )
    reps = found["isct-commercialization-committee"]["representatives"]
    behalf = {r["person"]["slug"]: r["onBehalfOf"]["slug"] for r in reps}
    assert behalf == {"antonio-lee": "carm", "yoshie-tsurumaki": "firm"}


async def test_designations(gql):
    found = await each(
        gql, "organization", ["wbmt"], f"representatives {{ {REPRESENTATION_FIELDS} }}"
    )
    reps = found["wbmt"]["representatives"]
    designations = {r["person"]["slug"]: r["designation"] for r in reps}
    assert designations == {
        r["person"]: r.get("designation")
        for r in dataset()["representations"]
        if r["organization"] == "wbmt"
    }
    assert set(designations.values()) == {"PRIMARY", "ALTERNATE"}


async def test_initiatives_and_their_organizations(gql):
    found = await each_organization(
        gql,
        """initiatives { name kind recurrence year description organizations { slug }
                         participants { role organization { slug } } source { document quote } }""",
    )
    records = {i["name"]: i for i in dataset()["initiatives"]}
    assert len(records) == len(dataset()["initiatives"])
    seen = set()
    for slug in orgs():
        initiatives = found[slug]["initiatives"]
        want = sorted(i["name"] for i in dataset()["initiatives"] if scope(slug) & involved(i))
        assert sorted(i["name"] for i in initiatives) == want, slug
        for initiative in initiatives:
            record = records[initiative["name"]]
            seen.add(initiative["name"])
            assert initiative["kind"] == record["kind"]
            assert initiative["recurrence"] == record.get("recurrence")
            assert initiative["year"] == record.get("year")
            assert initiative["description"] == record.get("description")
            # the organizers, in the dataset's order; then everyone with their role
            assert [o["slug"] for o in initiative["organizations"]] == record["organizations"]
            assert [
                {"slug": p["organization"]["slug"], "role": p["role"]}
                for p in initiative["participants"]
            ] == participants(record)
            assert initiative["source"] == {
                "document": dataset()["document"],
                "quote": record["quote"],
            }
    assert seen == set(records)


async def test_agreement_source_quote_is_the_dataset_quote(gql):
    body = await gql(
        '{ organization(slug: "carm") { agreements { title source { quote } parties { slug } } } }'
    )
    agreements = ok(body)["organization"]["agreements"]
    quotes = {a["title"]: a["source"]["quote"] for a in agreements}
    want = {a["title"]: a["quote"] for a in dataset()["agreements"] if "carm" in a["parties"]}
    assert quotes == want
    assert len(want) == 2


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


async def test_graphiql_is_served_with_the_example_query(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    assert "organizations(first: 100" in response.text


async def test_get_graphql_runs_a_query(client):
    response = await client.get(
        "/graphql",
        params={"query": '{ organization(slug: "fact") { acronym } }'},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"organization": {"acronym": "FACT"}}}
