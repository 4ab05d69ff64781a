"""Search finds every name and acronym of the curated dataset, stop words included ("WHO"),
and ranks by the same rules on SQLite and PostgreSQL (service/data/search_index.py): an exact
acronym, then an exact name, then names holding every word, then the rest. Each test asserts
fixed answers or the rules themselves, so a run on each engine (TEST_ENGINE) checks that the
two agree; the organizations come from the API, not from a list kept here."""

import re
from collections import defaultdict
from typing import Any

import pytest
import sqlalchemy as sa

from service.config import Settings
from service.data.engine import create_engine
from service.data.text import search_fold
from tests.conftest import Databases, GraphQL
from tests.test_case_folding import _run_alembic
from tests.test_differential import paired
from tests.utils import bad_user_input, ok

pytestmark = pytest.mark.read_only

ORGANIZATIONS = "{ organizations(first: 100) { nodes { slug name acronym } } }"
SEARCH = """
query ($q: String!) {
  search(query: $q, first: 100) {
    __typename
    ... on Organization { slug name acronym description }
    ... on Person { slug name }
    ... on Agreement { name: title description }
    ... on Initiative { name description }
  }
  organizations(filter: {search: $q}) { nodes { slug } }
}"""

WORD = re.compile(r"[^\W_]+")


def words(text: str | None) -> list[str]:
    """The words search sees in `text`: letters and digits, folded."""
    return WORD.findall(search_fold(text or ""))


async def organizations(gql: GraphQL) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = ok(await gql(ORGANIZATIONS))["organizations"]["nodes"]
    assert len(nodes) > 20, "the curated dataset is loaded"
    return nodes


async def search(gql: GraphQL, query: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`search`'s hits, and the slugs the organizations filter finds, for one query."""
    data = ok(await gql(SEARCH, {"q": query}))
    return data["search"], [node["slug"] for node in data["organizations"]["nodes"]]


def organization_slugs(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["slug"] for hit in hits if hit["__typename"] == "Organization"]


def tier(hit: dict[str, Any], query: str) -> int:
    """The documented tier of a hit: 0 exact acronym, 1 exact name, 2 every word in the
    acronym or name (the last as a prefix), 3 the rest."""
    typed, acronym, name = words(query), words(hit.get("acronym")), words(hit["name"])
    if typed == acronym:
        return 0
    if typed == name:
        return 1
    named = acronym + name
    *whole, last = typed
    if all(w in named for w in whole) and any(n.startswith(last) for n in named):
        return 2
    return 3


def assert_ranked_by_the_rules(hits: list[dict[str, Any]], query: str) -> None:
    """Tiers in order; within tiers 0-2 shorter names first, then by kind; within tier 3
    shorter descriptions first (checked where the description is the whole indexed text)."""
    keys = []
    for hit in hits:
        level = tier(hit, query)
        length = len(" ".join(words(hit["name"])))
        keys.append((level, length if level < 3 else 0, hit["__typename"] if level < 3 else ""))
    assert keys == sorted(keys), [(key, hit["name"]) for key, hit in zip(keys, hits, strict=True)]
    described = [
        len(search_fold(hit["description"] or ""))
        for hit in hits
        if tier(hit, query) == 3 and hit["__typename"] in ("Organization", "Agreement")
    ]
    assert described == sorted(described), described


# --- every organization, by its acronym and by its name -------------------------------


async def test_every_acronym_ranks_its_organization_first_and_the_filter_finds_it(
    gql: GraphQL,
) -> None:
    """Organizations whose acronyms have the same words (none today) share the top places,
    in the order of the rules: the shorter name first, then the slug."""
    sharing: defaultdict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for body in await organizations(gql):
        if body["acronym"]:
            sharing[tuple(words(body["acronym"]))].append(body)
    assert len(sharing) > 20
    for group in sharing.values():
        expected = [
            b["slug"]
            for b in sorted(group, key=lambda b: (len(" ".join(words(b["name"]))), b["slug"]))
        ]
        for body in group:
            hits, filtered = await search(gql, body["acronym"])
            top = hits[: len(expected)]
            assert [(h["__typename"], h["slug"]) for h in top] == [
                ("Organization", slug) for slug in expected
            ], (body["acronym"], hits[:3])
            assert body["slug"] in filtered, body["acronym"]
            assert_ranked_by_the_rules(hits, body["acronym"])


async def test_every_full_name_finds_its_organization_first_among_organizations(
    gql: GraphQL,
) -> None:
    """Only exact matches (another entry with this very name or acronym) may rank above it."""
    for body in await organizations(gql):
        hits, filtered = await search(gql, body["name"])
        assert organization_slugs(hits)[0] == body["slug"], (body["name"], hits[:3])
        above = hits[: hits.index(next(h for h in hits if h.get("slug") == body["slug"]))]
        assert all(tier(hit, body["name"]) <= 1 for hit in above), (body["name"], above)
        assert body["slug"] in filtered, body["name"]


# --- stop words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["WHO", "who", "Who", "World Health Organization", "world health organization"]
)
async def test_who_finds_the_world_health_organization_first(gql: GraphQL, typed: str) -> None:
    """ "who" is an English stop word: PostgreSQL's `english` configuration drops it."""
    hits, filtered = await search(gql, typed)
    assert (hits[0]["__typename"], hits[0]["slug"]) == ("Organization", "who")
    assert "who" in filtered


