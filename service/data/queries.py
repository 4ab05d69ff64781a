"""Async data access for the resolver path: every statement it runs is built here, the
relations' from their one definition in `service/data/relations.py`.

Batch functions take many keys and return rows tagged with the key they belong to
(`owner`), ordered by (owner, child order) so they match the composite indexes; the
loaders split them per key. Rows are Core rows with only the columns the API serves:
no ORM objects are hydrated on the read path. The compiled path renders the root
connections' filters, orders and pages and the search from the same builders.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import FromClause

from service.data.cancellation import execute_stoppable
from service.data.models import (
    AGREEMENT_TABLE,
    CHANGE_TABLE,
    INITIATIVE_TABLE,
    ORGANIZATION_SOURCE_TABLE,
    ORGANIZATION_TABLE,
    PARTY_TABLE,
    PERSON_TABLE,
    REGION_TABLE,
    REPRESENTATION_TABLE,
    REVISION_TABLE,
)
from service.data.relations import (
    RELATIONS,
    TABLES,
    Condition,
    Keyed,
    Linked,
    Values,
    anonymous,
    constant,
    scope,
    scope_pairs,
)
from service.data.search_index import (
    NAME_COLUMNS,
    NAME_WEIGHTS,
    SEARCH_INDEX,
    fts5_match,
    ts_query,
)
from service.data.standing import agreement_stands, organization_stands
from service.data.text import fold

ORG = ORGANIZATION_TABLE
REVISION = REVISION_TABLE
REGION = REGION_TABLE
AGREEMENT = AGREEMENT_TABLE
PARTY = PARTY_TABLE
PERSON = PERSON_TABLE
CHANGE = CHANGE_TABLE
REPRESENTATION = REPRESENTATION_TABLE

Rows = Sequence[sa.Row[Any]]
Served = Callable[[FromClause], dict[str, sa.ColumnElement[Any]]]


# Every record's edit state: its version and the editorial note its facts rest on, if any.
EDITED = " version editorial_note editorial_note_by"


def _organization(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    names = "id slug name acronym category description founded_year website parent_id" + EDITED
    return {name: t.c[name] for name in names.split()}


def _agreement(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    names = "id slug kind title year description establishes_id source_document source_quote"
    return {name: t.c[name] for name in (names + EDITED).split()}


def _person(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    names = "id slug name credentials source_document source_quote" + EDITED
    return {name: t.c[name] for name in names.split()}


def _representation(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    names = "id slug person_id organization_id on_behalf_of_id role source_document source_quote"
    served: dict[str, sa.ColumnElement[Any]] = {
        name: t.c[name] for name in (names + EDITED).split()
    }
    # An empty designation means none: the API serves null for it.
    served["designation"] = sa.func.nullif(t.c.designation, constant("")).label("designation")
    return served


def _initiative(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    names = "id slug name kind recurrence year description source_document source_quote"
    return {name: t.c[name] for name in (names + EDITED).split()}


def _initiative_participant(t: FromClause) -> dict[str, sa.ColumnElement[Any]]:
    return {name: t.c[name] for name in ("initiative_id", "organization_id", "role")}


SERVED: dict[str, Served] = {
    "Organization": _organization,
    "Agreement": _agreement,
    "Person": _person,
    "Representation": _representation,
    "Initiative": _initiative,
    "InitiativeParticipant": _initiative_participant,
}
assert set(SERVED) == set(TABLES)


def columns(type_name: str, t: FromClause | None = None) -> list[sa.ColumnElement[Any]]:
    """The columns the API serves of a type's rows (of `t`, an alias, or the table itself),
    by the names the GraphQL types read them by: nothing else is fetched."""
    return list(SERVED[type_name](TABLES[type_name] if t is None else t).values())


async def _all(conn: AsyncConnection, query: sa.Executable) -> Rows:
    """The rows of `query`; if the request is cancelled meanwhile (its time budget ran out),
    the statement is stopped in the database, not left running."""
    return (await execute_stoppable(conn, query, {})).all()


# --- lookups by key ---------------------------------------------------------------------


async def by_ids(conn: AsyncConnection, type_name: str, ids: Sequence[int]) -> Rows:
    table = TABLES[type_name]
    return await _all(conn, sa.select(*columns(type_name)).where(table.c.id.in_(ids)))


async def by_slugs(conn: AsyncConnection, type_name: str, slugs: Sequence[str]) -> Rows:
    table = TABLES[type_name]
    return await _all(conn, sa.select(*columns(type_name)).where(table.c.slug.in_(slugs)))


# --- relations, for many owners at once -------------------------------------------------


def related_query(relation: Values | Keyed | Linked, owners: Sequence[int]) -> sa.Select[Any]:
    """The rows of `relation` for every owner in `owners`, each tagged with its `owner` and
    ordered by (owner, the relation's order), as `service/data/relations.py` defines it."""
    if isinstance(relation, Values):
        key = relation.table.c[relation.key]
        values = (relation.table.c[name] for name in relation.columns)
        return (
            sa.select(key.label("owner"), *values)
            .where(key.in_(owners))
            .order_by(key, relation.table.c.position)
        )
    target = TABLES[relation.target].alias("target")
    served = columns(relation.target, target)
    if isinstance(relation, Keyed):
        key = target.c[relation.key]
        if relation.rolls_up:
            scope = scope_pairs(owners)
            owner = scope.c.owner
            query = sa.select(owner, *served).join(target, key == scope.c.member)
        else:
            owner = key.label("owner")
            query = sa.select(owner, *served).where(key.in_(owners))
        return query.order_by(owner, *relation.order(target))
    link = relation.link(anonymous)
    if relation.order is None:
        assert link.position is not None, "a link without its own order needs one"
        return (
            sa.select(link.owner.label("owner"), *served)
            .join(target, target.c.id == link.member)
            .where(*link.where, link.owner.in_(owners))
            .order_by(link.owner, link.position)
        )
    # Each target once per owner, however many links reach it.
    if relation.rolls_up:
        scope = scope_pairs(owners)
        pairs = sa.select(scope.c.owner, link.member.label("member")).join(
            scope, link.owner == scope.c.member
        )
    else:
        pairs = sa.select(link.owner.label("owner"), link.member.label("member")).where(
            link.owner.in_(owners)
        )
    involved = pairs.where(*link.where).distinct().subquery("involved")
    return (
        sa.select(involved.c.owner, *served)
        .join(target, target.c.id == involved.c.member)
        .order_by(involved.c.owner, *relation.order(target))
    )


async def related(
    conn: AsyncConnection, relation: Values | Keyed | Linked, owners: Sequence[int]
) -> Rows:
    return await _all(conn, related_query(relation, owners))


async def meeting(
    conn: AsyncConnection, target: str, condition: Condition, ids: Sequence[int], value: Any
) -> Rows:
    """The ids among `ids` of `target` rows that meet `condition` under `value`."""
    table = TABLES[target]
    query = sa.select(table.c.id).where(table.c.id.in_(ids), condition(table, sa.literal(value)))
    return await _all(conn, query)


# --- full-text search -------------------------------------------------------------------


TIER = 1_000_000  # a rank's tier times this, plus a length: more than any name is long


def _tier_of(dialect: str, terms: list[str]) -> sa.ColumnElement[bool] | sa.TextClause:
    """Whether every term occurs in the acronym or the name (tier 2)."""
    if dialect == "sqlite":
        return sa.text(
            "search_index.rowid IN (SELECT rowid FROM search_index WHERE search_index MATCH :names)"
        ).bindparams(names=fts5_match(terms, NAME_COLUMNS))
    return sa.column("document").op("@@")(ts_query(terms, NAME_WEIGHTS))


def matching(dialect: str, terms: list[str], kind: str | None = None) -> sa.Select[Any]:
    """(kind, slug, rank) of the indexed nodes that match every term; lower rank is better.
    The rank is the tier (search_index.py) times TIER, plus the length of the name (tiers
    0-2) or of the description (tier 3); the same numbers on both engines."""
    condition: sa.ColumnElement[bool] | sa.TextClause
    if dialect == "sqlite":
        condition = sa.text("search_index MATCH :match").bindparams(match=fts5_match(terms))
    else:
        condition = sa.column("document").op("@@")(ts_query(terms))
    index, exact = SEARCH_INDEX.c, " ".join(terms)
    name_length = sa.func.length(index.name)
    rank = sa.case(
        (index["keys"] == exact, name_length),
        (index.name == exact, TIER + name_length),
        (_tier_of(dialect, terms), 2 * TIER + name_length),
        else_=3 * TIER + sa.func.coalesce(sa.func.length(index.body), 0),
    )
    select = sa.select(index.kind, index.slug, rank.label("rank")).where(condition)
    return select.where(index.kind == kind) if kind else select


def search_query(dialect: str, terms: list[str], limit: int) -> sa.Select[Any]:
    """The best `limit` hits, best first; ties by kind and slug, so the order is total."""
    ranked = matching(dialect, terms).subquery("ranked")
    return (
        sa.select(ranked.c.kind, ranked.c.slug, ranked.c.rank)
        .order_by(ranked.c.rank, ranked.c.kind, ranked.c.slug)
        .limit(constant(limit))
    )


async def search(conn: AsyncConnection, terms: list[str], limit: int) -> Rows:
    return await _all(conn, search_query(conn.dialect.name, terms, limit))


# --- connections ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ordering:
    """A total order of a connection: `keys` end in a unique column; `types` are their Python
    types (a cursor's values are checked against them); `name` ties cursors to it."""

    name: str
    keys: tuple[sa.ColumnElement[Any], ...]
    types: tuple[type, ...]
    descending: bool = False

    def key_columns(self) -> list[sa.Label[Any]]:
        """The keys as columns k0, k1, ... of a page's rows, which cursors are made of."""
        return [key.label(f"k{n}") for n, key in enumerate(self.keys)]


NO_YEAR = 10_000  # sorts undated organizations after every real year, either way round


def organization_ordering(field: str, direction: str) -> Ordering:
    """By NAME or FOUNDED_YEAR (undated last), ASC or DESC; ties by name, then slug."""
    descending = direction == "DESC"
    if field == "NAME":
        name = f"organizations:name:{direction}"
        return Ordering(name, (ORG.c.name, ORG.c.slug), (str, str), descending)
    no_year = -NO_YEAR if descending else NO_YEAR
    year = sa.func.coalesce(ORG.c.founded_year, constant(no_year))
    name = f"organizations:founded_year:{direction}"
    return Ordering(name, (year, ORG.c.name, ORG.c.slug), (int, str, str), descending)


PEOPLE_BY_NAME = Ordering("people:name", (PERSON.c.name, PERSON.c.slug), (str, str))
AGREEMENTS_BY_TITLE = Ordering(
    "agreements:title", (AGREEMENT.c.title, AGREEMENT.c.slug), (str, str)
)


@dataclass(frozen=True)
class Page:
    rows: Rows
    has_next: bool
    has_previous: bool


def count_query(query: sa.Select[Any]) -> sa.Select[Any]:
    """How many rows `query` selects: its own FROM and WHERE, counted (no subquery)."""
    return query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)


