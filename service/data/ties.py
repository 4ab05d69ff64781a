"""The ties between organizations (docs/graph.md), derived from the tables and stored, both
directions, in `graph_tie`: rebuilt by the seed loader in the same transaction as the data
(as the search index is), so the graph questions walk an indexed table one hop at a time
instead of deriving every tie of the directory for each question.

Each row is one tie as a question sees it, already rolled up from a unit to its parent, with
what narrows it: its `kind` (TieKind, also its rank among parallel ties), the agreement's
kind, and `since`, the latest year among the dated facts it rests on (the agreement, every
party to it and the body it establishes, and the bodies at both ends, rolled up from or
not). By the rule of service/data/standing.py, a tie stands at the end of a year when
`since` is null (nothing dated) or not after it. `key` orders parallel ties of one kind.

An edit through the API does not rebuild them (about 10 s at 100,000 organizations): it
replaces the ties with an end in a set S of bodies (`refresh_ties`), rows of the same
statement restricted to the base ties of S's bodies and their units, so its cost follows
S's neighbourhood. `tie_ends` works S out so that every tie whose row the edit changes has
an end in it: the bodies at the base of each changed base tie (an organization itself and
its parents old and new; every body of an agreement; the body where a seat is), every body
of each agreement a changed founding year re-dates, and the parents of all of these, once
for the references before the write and once for those after. A tie of an agreement joins
two of its bodies, so the busiest of those may be left out (a hub party to an agreement
keeps its other ties); a seat's ties all start at the body where it is, so the body it is
held for (one hub for most seats) is never in S. Both directions are stored,
so the ties into S are the mirrors of those out of it.
"""

import json
from collections.abc import Collection, Mapping
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.models import AGREEMENT_TABLE, ORGANIZATION_TABLE, PARTY_TABLE, AgreementKind

ORG, AGREEMENT, PARTY = ORGANIZATION_TABLE, AGREEMENT_TABLE, PARTY_TABLE


class TieKind(IntEnum):
    """The kinds of tie, in the order a step prefers them (their rank)."""

    AGREEMENT = 0
    CO_FOUNDING = 1
    UNIT = 2
    SHARED_PERSON = 3
    SEAT = 4


