"""Case-insensitive matches are decided by one Python function (service/data/text.py), never
by a database's lower(): so they agree on SQLite and PostgreSQL, whatever the locale, and on
the compiled and the resolver path, for any script. Each test asserts fixed answers, so a run
on each engine (TEST_ENGINE) checks that the engines agree."""

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from service.config import Settings
from service.data.dataset import DEFAULT_DATASET, read_dataset
from service.data.engine import create_engine
from service.data.loader import load, snapshot_of
from service.data.migrate import alembic_config
from service.data.text import fold
from tests.conftest import Databases
from tests.test_differential import paired

# Regions written to four bodies of the curated dataset, by the loader.
ODD_REGIONS = {
    0: ("Ásia",),
    1: ("ÉUROPE", "A\u0301sia"),  # "Á" as "A" + a combining acute accent
    2: ("Straße",),
    3: ("\u0130zmir",),  # Turkish dotted capital I
}


def full_width(ascii_text: str) -> str:
    """The text in full-width forms (U+FF01..U+FF5E), as East Asian keyboards may type it."""
    return "".join(chr(ord(c) + 0xFEE0) for c in ascii_text)


BY_REGION = """
query ($region: String) {
  organizations(filter: {region: $region}) { totalCount edges { node { slug } } }
}"""


async def bodies_in(database_url: str, region: str) -> list[str]:
    """The slugs the region filter finds, after checking both paths answer alike, the
    compiled one in one statement."""
    async with paired(database_url) as pair:
        outcome = await pair.compare(BY_REGION, {"region": region})
    connection = outcome.data["organizations"]
    slugs = [edge["node"]["slug"] for edge in connection["edges"]]
    assert connection["totalCount"] == len(slugs)
    return sorted(slugs)


@pytest.fixture
async def odd_regions(databases: Databases) -> tuple[str, list[str]]:
    """A curated database whose first four bodies (by slug) are in ODD_REGIONS."""
    url = await databases.fresh("curated")
    target = snapshot_of(read_dataset(DEFAULT_DATASET))
    slugs = sorted(target["organizations"])[:4]
    for n, slug in enumerate(slugs):
        target["organizations"][slug]["regions"] = ODD_REGIONS[n]
    engine = create_engine(Settings(database_url=url))
    try:
        await load(engine, target)
    finally:
        await engine.dispose()
    return url, slugs


@pytest.mark.parametrize("typed", ["Ásia", "ásia", "ÁSIA", "A\u0301SIA", "a\u0301sia"])
async def test_an_accented_region_matches_in_any_case_and_any_composition(
    odd_regions: tuple[str, list[str]], typed: str
) -> None:
    url, slugs = odd_regions
    assert await bodies_in(url, typed) == sorted(slugs[:2])


async def test_full_width_letters_match_their_plain_letters(
    odd_regions: tuple[str, list[str]],
) -> None:
    url, _ = odd_regions
    assert await bodies_in(url, full_width("EUROPE")) == await bodies_in(url, "europe") != []


async def test_a_region_in_capitals_with_an_accented_capital_matches_in_lower_case(
    odd_regions: tuple[str, list[str]],
) -> None:
    url, slugs = odd_regions
    assert await bodies_in(url, "éurope") == [slugs[1]]
    assert await bodies_in(url, "Éurope") == [slugs[1]]


async def test_an_accent_is_not_dropped_asia_does_not_match_asia_with_an_accent(
    odd_regions: tuple[str, list[str]],
) -> None:
    url, slugs = odd_regions
    assert slugs[0] not in await bodies_in(url, "asia")
    assert await bodies_in(url, "europe") == await bodies_in(url, "EUROPE")
    assert slugs[1] not in await bodies_in(url, "europe")


@pytest.mark.parametrize("typed", ["Straße", "straße", "STRASSE", "strasse", "STRAẞE"])
async def test_german_sharp_s_matches_its_full_case_folding_ss(
    odd_regions: tuple[str, list[str]], typed: str
) -> None:
    url, slugs = odd_regions
    assert await bodies_in(url, typed) == [slugs[2]]


