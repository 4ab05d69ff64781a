"""Filters of the root connections, with expectations derived from seed/partners.yaml."""

import re
from typing import Any

from tests.utils import bad_user_input, bad_user_inputs, dataset, ok, scope

CATEGORIES = ("SELF", "CO_FOUNDED", "PARTNER", "RELATED")
AGREEMENT_KINDS = (
    "CO_FOUNDING",
    "MEMORANDUM_OF_UNDERSTANDING",
    "MEMBERSHIP",
    "LIAISON",
    "COLLABORATION",
    "AFFILIATION",
    "PARTICIPATION",
)


ORGANIZATIONS = """query($filter: OrganizationFilter) {
  organizations(first: 100, filter: $filter) { totalCount nodes { slug category regions } }
}"""
AGREEMENTS = """query($filter: AgreementFilter) {
  agreements(first: 100, filter: $filter) { totalCount nodes { title kind year parties { slug } } }
}"""
PEOPLE = """query($filter: PersonFilter) {
  people(first: 100, filter: $filter) { totalCount nodes { slug } }
}"""


async def batch(gql, root: str, input_type: str, fields: str, filters: list[Any]) -> list[Any]:
    """`root(first: 100, filter: ...)` once per filter, as aliases of one request."""
    declared = ", ".join(f"$f{i}: {input_type}" for i in range(len(filters)))
    selections = " ".join(
        f"r{i}: {root}(first: 100, filter: $f{i}) {{ totalCount {fields} }}"
        for i in range(len(filters))
    )
    variables = {f"f{i}": f for i, f in enumerate(filters)}
    data = ok(await gql(f"query({declared}) {{ {selections} }}", variables))
    return [data[f"r{i}"] for i in range(len(filters))]


def keys(conn: dict[str, Any], key: str) -> list[str]:
    values = [n[key] for n in conn["nodes"]]
    assert conn["totalCount"] == len(values)
    return sorted(values)


async def organization_slugs_each(gql, filters: list[dict[str, Any]]) -> list[list[str]]:
    conns = await batch(gql, "organizations", "OrganizationFilter", "nodes { slug }", filters)
    return [keys(c, "slug") for c in conns]


async def agreement_titles_each(gql, filters: list[dict[str, Any]]) -> list[list[str]]:
    conns = await batch(gql, "agreements", "AgreementFilter", "nodes { title }", filters)
    return [keys(c, "title") for c in conns]


async def people_slugs_each(gql, filters: list[dict[str, Any]]) -> list[list[str]]:
    conns = await batch(gql, "people", "PersonFilter", "nodes { slug }", filters)
    return [keys(c, "slug") for c in conns]


async def organization_slugs(gql, filter_: dict[str, Any]) -> list[str]:
    return (await organization_slugs_each(gql, [filter_]))[0]


async def agreement_titles(gql, filter_: dict[str, Any]) -> list[str]:
    return (await agreement_titles_each(gql, [filter_]))[0]


async def people_slugs(gql, filter_: dict[str, Any]) -> list[str]:
    return (await people_slugs_each(gql, [filter_]))[0]


def orgs_where(predicate) -> list[str]:
    return sorted(o["slug"] for o in dataset()["organizations"] if predicate(o))


def agreements_where(predicate) -> list[str]:
    return sorted(a["title"] for a in dataset()["agreements"] if predicate(a))


def each_as_expected(values, answers: list[Any], expected_for) -> None:
    """Each filter value's answer is the dataset's (never empty: a filter that matches
    nothing would pass whatever the service did)."""
    for value, answer in zip(values, answers, strict=True):
        expected = expected_for(value)
        assert expected, value
        assert answer == expected, value


# --- organizations -----------------------------------------------------------------------


async def test_organizations_by_category(gql):
    got = await organization_slugs_each(gql, [{"category": c} for c in CATEGORIES])
    each_as_expected(CATEGORIES, got, lambda c: orgs_where(lambda o: o["category"] == c))
    counts = {c: len(slugs) for c, slugs in zip(CATEGORIES, got, strict=True)}
    assert counts == {"SELF": 1, "CO_FOUNDED": 2, "PARTNER": 24, "RELATED": 8}
    assert sum(counts.values()) == len(dataset()["organizations"])