GRAPH_TIE = sa.Table(
    "graph_tie",
    sa.MetaData(),
    sa.Column("a", sa.Integer, nullable=False),
    sa.Column("b", sa.Integer, nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("agreement_kind", sa.String(40)),
    sa.Column("year", sa.Integer),  # the agreement's, to order parallel agreements
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("agreement_id", sa.Integer),
    sa.Column("person_id", sa.Integer),
    sa.Column("seat_a", sa.Integer),  # the seat at a's side (a SEAT tie's one seat)
    sa.Column("seat_b", sa.Integer),  # the seat at b's side (SHARED_PERSON)
    sa.Column("since", sa.Integer),
    # One hop from a body: everything a search step reads, from the index alone.
    sa.Index("ix_graph_tie_walk", "a", "kind", "agreement_kind", "since", "b"),
    sa.Index("ix_graph_tie_pair", "a", "b"),
)

NO_ID = "CAST(NULL AS INTEGER)"  # typed: PostgreSQL cannot match an untyped NULL in a UNION
COLUMNS = (
    "a", "b", "kind", "agreement_kind", "year", "key", "agreement_id", "person_id", "seat_a",
    "seat_b", "since",
)  # fmt: skip


def later(first: str, second: str) -> str:
    """The later of two years, either of which may be unknown (SQLite's max() of a NULL is
    NULL, PostgreSQL's GREATEST skips it: neither is what an undated fact means)."""
    return (
        f"CASE WHEN {first} IS NULL THEN {second} WHEN {second} IS NULL THEN {first} "
        f"WHEN {first} > {second} THEN {first} ELSE {second} END"
    )


def bytewise(text: str, dialect: str) -> str:
    """Compare slugs by code point on both engines (PostgreSQL's default collation may
    ignore punctuation; SQLite's BINARY already compares bytes)."""
    return f'{text} COLLATE "C"' if dialect == "postgresql" else text


def _row(
    a: str, b: str, kind: TieKind, key: str, since: str, *, agreement: bool = False,
    person: str | None = None, seats: tuple[str, ...] = (),
) -> str:  # fmt: skip
    """A base tie's select list, in COLUMNS' order."""
    seat_a, seat_b = (*seats, NO_ID, NO_ID)[:2]
    values = (
        a, b, f"{kind:d}", "ag.kind" if agreement else "CAST(NULL AS VARCHAR(40))",
        "ag.year" if agreement else NO_ID, key, "ag.id" if agreement else NO_ID,
        person or NO_ID, seat_a, seat_b, since,
    )  # fmt: skip
    return "SELECT " + ", ".join(f"{v} AS {c}" for v, c in zip(values, COLUMNS, strict=True))


def member(column: str, name: str, dialect: str) -> str:
    """`column` is one of the ids bound as `:name` (see `bound`): on PostgreSQL an array,
    whose values the planner sees (a hub's id matches 200,000 seats, any other a few),
    so it probes the indexes instead of hashing whole tables; on SQLite a JSON array."""
    if dialect == "postgresql":
        return f"{column} = ANY(CAST(:{name} AS INTEGER[]))"
    return f"{column} IN (SELECT value FROM json_each(:{name}))"


def bound(ids: Collection[int], dialect: str) -> list[int] | str:
    """Ids as `member` binds them: any number of them, one parameter."""
    return sorted(ids) if dialect == "postgresql" else json.dumps(sorted(ids))


def rebuild_sql(dialect: str, *, scoped: bool = False) -> str:
    """One statement: every tie, both directions, rolled up, with its `since`. Scoped, only
    the ties with an end in `:ends`, each derived from the base ties of the bodies in reach
    of those ends alone (bound by `_reach`), so its cost follows their neighbourhood."""

    def among(column: str, name: str, joined: str = "AND") -> str:
        return f" {joined} {member(column, name, dialect)}" if scoped else ""

    # Each agreement's `since`, worked out once: the latest of its year, its parties' and
    # its established body's founding years.
    dated = (
        "party_years AS (SELECT pp.agreement_id, max(po.founded_year) AS founded "
        "FROM agreement_party pp JOIN organization po ON po.id = pp.organization_id"
        + among("pp.agreement_id", "chosen", "WHERE")
        + " GROUP BY pp.agreement_id), "
        "dated AS (SELECT ag.id, ag.slug, ag.kind, ag.year, ag.establishes_id, "
        f"{later(later('ag.year', 'py.founded'), 'eo.founded_year')} AS since "
        "FROM agreement ag LEFT JOIN party_years py ON py.agreement_id = ag.id "
        "LEFT JOIN organization eo ON eo.id = ag.establishes_id"
        f"{among('ag.id', 'chosen', 'WHERE')})"
    )
    agreement_since = "ag.since"
    branches = [
        _row("p1.organization_id", "p2.organization_id", TieKind.AGREEMENT, "ag.slug",
             agreement_since, agreement=True)
        + " FROM dated ag JOIN agreement_party p1 ON p1.agreement_id = ag.id "
        "JOIN agreement_party p2 ON p2.agreement_id = ag.id "
        "AND p2.organization_id <> p1.organization_id",
    ]  # fmt: skip
    for a, b in (("p.organization_id", "ag.establishes_id"),
                 ("ag.establishes_id", "p.organization_id")):  # fmt: skip
        branches.append(
            _row(a, b, TieKind.CO_FOUNDING, "ag.slug", agreement_since, agreement=True)
            + " FROM dated ag JOIN agreement_party p ON p.agreement_id = ag.id "
            f"WHERE ag.kind = '{AgreementKind.CO_FOUNDING.value}' "
            "AND ag.establishes_id IS NOT NULL AND p.organization_id <> ag.establishes_id"
        )
    low, high = bytewise("r1.slug", dialect), bytewise("r2.slug", dialect)
    pair = f"CASE WHEN {low} < {high} THEN r1.slug || ' ' || r2.slug ELSE r2.slug || ' ' || r1.slug END"  # noqa: E501
    branches.append(
        _row("r1.organization_id", "r2.organization_id", TieKind.SHARED_PERSON,
             f"pe.slug || ' ' || {pair}", NO_ID, person="r1.person_id", seats=("r1.id", "r2.id"))
        + " FROM representation r1 JOIN representation r2 ON r2.person_id = r1.person_id "
        "AND r2.organization_id <> r1.organization_id JOIN person pe ON pe.id = r1.person_id"
        + among("r1.person_id", "sitters", "WHERE")
    )  # fmt: skip
    for a, b in (("r.organization_id", "r.on_behalf_of_id"),
                 ("r.on_behalf_of_id", "r.organization_id")):  # fmt: skip
        branches.append(
            _row(a, b, TieKind.SEAT, "r.slug", NO_ID, person="r.person_id", seats=("r.id",))
            + " FROM representation r WHERE r.organization_id <> r.on_behalf_of_id"
            + among("r.id", "seats")
        )
    carried = "kind, agreement_kind, year, key, agreement_id, person_id, seat_a, seat_b"
    ends = (
        f"SELECT t.a, t.b, {', '.join(f't.{c}' for c in carried.split(', '))}, "
        f"{later(later('t.since', 'oa.founded_year'), 'ob.founded_year')} AS since, "
        "oa.parent_id AS pa, ob.parent_id AS pb, qa.founded_year AS fa, qb.founded_year AS fb "
        "FROM base t JOIN organization oa ON oa.id = t.a JOIN organization ob ON ob.id = t.b "
        "LEFT JOIN organization qa ON qa.id = oa.parent_id "
        "LEFT JOIN organization qb ON qb.id = ob.parent_id"
    )
    rolled = [
        f"SELECT a, b, {carried}, since FROM ends",
        f"SELECT pa, b, {carried}, {later('since', 'fa')} FROM ends "
        "WHERE pa IS NOT NULL AND pa <> b",
        f"SELECT a, pb, {carried}, {later('since', 'fb')} FROM ends "
        "WHERE pb IS NOT NULL AND pb <> a",
        f"SELECT pa, pb, {carried}, {later(later('since', 'fa'), 'fb')} FROM ends "
        "WHERE pa IS NOT NULL AND pb IS NOT NULL AND pa <> pb",
    ]
    if scoped:  # a rolled tie is kept when one of its ends is in scope
        rolled = [
            f"{select} {'AND' if 'WHERE' in select else 'WHERE'} "
            f"({member(a, 'ends', dialect)} OR {member(b, 'ends', dialect)})"
            for select, (a, b) in zip(
                rolled, (("a", "b"), ("pa", "b"), ("a", "pb"), ("pa", "pb")), strict=True
            )
        ]
    for a, b in (("u.id", "u.parent_id"), ("u.parent_id", "u.id")):  # units do not roll up
        rolled.append(
            _row(a, b, TieKind.UNIT, "u.slug", later("u.founded_year", "pa.founded_year"))
            + " FROM organization u JOIN organization pa ON pa.id = u.parent_id"
            + among("u.id", "reach", "WHERE")
        )
    return (
        f"WITH {dated}, base AS ({' UNION ALL '.join(branches)}), ends AS ({ends}) "
        f"INSERT INTO graph_tie ({', '.join(COLUMNS)}) {' UNION ALL '.join(rolled)}"
    )


async def rebuild_ties(conn: AsyncConnection) -> None:
    """Derive every tie again from the tables, in the caller's transaction."""
    await conn.execute(sa.delete(GRAPH_TIE))
    await conn.execute(sa.text(rebuild_sql(conn.dialect.name)))


# What each section's ties rest on, beyond the record's existence.
TIE_FIELDS = {
    "organizations": ("founded_year", "parent"),
    "agreements": ("kind", "year", "establishes", "parties"),
    "representations": ("person", "organization", "on_behalf_of"),
}


def _bases(section: str, slug: str, states: list[Mapping[str, Any]]) -> set[str]:
    """The bodies (slugs) every changed base tie has at one end, by the record's values:
    an organization's own ties and units; an agreement's ties join two of its bodies; a
    seat's ties (SEAT, and SHARED_PERSON with each other seat of its person) all start at
    the body where it is, so the body it is held for (one hub for most seats) is not
    needed."""
    if section == "organizations":
        return {slug, *(v["parent"] for v in states if v["parent"])}
    if section == "agreements":
        return {o for v in states for o in (*v["parties"], v["establishes"]) if o}
    return {v["organization"] for v in states}


async def tie_ends(
    conn: AsyncConnection,
    section: str,
    slug: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> set[int]:
    """The bodies, as the database now has them, at an end of every tie an edit of one
    record (its loader values before and after, None for absent) may change: the bases
    of the changed base ties, every body of each agreement whose `since` a changed
    founding year moves, and the parents of all of them (ties roll up one level). Called
    before and after the write, the union covers the record's old and new references.

    Each tie of an agreement joins two of its bodies, so all of them but one cover its
    ties: the one left out is the busiest (a hub's ties are then not rewritten for
    an agreement it is party to)."""
    fields = TIE_FIELDS.get(section)
    states = [v for v in (before, after) if v is not None]
    if fields is None or (len(states) == 2 and all(before[f] == after[f] for f in fields)):  # type: ignore[index]
        return set()
    named_slugs = sorted(_bases(section, slug, states))
    named = set(
        (await conn.execute(sa.select(ORG.c.id).where(ORG.c.slug.in_(named_slugs)))).scalars()
    )
    spread: set[int] = set()
    founded = [v.get("founded_year") for v in states]
    if section == "organizations" and (len(founded) < 2 or founded[0] != founded[1]):
        spread = await _redated(conn, slug)
    droppable = named if section == "agreements" else spread - named
    bases = (named | spread) - {await _busiest(conn, droppable)}
    rows = await conn.execute(
        sa.select(ORG.c.id, ORG.c.parent_id).where(ORG.c.id.in_(sorted(bases)))
    )
    return {end for row in rows.all() for end in row if end is not None}


async def _redated(conn: AsyncConnection, slug: str) -> set[int]:
    """Every body of the agreements an organization's founding year dates."""
    own = sa.select(ORG.c.id).where(ORG.c.slug == slug).scalar_subquery()
    agreements = sa.union(
        sa.select(PARTY.c.agreement_id).where(PARTY.c.organization_id == own),
        sa.select(AGREEMENT.c.id).where(AGREEMENT.c.establishes_id == own),
    ).subquery()
    bodies = sa.union(
        sa.select(PARTY.c.organization_id).where(
            PARTY.c.agreement_id.in_(sa.select(agreements.c[0]))
        ),
        sa.select(AGREEMENT.c.establishes_id).where(
            AGREEMENT.c.id.in_(sa.select(agreements.c[0])),
            AGREEMENT.c.establishes_id.is_not(None),
        ),
    )
    return set((await conn.execute(bodies)).scalars())


async def _busiest(
    conn: AsyncConnection, bodies: Collection[int], enough: int = 1000
) -> int | None:
    """The body with the most ties (counted up to `enough`, so a hub costs no more than
    any other), the first by id among equals; None for no bodies."""
    if not bodies:
        return None
    counts = sa.union_all(
        *(
            sa.select(sa.literal(body).label("body"), sa.func.count().label("ties")).select_from(
                sa.select(GRAPH_TIE.c.b).where(GRAPH_TIE.c.a == body).limit(enough).subquery()
            )
            for body in sorted(bodies)
        )
    ).subquery()
    found = await conn.execute(
        sa.select(counts.c.body).order_by(counts.c.ties.desc(), counts.c.body).limit(1)
    )
    return found.scalar()


async def _reach(conn: AsyncConnection, ends: Collection[int]) -> dict[str, Any]:
    """What the ties with an end in `ends` derive from, bound for the scoped statement: the
    ends and their units (whose ties roll up to them), the agreements with a party or an
    established body among those, the people with a seat at one, and the seats at or on
    behalf of one."""
    dialect = conn.dialect.name
    params: dict[str, Any] = {"ends": bound(ends, dialect)}
    units = await conn.execute(
        sa.text(f"SELECT id FROM organization WHERE {member('parent_id', 'ends', dialect)}"),
        params,
    )
    params["reach"] = bound({*ends, *units.scalars()}, dialect)
    found: dict[str, set[int]] = {"chosen": set(), "sitters": set(), "seats": set()}
    parts = (
        ("chosen", "agreement_id", "agreement_party", "organization_id"),
        ("chosen", "id", "agreement", "establishes_id"),
        ("sitters", "person_id", "representation", "organization_id"),
        ("seats", "id", "representation", "organization_id"),
        ("seats", "id", "representation", "on_behalf_of_id"),
    )
    rows = await conn.execute(
        sa.text(
            " UNION ALL ".join(
                f"SELECT '{name}', {column} FROM {table} WHERE {member(by, 'reach', dialect)}"
                for name, column, table, by in parts
            )
        ),
        params,
    )
    for name, found_id in rows.all():
        found[name].add(found_id)
    return {**params, **{name: bound(ids, dialect) for name, ids in found.items()}}


async def refresh_ties(conn: AsyncConnection, ends: Collection[int]) -> None:
    """Replace the ties with an end in `ends`, in the caller's transaction: what a full
    rebuild would store there, at the cost of their neighbourhood. Every tie whose
    derivation the caller changed must have an end in `ends` (see `tie_ends`)."""
    if not ends:
        return
    dialect = conn.dialect.name
    scope = await _reach(conn, ends)
    within = member("a", "ends", dialect)
    # The ties into the ends are the mirrors of those out of them (both directions are
    # stored), found by the pair index rather than a scan for `b`.
    await conn.execute(
        sa.text(
            f"DELETE FROM graph_tie WHERE (a, b) IN (SELECT b, a FROM graph_tie WHERE {within})"
        ),
        {"ends": scope["ends"]},
    )
    await conn.execute(sa.text(f"DELETE FROM graph_tie WHERE {within}"), {"ends": scope["ends"]})
    await conn.execute(sa.text(rebuild_sql(dialect, scoped=True)), scope)


async def settle_ties(engine: AsyncEngine) -> None:
    """After a rebuild commits, on PostgreSQL: VACUUM the ties, so the walk's index-only
    scans need not visit the table (until autovacuum came by, a 100,000-body neighbourhood
    took 1.3 s instead of 0.6 s). VACUUM cannot run inside a transaction; SQLite has no
    such map and needs nothing."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(sa.text("VACUUM (ANALYZE) graph_tie"))