async def count(conn: AsyncConnection, query: sa.Select[Any]) -> int:
    return int((await conn.execute(count_query(query))).scalar_one())


@dataclass(frozen=True)
class Window:
    """Which page of a connection to read: at most `limit` rows past `after`, or (when
    `backward`) the last `limit` rows before `before`; bounds are sort-key values."""

    limit: int
    after: Sequence[Any] | None = None
    before: Sequence[Any] | None = None
    backward: bool = False


def keyset_query(query: sa.Select[Any], ordering: Ordering, window: Window) -> sa.Select[Any]:
    """One page of a filtered query under `ordering`, read LIMIT n+1 rows (the extra row says
    whether there is more) with its keys as k0, k1, ...: forward pages past `after`,
    backward pages in reverse before `before`, so both directions cost one indexed read."""
    key_tuple = sa.tuple_(*ordering.keys)
    descending = ordering.descending
    if window.after is not None:
        bound = sa.tuple_(*(sa.literal(v) for v in window.after))
        query = query.where(key_tuple < bound if descending else key_tuple > bound)
    if window.before is not None:
        bound = sa.tuple_(*(sa.literal(v) for v in window.before))
        query = query.where(key_tuple > bound if descending else key_tuple < bound)
    reverse = descending != window.backward
    reading = [key.desc() if reverse else key.asc() for key in ordering.keys]
    # The page size is part of the statement's text, as a literal: a generic plan cannot
    # then mistake a 101-row page for an unbounded read.
    rows = constant(window.limit + 1)
    return query.add_columns(*ordering.key_columns()).order_by(*reading).limit(rows)