async def test_organizations_by_region_ignore_case(gql):
    expected = orgs_where(lambda o: "europe" in [r.lower() for r in o.get("regions", [])])
    assert expected == ["andtat", "eatris"]  # not ISCT Europe: "Europe" is only its name
    spellings = ["europe", "EUROPE", "Europe", "eUrOpE"]
    got = await organization_slugs_each(gql, [{"region": r} for r in spellings])
    assert got == [expected] * len(spellings)


async def test_every_region_of_the_dataset_filters(gql):
    regions = sorted({r for o in dataset()["organizations"] for r in o.get("regions", [])})
    assert len(regions) > 3
    got = await organization_slugs_each(gql, [{"region": r.upper()} for r in regions])
    for region, slugs in zip(regions, got, strict=True):
        assert slugs == orgs_where(lambda o, r=region: r in o.get("regions", [])), region


async def test_region_is_a_whole_region_name(gql):
    asia, partial = await organization_slugs_each(gql, [{"region": "asia"}, {"region": "As"}])
    assert asia == orgs_where(lambda o: "Asia" in o.get("regions", []))
    assert asia
    assert partial == []


async def test_organizations_by_agreement_kind(gql):
    """A body matches through its own agreements and its units', as its `agreements` list."""
    got = await organization_slugs_each(gql, [{"agreementKind": k} for k in AGREEMENT_KINDS])
    parent = {o["slug"]: o.get("parent") for o in dataset()["organizations"]}
    for kind, slugs in zip(AGREEMENT_KINDS, got, strict=True):
        parties = {p for a in dataset()["agreements"] if a["kind"] == kind for p in a["parties"]}
        expected = parties | {parent[p] for p in parties if parent[p]}
        assert parties, kind
        assert slugs == sorted(expected), kind


def has_word_starting(o: dict[str, Any], prefix: str) -> bool:
    text = " ".join(o.get(f) or "" for f in ("name", "acronym", "description"))
    return any(w.lower().startswith(prefix) for w in re.findall(r"\w+", text))


async def test_organizations_by_search_text(gql):
    texts = ["marrow", "Marrow", "accred", "singapore"]
    got = await organization_slugs_each(gql, [{"search": t} for t in texts])
    for text, slugs in zip(texts, got, strict=True):
        expected = orgs_where(lambda o, t=text: has_word_starting(o, t.lower()))
        assert expected, text
        assert slugs == expected, text


async def test_organization_search_every_word_must_match(gql):
    both = await organization_slugs(gql, {"search": "blood marrow"})
    blood = set(await organization_slugs(gql, {"search": "blood"}))
    marrow = set(await organization_slugs(gql, {"search": "marrow"}))
    assert both == sorted(blood & marrow)
    assert blood != marrow
    assert both


async def test_organization_search_finds_by_acronym(gql):
    assert "eatris" in await organization_slugs(gql, {"search": "EATRIS"})


async def test_combined_organization_filters_all_hold(gql):
    cases = [
        ({"category": "PARTNER", "region": "europe"}, "PARTNER", "Europe"),
        ({"category": "PARTNER", "region": "KOREA"}, "PARTNER", "Korea"),
        ({"category": "RELATED", "region": "Europe"}, "RELATED", "Europe"),  # none: names only
    ]
    for filter_, category, region in cases:
        expected = orgs_where(
            lambda o, c=category, r=region: o["category"] == c and r in o.get("regions", [])
        )
        assert bool(expected) == (category == "PARTNER"), filter_
        assert await organization_slugs(gql, filter_) == expected, filter_
    mou_parties = {
        p
        for a in dataset()["agreements"]
        if a["kind"] == "MEMORANDUM_OF_UNDERSTANDING"
        for p in a["parties"]
    }
    expected = orgs_where(lambda o: o["category"] == "PARTNER" and o["slug"] in mou_parties)
    assert "isct" not in expected
    got = await organization_slugs(
        gql, {"category": "PARTNER", "agreementKind": "MEMORANDUM_OF_UNDERSTANDING"}
    )
    assert got == expected
    got = await organization_slugs(
        gql, {"region": "europe", "agreementKind": "MEMORANDUM_OF_UNDERSTANDING"}
    )
    assert got == sorted(set(expected) & {"andtat", "eatris"}) == ["eatris"]
    assert await organization_slugs(gql, {"category": "SELF", "region": "europe"}) == []


