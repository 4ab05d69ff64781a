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
"""

from enum import IntEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.models import AgreementKind


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


def rebuild_sql(dialect: str) -> str:
    """One statement: every tie, both directions, rolled up, with its `since`."""
    # Each agreement's `since`, worked out once: the latest of its year, its parties' and
    # its established body's founding years.
    dated = (
        "party_years AS (SELECT pp.agreement_id, max(po.founded_year) AS founded "
        "FROM agreement_party pp JOIN organization po ON po.id = pp.organization_id "
        "GROUP BY pp.agreement_id), "
        "dated AS (SELECT ag.id, ag.slug, ag.kind, ag.year, ag.establishes_id, "
        f"{later(later('ag.year', 'py.founded'), 'eo.founded_year')} AS since "
        "FROM agreement ag LEFT JOIN party_years py ON py.agreement_id = ag.id "
        "LEFT JOIN organization eo ON eo.id = ag.establishes_id)"
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
    )  # fmt: skip
    for a, b in (("r.organization_id", "r.on_behalf_of_id"),
                 ("r.on_behalf_of_id", "r.organization_id")):  # fmt: skip
        branches.append(
            _row(a, b, TieKind.SEAT, "r.slug", NO_ID, person="r.person_id", seats=("r.id",))
            + " FROM representation r WHERE r.organization_id <> r.on_behalf_of_id"
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
    for a, b in (("u.id", "u.parent_id"), ("u.parent_id", "u.id")):  # units do not roll up
        rolled.append(
            _row(a, b, TieKind.UNIT, "u.slug", later("u.founded_year", "pa.founded_year"))
            + " FROM organization u JOIN organization pa ON pa.id = u.parent_id"
        )
    return (
        f"WITH {dated}, base AS ({' UNION ALL '.join(branches)}), ends AS ({ends}) "
        f"INSERT INTO graph_tie ({', '.join(COLUMNS)}) {' UNION ALL '.join(rolled)}"
    )


async def rebuild_ties(conn: AsyncConnection) -> None:
    """Derive every tie again from the tables, in the caller's transaction."""
    await conn.execute(sa.delete(GRAPH_TIE))
    await conn.execute(sa.text(rebuild_sql(conn.dialect.name)))


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