async def keyset_page(
    conn: AsyncConnection, query: sa.Select[Any], ordering: Ordering, window: Window
) -> Page:
    rows = await _all(conn, keyset_query(query, ordering, window))
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    if window.backward:
        return Page(rows=rows[::-1], has_next=window.before is not None, has_previous=more)
    return Page(rows=rows, has_next=more, has_previous=window.after is not None)


def organizations_query(
    dialect: str,
    *,
    category: str | None,
    region: str | None,
    agreement_kind: str | None,
    terms: list[str] | None,
    as_of: int | None = None,
) -> sa.Select[Any]:
    """Organizations under the root connection's filter; an empty region is no condition."""
    query = sa.select(*columns("Organization"))
    if as_of is not None:
        query = query.where(organization_stands(ORG, sa.literal(as_of)))
    if category:
        query = query.where(ORG.c.category == category)
    if region:
        query = query.where(
            sa.exists().where(
                REGION.c.organization_id == ORG.c.id,
                REGION.c.region_key == fold(region),
            )
        )
    if agreement_kind:
        # As Organization.agreements counts them: the body's own agreements and its units'.
        link = RELATIONS[("Organization", "agreements")]
        assert isinstance(link, Linked)
        party = link.link(anonymous)
        of_kind = sa.select(AGREEMENT.c.id).where(AGREEMENT.c.kind == agreement_kind)
        query = query.where(
            sa.exists(
                party.members(party.owner.in_(scope(ORG.c.id))).where(party.member.in_(of_kind))
            )
        )
    if terms is not None:
        hits = matching(dialect, terms, "Organization").subquery()
        query = query.where(ORG.c.slug.in_(sa.select(hits.c.slug)))
    return query