async def test_turkish_dotted_capital_i_folds_by_the_default_rule_not_the_turkish_one(
    odd_regions: tuple[str, list[str]],
) -> None:
    """Dotted capital I (U+0130) folds to "i" + a combining dot above (U+0307), the same on
    every engine; a plain "I" folds to "i" as in English. So "İzmir" is found by "İZMIR" and
    by "i" + dot + "zmir", but not by "izmir", nor by "İZMİR" as Turkish capitalises it (its
    second dotted capital is a dotted "i" the stored name does not have)."""
    url, slugs = odd_regions
    dotted_capital, dot_above = "\u0130", "\u0307"
    assert await bodies_in(url, f"{dotted_capital}ZMIR") == [slugs[3]]
    assert await bodies_in(url, f"i{dot_above}zmir") == [slugs[3]]
    assert await bodies_in(url, "izmir") == []
    assert await bodies_in(url, "IZMIR") == []
    assert await bodies_in(url, f"{dotted_capital}ZM{dotted_capital}R") == []


# --- the migration that added region_key ---------------------------------------------


async def test_the_migration_fills_region_keys_of_a_database_made_at_revision_0001(
    databases: Databases,
) -> None:
    url = await databases.empty()
    engine = create_engine(Settings(database_url=url), create=True)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _run_alembic(sync, "0001"))
            await conn.execute(
                sa.text(
                    "INSERT INTO organization (id, slug, name, category) "
                    "VALUES (1, 'old-body', 'Old Body', 'PARTNER')"
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO organization_region (organization_id, position, region) "
                    "VALUES (1, 0, 'Ásia'), (1, 1, 'Straße')"
                )
            )
            await conn.execute(sa.text("INSERT INTO dataset_revision (id, revision) VALUES (1, 1)"))
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _run_alembic(sync, "head"))
        async with engine.connect() as conn:
            keys = (
                await conn.execute(
                    sa.text("SELECT region, region_key FROM organization_region ORDER BY position")
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in keys] == [("Ásia", "ásia"), ("Straße", "strasse")]
    assert await bodies_in(url, "ÁSIA") == ["old-body"]
    assert await bodies_in(url, "STRASSE") == ["old-body"]


def _run_alembic(connection: Any, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def test_fold_is_idempotent_so_a_stored_key_folds_to_itself() -> None:
    for text in ("Ásia", "A\u0301SIA", "Straße", "İzmir", "ΣΊΣΥΦΟΣ", full_width("ASIA"), "ǰ"):
        assert fold(fold(text)) == fold(text)


# --- search ----------------------------------------------------------------------------

SEARCHED = """
query ($q: String!) {
  organizations(filter: {search: $q}) { edges { node { slug } } }
  search(query: $q, first: 1) { ... on Organization { slug } }
}"""


@pytest.fixture
async def odd_names(databases: Databases) -> tuple[str, str]:
    """A curated database whose first body (by slug) has an accented acronym and name."""
    url = await databases.fresh("curated")
    target = snapshot_of(read_dataset(DEFAULT_DATASET))
    slug = sorted(target["organizations"])[0]
    body = target["organizations"][slug]
    body.update(acronym="ÅBÇ", name="Straße Ärztekammer Øresund", description="Ñandú İzmir")
    engine = create_engine(Settings(database_url=url))
    try:
        await load(engine, target)
    finally:
        await engine.dispose()
    return url, slug


@pytest.mark.parametrize(
    "typed",
    ["straße", "STRASSE", "Strasse", "ärztekammer", "ARZTEKAMMER", "nandu", "ÑANDÚ", "izmir"],
)
async def test_search_finds_accented_and_sharp_s_words_in_any_case_with_or_without_accents(
    odd_names: tuple[str, str], typed: str
) -> None:
    url, slug = odd_names
    async with paired(url) as pair:
        outcome = await pair.compare(SEARCHED, {"q": typed}, compiles=None)
    edges = outcome.data["organizations"]["edges"]
    assert slug in [edge["node"]["slug"] for edge in edges]


@pytest.mark.parametrize("typed", ["ÅBÇ", "åbç", "abc", "ABC"])
async def test_an_accented_acronym_ranks_first_however_it_is_typed(
    odd_names: tuple[str, str], typed: str
) -> None:
    url, slug = odd_names
    async with paired(url) as pair:
        outcome = await pair.compare(SEARCHED, {"q": typed}, compiles=None)
    assert outcome.data["search"] == [{"slug": slug}]