# --- agreements --------------------------------------------------------------------------


async def test_agreements_by_kind(gql):
    got = await agreement_titles_each(gql, [{"kind": k} for k in AGREEMENT_KINDS])
    each_as_expected(AGREEMENT_KINDS, got, lambda k: agreements_where(lambda a: a["kind"] == k))


YEAR_RANGES = [(2016, None), (None, 2014), (2014, 2016), (2016, 2016), (1990, 2100), (2021, None)]


async def test_agreements_by_year_range(gql):
    filters = [{"yearFrom": low, "yearTo": high} for low, high in YEAR_RANGES]
    got = await agreement_titles_each(gql, filters)
    for (low, high), titles in zip(YEAR_RANGES, got, strict=True):

        def inside(a: dict[str, Any], low=low, high=high) -> bool:
            year = a.get("year")
            if year is None:
                return False  # undated agreements drop out once a bound is given
            return (low is None or year >= low) and (high is None or year <= high)

        assert titles == agreements_where(inside), (low, high)
    assert got[-1] == []  # nothing after 2020
    assert len(got[3]) == 3  # the three MOUs of 2016


async def test_year_bounds_exclude_undated_agreements(gql):
    undated = agreements_where(lambda a: a.get("year") is None)
    assert undated
    everything = await agreement_titles(gql, {"yearFrom": 1800, "yearTo": 2100})
    assert set(undated).isdisjoint(everything)
    assert len(everything) == len(dataset()["agreements"]) - len(undated)
    assert set(undated) <= set(await agreement_titles(gql, {}))


async def test_agreements_by_party(gql):
    slugs = [o["slug"] for o in dataset()["organizations"]]
    got = await agreement_titles_each(gql, [{"party": s} for s in slugs])
    for slug, titles in zip(slugs, got, strict=True):
        assert titles == agreements_where(lambda a, s=slug: s in a["parties"]), slug
    # only direct parties: ISCT's journal is a party, ISCT itself is not
    affiliation = agreements_where(lambda a: a["kind"] == "AFFILIATION")
    assert set(affiliation) <= set(got[slugs.index("cytotherapy")])
    assert set(affiliation).isdisjoint(got[slugs.index("isct")])


async def test_combined_agreement_filters(gql):
    expected = agreements_where(
        lambda a: (
            a["kind"] == "COLLABORATION"
            and "isct" in a["parties"]
            and a.get("year") is not None
            and a["year"] <= 2015
        )
    )
    assert expected
    got = await agreement_titles(gql, {"kind": "COLLABORATION", "party": "isct", "yearTo": 2015})
    assert got == expected


# --- people ------------------------------------------------------------------------------


async def test_people_by_organization_include_its_units(gql):
    slugs = [o["slug"] for o in dataset()["organizations"]]
    got = await people_slugs_each(gql, [{"organization": s} for s in slugs])
    for slug, people in zip(slugs, got, strict=True):
        expected = sorted(
            {r["person"] for r in dataset()["representations"] if r["organization"] in scope(slug)}
        )
        assert people == expected, slug
    assert got[slugs.index("nasem")] == ["daniel-weiss", "patrick-hanley"]


async def test_people_by_search(gql):
    people = dataset()["people"]
    got = await people_slugs_each(gql, [{"search": p["name"].split()[-1]} for p in people])
    for person, slugs in zip(people, got, strict=True):
        assert person["slug"] in slugs, person["name"]
    assert await people_slugs(gql, {"search": "Hanley"}) == ["patrick-hanley"]
    committee = sorted(
        {r["person"] for r in dataset()["representations"] if "Commercialization" in r["role"]}
    )
    assert await people_slugs(gql, {"search": "commercialization"}) == committee