def people_query(
    dialect: str, *, organization: str | None, terms: list[str] | None
) -> sa.Select[Any]:
    """People under the root connection's filter: `organization` as its `representatives`
    counts seats (at the body or one of its units)."""
    query = sa.select(*columns("Person"))
    if organization is not None:
        seat = REPRESENTATION.alias("seat")
        body = sa.select(ORG.c.id).where(ORG.c.slug == organization).scalar_subquery()
        query = query.where(
            sa.exists().where(
                seat.c.person_id == PERSON.c.id, seat.c.organization_id.in_(scope(body))
            )
        )
    if terms is not None:
        hits = matching(dialect, terms, "Person").subquery()
        query = query.where(PERSON.c.slug.in_(sa.select(hits.c.slug)))
    return query


def agreements_query(
    *,
    kind: str | None,
    year_from: int | None,
    year_to: int | None,
    party: str | None,
    as_of: int | None = None,
) -> sa.Select[Any]:
    query = sa.select(*columns("Agreement"))
    if as_of is not None:
        query = query.where(agreement_stands(AGREEMENT, sa.literal(as_of)))
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


# --- the dataset as a whole -------------------------------------------------------------


async def dataset_state(conn: AsyncConnection) -> tuple[int, datetime | None]:
    """The revision and the time of the load that last changed the data (UTC; none before
    the first load, or for a load made before the time was kept)."""
    row = (
        await conn.execute(sa.select(REVISION.c.revision, REVISION.c.loaded_at).limit(1))
    ).first()
    if row is None:
        return 0, None
    loaded_at: datetime | None = row.loaded_at
    if loaded_at is not None:  # SQLite hands back the UTC time without its zone
        loaded_at = loaded_at.replace(tzinfo=UTC) if loaded_at.tzinfo is None else loaded_at
        loaded_at = loaded_at.astimezone(UTC)
    return int(row.revision), loaded_at


async def source_documents(conn: AsyncConnection) -> Rows:
    """(document, quotes) for every source document the stored excerpts cite, by name."""
    cited = sa.union_all(
        sa.select(ORGANIZATION_SOURCE_TABLE.c.document.label("document")),
        *(
            sa.select(table.c.source_document).where(table.c.source_quote.is_not(None))
            for table in (AGREEMENT, REPRESENTATION, INITIATIVE_TABLE)
        ),
    ).subquery("cited")
    query = (
        sa.select(cited.c.document, sa.func.count().label("quotes"))
        .where(cited.c.document.is_not(None))
        .group_by(cited.c.document)
        .order_by(cited.c.document)
    )
    return await _all(conn, query)


# --- the audit trail --------------------------------------------------------------------

CHANGE_COLUMNS = [
    "id",
    "at",
    "actor",
    "operation",
    "record_type",
    "record_slug",
    "version",
    "before",
    "after",
    "evidence_document",
    "evidence_quote",
    "editorial_note",
    "request_id",
    "reverts",
]
# Oldest first: a log a client reads on from its last cursor (`after`).
CHANGES_BY_ID = Ordering("changes:id", (CHANGE.c.id,), (int,))


def changes_query(
    *,
    record_type: str | None = None,
    record: tuple[str, str] | None = None,
    actor: str | None = None,
    operation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> sa.Select[Any]:
    """Audit entries meeting every condition given: `since` inclusive, `until` exclusive
    (UTC); `record` is one record's (type, slug). Each condition has its index:
    (record_type, record_slug, id), (actor, id), (at, id)."""
    query = sa.select(*(CHANGE.c[name] for name in CHANGE_COLUMNS))
    if record_type is not None:
        query = query.where(CHANGE.c.record_type == record_type)
    if record is not None:
        query = query.where(CHANGE.c.record_type == record[0], CHANGE.c.record_slug == record[1])
    if actor is not None:
        query = query.where(CHANGE.c.actor == actor)
    if operation is not None:
        query = query.where(CHANGE.c.operation == operation)
    if since is not None:
        query = query.where(CHANGE.c.at >= since)
    if until is not None:
        query = query.where(CHANGE.c.at < until)
    return query


async def changes_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> Rows:
    return await _all(conn, changes_query().where(CHANGE.c.id.in_(ids)))
