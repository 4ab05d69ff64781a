"""Async data access for the API: every SQL statement the read path runs is built here.

Batch functions take many keys and return rows tagged with the key they belong to
(`owner`), ordered by (owner, child order) so they match the composite indexes; the
loaders split them per key. Rows are Core rows with only the columns the API serves:
no ORM objects are hydrated on the read path.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.models import (
    AGREEMENT_TABLE,
    INITIATIVE_ORGANIZATION_TABLE,
    INITIATIVE_TABLE,
    ORGANIZATION_SOURCE_TABLE,
    ORGANIZATION_TABLE,
    PARTY_TABLE,
    PERSON_TABLE,
    REGION_TABLE,
    REPRESENTATION_TABLE,
    AgreementKind,
)
from service.data.search_index import SEARCH_INDEX, fts5_match, tsquery

ORG = ORGANIZATION_TABLE
REGION = REGION_TABLE
ORG_SOURCE = ORGANIZATION_SOURCE_TABLE
AGREEMENT = AGREEMENT_TABLE
PARTY = PARTY_TABLE
PERSON = PERSON_TABLE
REPRESENTATION = REPRESENTATION_TABLE
INITIATIVE = INITIATIVE_TABLE
INITIATIVE_ORG = INITIATIVE_ORGANIZATION_TABLE

ORG_COLUMNS = (
    ORG.c.id, ORG.c.slug, ORG.c.name, ORG.c.acronym, ORG.c.category, ORG.c.description,
    ORG.c.founded_year, ORG.c.website, ORG.c.parent_id,
)  # fmt: skip
AGREEMENT_COLUMNS = (
    AGREEMENT.c.id, AGREEMENT.c.slug, AGREEMENT.c.kind, AGREEMENT.c.title, AGREEMENT.c.year,
    AGREEMENT.c.description, AGREEMENT.c.establishes_id, AGREEMENT.c.source_document,
    AGREEMENT.c.source_quote,
)  # fmt: skip
PERSON_COLUMNS = (PERSON.c.id, PERSON.c.slug, PERSON.c.name, PERSON.c.credentials)
REPRESENTATION_COLUMNS = (
    REPRESENTATION.c.id, REPRESENTATION.c.slug, REPRESENTATION.c.person_id,
    REPRESENTATION.c.organization_id, REPRESENTATION.c.on_behalf_of_id, REPRESENTATION.c.role,
    REPRESENTATION.c.designation, REPRESENTATION.c.source_document,
    REPRESENTATION.c.source_quote,
)  # fmt: skip
INITIATIVE_COLUMNS = (
    INITIATIVE.c.id, INITIATIVE.c.slug, INITIATIVE.c.name, INITIATIVE.c.kind,
    INITIATIVE.c.recurrence, INITIATIVE.c.year, INITIATIVE.c.description,
    INITIATIVE.c.source_document, INITIATIVE.c.source_quote,
)  # fmt: skip

Rows = Sequence[sa.Row[Any]]
TABLES = {
    "Organization": (ORG, ORG_COLUMNS),
    "Agreement": (AGREEMENT, AGREEMENT_COLUMNS),
    "Person": (PERSON, PERSON_COLUMNS),
    "Representation": (REPRESENTATION, REPRESENTATION_COLUMNS),
    "Initiative": (INITIATIVE, INITIATIVE_COLUMNS),
}


async def _all(conn: AsyncConnection, query: sa.Executable) -> Rows:
    return (await conn.execute(query)).all()


# --- lookups by key ---------------------------------------------------------------------


async def by_ids(conn: AsyncConnection, type_name: str, ids: Sequence[int]) -> Rows:
    table, columns = TABLES[type_name]
    return await _all(conn, sa.select(*columns).where(table.c.id.in_(ids)))


async def by_slugs(conn: AsyncConnection, type_name: str, slugs: Sequence[str]) -> Rows:
    table, columns = TABLES[type_name]
    return await _all(conn, sa.select(*columns).where(table.c.slug.in_(slugs)))


# --- organization relations -------------------------------------------------------------


def _scope(ids: Sequence[int]) -> sa.CTE:
    """(owner, member): each organization asked for, and each of its units, belongs to it."""
    itself = sa.select(ORG.c.id.label("owner"), ORG.c.id.label("member")).where(ORG.c.id.in_(ids))
    units = sa.select(ORG.c.parent_id.label("owner"), ORG.c.id.label("member")).where(
        ORG.c.parent_id.in_(ids)
    )
    return sa.union_all(itself, units).cte("scope")


async def units(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    query = (
        sa.select(ORG.c.parent_id.label("owner"), *ORG_COLUMNS)
        .where(ORG.c.parent_id.in_(ids))
        .order_by(ORG.c.parent_id, ORG.c.name, ORG.c.slug)
    )
    return await _all(conn, query)


async def regions(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    query = (
        sa.select(REGION.c.organization_id.label("owner"), REGION.c.region)
        .where(REGION.c.organization_id.in_(ids))
        .order_by(REGION.c.organization_id, REGION.c.position)
    )
    return await _all(conn, query)


async def sources(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    query = (
        sa.select(
            ORG_SOURCE.c.organization_id.label("owner"), ORG_SOURCE.c.document, ORG_SOURCE.c.quote
        )
        .where(ORG_SOURCE.c.organization_id.in_(ids))
        .order_by(ORG_SOURCE.c.organization_id, ORG_SOURCE.c.position)
    )
    return await _all(conn, query)


def _agreement_order() -> tuple[sa.ColumnElement[Any], ...]:
    """Chronological, undated agreements last, then by title: natural keys only, so the
    order never depends on the order rows were inserted in."""
    return (AGREEMENT.c.year.is_(None), AGREEMENT.c.year, AGREEMENT.c.title, AGREEMENT.c.slug)


def _seat_order() -> tuple[sa.ColumnElement[Any], ...]:
    """Primary seats before alternates before undesignated ones, then by person and body."""
    designation = sa.case(
        (REPRESENTATION.c.designation == "PRIMARY", 0),
        (REPRESENTATION.c.designation == "ALTERNATE", 1),
        else_=2,
    )
    return (designation, REPRESENTATION.c.slug)


async def agreements_of(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """Agreements to which an organization or one of its units is a party."""
    scope = _scope(ids)
    involved = (
        sa.select(scope.c.owner, PARTY.c.agreement_id)
        .join(PARTY, PARTY.c.organization_id == scope.c.member)
        .distinct()
        .subquery()
    )
    query = (
        sa.select(involved.c.owner, *AGREEMENT_COLUMNS)
        .join(AGREEMENT, AGREEMENT.c.id == involved.c.agreement_id)
        .order_by(involved.c.owner, *_agreement_order())
    )
    return await _all(conn, query)


async def parties(conn: AsyncConnection, agreement_ids: Sequence[int]) -> Rows:
    query = (
        sa.select(PARTY.c.agreement_id.label("owner"), *ORG_COLUMNS)
        .join(ORG, ORG.c.id == PARTY.c.organization_id)
        .where(PARTY.c.agreement_id.in_(agreement_ids))
        .order_by(PARTY.c.agreement_id, PARTY.c.position)
    )
    return await _all(conn, query)


async def cofounders(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """The parties to the co-founding that established each organization."""
    query = (
        sa.select(AGREEMENT.c.establishes_id.label("owner"), *ORG_COLUMNS)
        .join(PARTY, PARTY.c.agreement_id == AGREEMENT.c.id)
        .join(ORG, ORG.c.id == PARTY.c.organization_id)
        .where(
            AGREEMENT.c.kind == AgreementKind.CO_FOUNDING.value,
            AGREEMENT.c.establishes_id.in_(ids),
            PARTY.c.organization_id != AGREEMENT.c.establishes_id,
        )
        .distinct()
        .order_by(AGREEMENT.c.establishes_id, ORG.c.name, ORG.c.slug)
    )
    return await _all(conn, query)


async def cofounded(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """The organizations established by co-foundings each organization was a party to."""
    query = (
        sa.select(PARTY.c.organization_id.label("owner"), *ORG_COLUMNS)
        .join(AGREEMENT, AGREEMENT.c.id == PARTY.c.agreement_id)
        .join(ORG, ORG.c.id == AGREEMENT.c.establishes_id)
        .where(
            AGREEMENT.c.kind == AgreementKind.CO_FOUNDING.value,
            PARTY.c.organization_id.in_(ids),
        )
        .distinct()
        .order_by(PARTY.c.organization_id, ORG.c.name, ORG.c.slug)
    )
    return await _all(conn, query)


async def representatives(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """Seats at an organization or at one of its units."""
    scope = _scope(ids)
    query = (
        sa.select(scope.c.owner, *REPRESENTATION_COLUMNS)
        .join(REPRESENTATION, REPRESENTATION.c.organization_id == scope.c.member)
        .order_by(scope.c.owner, *_seat_order())
    )
    return await _all(conn, query)


async def delegates(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """Seats held on behalf of each organization, wherever they are."""
    query = (
        sa.select(REPRESENTATION.c.on_behalf_of_id.label("owner"), *REPRESENTATION_COLUMNS)
        .where(REPRESENTATION.c.on_behalf_of_id.in_(ids))
        .order_by(REPRESENTATION.c.on_behalf_of_id, *_seat_order())
    )
    return await _all(conn, query)


async def initiatives_of(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    """Initiatives of an organization or of one of its units."""
    scope = _scope(ids)
    involved = (
        sa.select(scope.c.owner, INITIATIVE_ORG.c.initiative_id)
        .join(INITIATIVE_ORG, INITIATIVE_ORG.c.organization_id == scope.c.member)
        .distinct()
        .subquery()
    )
    query = (
        sa.select(involved.c.owner, *INITIATIVE_COLUMNS)
        .join(INITIATIVE, INITIATIVE.c.id == involved.c.initiative_id)
        .order_by(involved.c.owner, INITIATIVE.c.name, INITIATIVE.c.slug)
    )
    return await _all(conn, query)


async def initiative_organizations(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    query = (
        sa.select(INITIATIVE_ORG.c.initiative_id.label("owner"), *ORG_COLUMNS)
        .join(ORG, ORG.c.id == INITIATIVE_ORG.c.organization_id)
        .where(INITIATIVE_ORG.c.initiative_id.in_(ids))
        .order_by(INITIATIVE_ORG.c.initiative_id, INITIATIVE_ORG.c.position)
    )
    return await _all(conn, query)


async def representations_of(conn: AsyncConnection, person_ids: Sequence[int]) -> Rows:
    query = (
        sa.select(REPRESENTATION.c.person_id.label("owner"), *REPRESENTATION_COLUMNS)
        .where(REPRESENTATION.c.person_id.in_(person_ids))
        .order_by(REPRESENTATION.c.person_id, *_seat_order())
    )
    return await _all(conn, query)


# --- full-text search -------------------------------------------------------------------


EXACT_KEY_BONUS = 1000.0  # far beyond any text score: typing an acronym finds that body first


def matching(dialect: str, terms: list[str], kind: str | None = None) -> sa.Select[Any]:
    """(kind, slug, rank) of the indexed nodes that match every term; lower rank is better."""
    rank: sa.ColumnElement[Any]
    condition: sa.ColumnElement[bool] | sa.TextClause
    exact = sa.case(
        (sa.func.lower(SEARCH_INDEX.c["keys"]) == " ".join(terms), EXACT_KEY_BONUS), else_=0.0
    )
    if dialect == "sqlite":
        # bm25 weights per column (kind, slug, keys, name, body): an acronym hit counts
        # most, then a name, then a description.
        rank = sa.func.bm25(sa.text("search_index"), 0.0, 0.0, 100.0, 10.0, 1.0) - exact
        condition = sa.text("search_index MATCH :match").bindparams(match=fts5_match(terms))
    else:
        query = sa.func.to_tsquery("english", tsquery(terms))
        document: sa.ColumnClause[Any] = sa.column("document")
        rank = -sa.func.ts_rank_cd(document, query) - exact
        condition = document.op("@@")(query)
    select = sa.select(SEARCH_INDEX.c.kind, SEARCH_INDEX.c.slug, rank.label("rank")).where(
        condition
    )
    return select.where(SEARCH_INDEX.c.kind == kind) if kind else select


async def search(conn: AsyncConnection, terms: list[str], limit: int) -> Rows:
    ranked = matching(conn.dialect.name, terms).subquery()
    query = (
        sa.select(ranked.c.kind, ranked.c.slug)
        .order_by(ranked.c.rank, ranked.c.kind, ranked.c.slug)
        .limit(limit)
    )
    return await _all(conn, query)


# --- connections ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: Rows
    has_next: bool
    has_previous: bool


async def count(conn: AsyncConnection, query: sa.Select[Any]) -> int:
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    return int((await conn.execute(counted)).scalar_one())


async def keyset_page(
    conn: AsyncConnection,
    query: sa.Select[Any],
    keys: Sequence[sa.ColumnElement[Any]],
    *,
    descending: bool,
    limit: int,
    after: Sequence[Any] | None,
    before: Sequence[Any] | None,
    backward: bool,
) -> Page:
    """One page of a filtered query under a total order on `keys` (the last key unique).

    Forward pages read LIMIT n+1 rows past `after`; backward pages read the order reversed
    before `before` and flip the rows back, so both directions cost one indexed query.
    """
    key_tuple = sa.tuple_(*keys)
    reverse = descending != backward
    if after is not None:
        bound = sa.tuple_(*(sa.literal(v) for v in after))
        query = query.where(key_tuple < bound if descending else key_tuple > bound)
    if before is not None:
        bound = sa.tuple_(*(sa.literal(v) for v in before))
        query = query.where(key_tuple > bound if descending else key_tuple < bound)
    ordering = [key.desc() if reverse else key.asc() for key in keys]
    rows = await _all(conn, query.order_by(*ordering).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        return Page(rows=rows[::-1], has_next=before is not None, has_previous=more)
    return Page(rows=rows, has_next=more, has_previous=after is not None)


def organizations_query(
    dialect: str,
    *,
    category: str | None,
    region: str | None,
    agreement_kind: str | None,
    terms: list[str] | None,
) -> sa.Select[Any]:
    query = sa.select(*ORG_COLUMNS)
    if category:
        query = query.where(ORG.c.category == category)
    if region:
        query = query.where(
            sa.exists().where(
                REGION.c.organization_id == ORG.c.id,
                sa.func.lower(REGION.c.region) == region.lower(),
            )
        )
    if agreement_kind:
        # As Organization.agreements: the body's own agreements and its units'.
        member = ORG.alias("member")
        query = query.where(
            sa.exists()
            .where(member.c.id == PARTY.c.organization_id)
            .where(sa.or_(member.c.id == ORG.c.id, member.c.parent_id == ORG.c.id))
            .where(AGREEMENT.c.id == PARTY.c.agreement_id, AGREEMENT.c.kind == agreement_kind)
        )
    if terms is not None:
        hits = matching(dialect, terms, "Organization").subquery()
        query = query.where(ORG.c.slug.in_(sa.select(hits.c.slug)))
    return query


def people_query(
    dialect: str, *, organization: str | None, terms: list[str] | None
) -> sa.Select[Any]:
    query = sa.select(*PERSON_COLUMNS)
    if organization is not None:
        seat_org = ORG.alias("seat_org")
        query = query.where(
            sa.exists()
            .where(REPRESENTATION.c.person_id == PERSON.c.id)
            .where(seat_org.c.id == REPRESENTATION.c.organization_id)
            .where(
                sa.or_(
                    seat_org.c.slug == organization,
                    seat_org.c.parent_id.in_(sa.select(ORG.c.id).where(ORG.c.slug == organization)),
                )
            )
        )
    if terms is not None:
        hits = matching(dialect, terms, "Person").subquery()
        query = query.where(PERSON.c.slug.in_(sa.select(hits.c.slug)))
    return query


def agreements_query(
    *, kind: str | None, year_from: int | None, year_to: int | None, party: str | None
) -> sa.Select[Any]:
    query = sa.select(*AGREEMENT_COLUMNS)
    if kind:
        query = query.where(AGREEMENT.c.kind == kind)
    if year_from is not None:
        query = query.where(AGREEMENT.c.year >= year_from)
    if year_to is not None:
        query = query.where(AGREEMENT.c.year <= year_to)
    if party is not None:
        query = query.where(
            sa.exists()
            .where(PARTY.c.agreement_id == AGREEMENT.c.id)
            .where(ORG.c.id == PARTY.c.organization_id, ORG.c.slug == party)
        )
    return query


async def dataset_revision(conn: AsyncConnection) -> int:
    result = await conn.execute(sa.text("SELECT revision FROM dataset_revision WHERE id = 1"))
    return int(result.scalar() or 0)