async def test_people_by_organization_and_search(gql):
    got = await people_slugs(gql, {"organization": "fact", "search": "Hanley"})
    assert got == ["patrick-hanley"]
    assert await people_slugs(gql, {"organization": "wbmt", "search": "Hanley"}) == []


# --- unknown values, bad input ---------------------------------------------------------


async def test_unknown_slugs_in_filters_give_empty_results(gql):
    body = await gql(
        """{
        people(filter: {organization: "no-such-org"}) { totalCount nodes { slug } }
        agreements(filter: {party: "no-such-org"}) { totalCount nodes { title } }
        organizations(filter: {region: "Atlantis"}) { totalCount nodes { slug } }
        search: organizations(filter: {search: "qqqqxyz"}) { totalCount nodes { slug } }
    }"""
    )
    assert body == {
        "data": {
            key: {"totalCount": 0, "nodes": []}
            for key in ("people", "agreements", "organizations", "search")
        }
    }


async def test_year_from_after_year_to_is_bad_user_input(gql):
    body = await gql(AGREEMENTS, {"filter": {"yearFrom": 2020, "yearTo": 2010}})
    bad_user_input(body, path="agreements")
    assert body["data"] == {"agreements": None}


async def test_empty_search_is_bad_user_input(gql):
    for text in ["", " ", "   \t\n ", "!!!", "*"]:
        for query, variables in (
            (ORGANIZATIONS, {"filter": {"search": text}}),
            (PEOPLE, {"filter": {"search": text}}),
            ("query($q: String!) { search(query: $q) { __typename } }", {"q": text}),
        ):
            body = await gql(query, variables)
            bad_user_input(body)
            (root,) = body["data"]
            assert body["data"] == {root: None}, (text, query)


SEARCH_INPUTS = [
    '"FACT" OR',
    '"FACT',
    "FACT OR",
    "FACT*",
    "*",
    "NEAR(",
    "NEAR(fact isct, 2)",
    "'; DROP TABLE organization; --",
    "fact AND NOT isct",
    "name:fact",
    "^fact",
    "(fact",
    "fact)",
    "-fact",
    "a" * 500,
    "ünïcödé ✓ 細胞",
    "% _ \\",
]


async def test_search_syntax_never_breaks_the_server(client):
    query = """query($q: String!, $f: OrganizationFilter, $p: PersonFilter) {
        search(query: $q, first: 100) { __typename }
        organizations(filter: $f) { totalCount }
        people(filter: $p) { totalCount } }"""
    for text in SEARCH_INPUTS:
        variables = {"q": text, "f": {"search": text}, "p": {"search": text}}
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, (text, response.text)
        assert "Internal server error" not in response.text, text
        body = response.json()
        if body.get("errors"):
            bad_user_inputs(body)  # one for each root that refused the text
        else:
            assert set(body["data"]) == {"search", "organizations", "people"}, text


async def test_fts_operators_are_taken_as_words(gql):
    # Quotes and operators are punctuation, not syntax: '"FACT"' finds what 'FACT' finds.
    plain = await organization_slugs(gql, {"search": "FACT"})
    assert "fact" in plain
    assert await organization_slugs(gql, {"search": '"FACT"'}) == plain
    assert await organization_slugs(gql, {"search": "FACT*"}) == plain


async def test_every_word_must_match_however_many_words(gql):
    """A word that matches nothing empties the result, even after many words that match:
    the service must neither drop words silently nor return what the query excludes."""
    words = ["therapy"] * 16 + ["zzzz"]
    assert await organization_slugs(gql, {"search": "therapy zzzz"}) == []
    for query, variables, root in (
        (
            "query($q: String!) { search(query: $q) { __typename } }",
            {"q": " ".join(words)},
            "search",
        ),
        (ORGANIZATIONS, {"filter": {"search": " ".join(words)}}, "organizations"),
    ):
        body = await gql(query, variables)
        if body.get("errors"):
            bad_user_input(body)  # "too many words" is an acceptable answer
        else:
            found = body["data"][root]
            assert (found if root == "search" else found["nodes"]) == [], root