async def test_who_ranks_the_acronym_then_the_names_holding_the_word(gql: GraphQL) -> None:
    hits, filtered = await search(gql, "WHO")
    assert organization_slugs(hits)[:2] == ["who", "who-inn-programme"]
    assert {"who", "who-inn-programme"} <= set(filtered)
    assert_ranked_by_the_rules(hits, "WHO")
    inn, _ = await search(gql, "who inn")
    assert organization_slugs(inn)[0] == "who-inn-programme"


async def test_a_query_of_stop_words_only_is_searched_like_any_other(gql: GraphQL) -> None:
    """No word is dropped on either engine: "the of and" finds what holds all three (the
    last as a prefix), ranked by the rules; the filter finds the same organizations."""
    hits, filtered = await search(gql, "the of and")
    assert hits, "stop words are words"
    assert organization_slugs(hits)[0] == "andtat"  # its name holds them all
    assert sorted(filtered) == sorted(organization_slugs(hits))
    for hit in hits:
        if hit["__typename"] in ("Organization", "Agreement"):
            text = words(hit.get("acronym")) + words(hit["name"]) + words(hit["description"])
            assert {"the", "of"} <= set(text), hit
            assert any(w.startswith("and") for w in text), hit
    assert_ranked_by_the_rules(hits, "the of and")


async def test_a_query_without_any_word_is_refused_on_both_paths(gql: GraphQL) -> None:
    body = await gql('{ search(query: "&& — ...") { __typename } }')
    assert "at least one word" in bad_user_input(body, "search")


# --- ranking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("cord blood", ["cba"]),
        ("accreditation", ["jacie", "ahcta", "fact"]),
        ("cell therapy", ["catapult", "abtcel-gen", "isct"]),
        ("ISCT", ["isct", "isct-europe"]),
        ("regenerative medicine", ["nasem-forum-on-regenerative-medicine", "arm"]),
        ("marrow", ["wmda"]),
    ],
)
async def test_multi_hit_queries_rank_by_the_same_rules_on_both_engines(
    gql: GraphQL, query: str, first: list[str]
) -> None:
    """`first`: the organizations that lead, read from the dataset by the rules (shorter
    names first among names holding every word)."""
    hits, filtered = await search(gql, query)
    assert len(hits) > len(first)
    assert organization_slugs(hits)[: len(first)] == first
    assert sorted(filtered) == sorted(organization_slugs(hits))
    assert_ranked_by_the_rules(hits, query)


async def test_only_the_last_word_is_a_prefix(gql: GraphQL) -> None:
    """ "cor blood" is not "cord blood": earlier words match whole, on both engines."""
    hits, _ = await search(gql, "cor blood")
    assert "cba" not in organization_slugs(hits)
    hits, _ = await search(gql, "blood cor")
    assert "cba" in organization_slugs(hits)


# --- the migration -------------------------------------------------------------------------

SEARCHED = """
query ($q: String!) {
  organizations(filter: {search: $q}) { nodes { slug } }
  search(query: $q, first: 1) { ... on Organization { slug } }
}"""


async def test_the_migration_makes_a_database_at_revision_0003_find_every_name(
    databases: Databases,
) -> None:
    """Rows the loader wrote before 0004 (folded, punctuation kept) are rewritten in place,
    and on PostgreSQL the document gains the stop words."""
    url = await databases.empty()
    engine = create_engine(Settings(database_url=url), create=True)
    bodies = [
        (1, "who", "World Health Organization", "WHO", "who", "world health organization"),
        (2, "isct-eu", "ISCT Europe Chapter", "ISCT-EU", "isct-eu", "isct europe chapter"),
    ]
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _run_alembic(sync, "0003"))
            for id_, slug, name, acronym, keys, folded_name in bodies:
                await conn.execute(
                    sa.text(
                        "INSERT INTO organization (id, slug, name, acronym, category) "
                        "VALUES (:id, :slug, :name, :acronym, 'PARTNER')"
                    ),
                    {"id": id_, "slug": slug, "name": name, "acronym": acronym},
                )
                await conn.execute(
                    sa.text(
                        "INSERT INTO search_index (kind, slug, keys, name, body) "
                        "VALUES ('Organization', :slug, :keys, :name, 'the agency of the who')"
                    ),
                    {"slug": slug, "keys": keys, "name": folded_name},
                )
            await conn.execute(sa.text("INSERT INTO dataset_revision (id, revision) VALUES (1, 1)"))
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _run_alembic(sync, "head"))
        async with engine.connect() as conn:
            keys = await conn.execute(sa.text("SELECT keys FROM search_index ORDER BY slug"))
            stored = sorted(key for (key,) in keys)
    finally:
        await engine.dispose()
    assert stored == ["isct eu", "who"]
    async with paired(url) as pair:
        for typed, slug in [("WHO", "who"), ("who", "who"), ("ISCT-EU", "isct-eu")]:
            outcome = await pair.compare(SEARCHED, {"q": typed}, compiles=None)
            assert outcome.data["search"] == [{"slug": slug}], typed
            assert {"slug": slug} in outcome.data["organizations"]["nodes"], typed
