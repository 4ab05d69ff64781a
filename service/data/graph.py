"""Graph questions, each one SQL statement: the ties between organizations, the shortest
paths between two of them, and the neighbourhood of one (docs/graph.md is the contract).

The ties are derived, never stored: from agreements and their parties, co-foundings, units
and seats, as the question's `via`, `agreementKinds` and `asOf` allow, and rolled up from a
unit to its parent. A breadth-first search runs as a recursive CTE over (organization,
depth) rows, which both engines deduplicate; a path question then walks the shortest-path
DAG forward one unrolled level per hop, keeping at each level only the prefixes that sort
first (any of them extends to a full path, so the first `first` paths are never cut). The
ties a step names are chosen only for the steps returned, not for the whole graph.

Every value a client gives is a bound parameter; the statement's text depends only on the
question's shape (which kinds, whether dated, how many hops), so it is reused.
"""

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.models import AGREEMENT_TABLE, ORGANIZATION_TABLE, AgreementKind
from service.data.standing import AS_OF, agreement_stands, as_sql, organization_stands

MAX_HOPS = 6
# The question's bodies are named by slug, looked up inside the statement itself.
SOURCE = "(SELECT id FROM organization WHERE slug = :source)"
TARGET = "(SELECT id FROM organization WHERE slug = :target)"


class TieKind(IntEnum):
    """The kinds of tie, in the order a step prefers them (their rank in SQL)."""

    AGREEMENT = 0
    CO_FOUNDING = 1
    UNIT = 2
    SHARED_PERSON = 3
    SEAT = 4


ALL_KINDS = frozenset(TieKind)
ORGANIZATION_COLUMNS = (
    "id", "parent_id", "slug", "name", "acronym", "category", "description", "founded_year",
    "website",
)  # fmt: skip
TIE_COLUMNS = ("rank", "agreement_id", "person_id", "seat_a", "seat_b")


@dataclass(frozen=True)
class Question:
    """What narrows the ties: the kinds allowed, the agreement kinds (None: all), a year."""

    kinds: frozenset[TieKind] = ALL_KINDS
    agreement_kinds: frozenset[AgreementKind] | None = None
    as_of: int | None = None


class _Sql:
    """The pieces that differ between the engines."""

    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"

    def bytewise(self, text: str) -> str:
        """Compare slugs by code point on both engines (PostgreSQL's default collation may
        ignore punctuation; SQLite's BINARY already compares bytes)."""
        return f'{text} COLLATE "C"' if self.postgresql else text


def _ties(question: Question, sql: _Sql) -> str:
    """The CTEs `standing`, `agreements`, `owner`, `base` and `tie`: every tie, both
    directions, rolled up, as (a, b, rank, year, key, agreement_id, person_id, seat_a,
    seat_b). `key` orders ties of one kind between the same two bodies."""
    o, ag = ORGANIZATION_TABLE.alias("o"), AGREEMENT_TABLE.alias("ag")
    standing = sa.select(o.c.id, o.c.parent_id)
    agreements = sa.select(ag.c.id, ag.c.slug, ag.c.kind, ag.c.year, ag.c.establishes_id)
    if question.as_of is not None:
        standing = standing.where(organization_stands(o, AS_OF))
        agreements = agreements.where(agreement_stands(ag, AS_OF))
    branches: list[str] = []
    kinds = question.kinds
    assert kinds, "a question follows at least one kind of tie"
    if TieKind.AGREEMENT in kinds:
        narrowed = " AND ag.kind IN :agreement_kinds" if question.agreement_kinds else ""
        branches.append(
            _tie_row("p1.organization_id", "p2.organization_id", TieKind.AGREEMENT,
                     "ag.year", "ag.slug", agreement="ag.id")
            + " FROM agreements ag JOIN agreement_party p1 ON p1.agreement_id = ag.id "
            "JOIN agreement_party p2 ON p2.agreement_id = ag.id "
            f"AND p2.organization_id <> p1.organization_id{narrowed}"
        )  # fmt: skip
    if TieKind.CO_FOUNDING in kinds:
        for a, b in (("p.organization_id", "ag.establishes_id"),
                     ("ag.establishes_id", "p.organization_id")):  # fmt: skip
            branches.append(
                _tie_row(a, b, TieKind.CO_FOUNDING, "ag.year", "ag.slug", agreement="ag.id")
                + " FROM agreements ag JOIN agreement_party p ON p.agreement_id = ag.id "
                f"WHERE ag.kind = '{AgreementKind.CO_FOUNDING.value}' "
                "AND ag.establishes_id IS NOT NULL AND p.organization_id <> ag.establishes_id"
            )
    if TieKind.SHARED_PERSON in kinds:
        low, high = "r1.slug", "r2.slug"
        pair = (
            f"CASE WHEN {sql.bytewise(low)} < {sql.bytewise(high)} "
            f"THEN {low} || ' ' || {high} ELSE {high} || ' ' || {low} END"
        )
        branches.append(
            _tie_row("r1.organization_id", "r2.organization_id", TieKind.SHARED_PERSON, None,
                     f"pe.slug || ' ' || {pair}", person="r1.person_id", seats=("r1.id", "r2.id"))
            + " FROM representation r1 JOIN representation r2 ON r2.person_id = r1.person_id "
            "AND r2.organization_id <> r1.organization_id "
            "JOIN person pe ON pe.id = r1.person_id"
        )  # fmt: skip
    if TieKind.SEAT in kinds:
        for a, b in (("r.organization_id", "r.on_behalf_of_id"),
                     ("r.on_behalf_of_id", "r.organization_id")):  # fmt: skip
            branches.append(
                _tie_row(a, b, TieKind.SEAT, None, "r.slug", person="r.person_id", seats=("r.id",))
                + " FROM representation r WHERE r.organization_id <> r.on_behalf_of_id"
            )
    rolled = (
        "SELECT oa.owner AS a, ob.owner AS b, t.rank, t.year, t.key, t.agreement_id, "
        "t.person_id, t.seat_a, t.seat_b FROM base t "
        "JOIN owner oa ON oa.member = t.a JOIN owner ob ON ob.member = t.b "
        "WHERE oa.owner <> ob.owner"
    )
    tie_branches = [rolled] if branches else []
    if TieKind.UNIT in kinds:
        for a, b in (("u.id", "u.parent_id"), ("u.parent_id", "u.id")):
            tie_branches.append(
                _tie_row(a, b, TieKind.UNIT, None, "un.slug")
                + " FROM standing u JOIN standing pa ON pa.id = u.parent_id "
                "JOIN organization un ON un.id = u.id"
            )
    ctes = [
        f"standing AS ({as_sql(standing)})",
        f"agreements AS ({as_sql(agreements)})",
        # Whose ties a base tie is: each standing body's own, and its standing parent's.
        "owner(owner, member) AS (SELECT id, id FROM standing UNION ALL "
        "SELECT s.parent_id, s.id FROM standing s JOIN standing pa ON pa.id = s.parent_id)",
    ]
    if branches:
        ctes.append(
            "base(a, b, rank, year, key, agreement_id, person_id, seat_a, seat_b) AS ("
            + " UNION ALL ".join(branches)
            + ")"
        )
    ctes.append(
        "tie(a, b, rank, year, key, agreement_id, person_id, seat_a, seat_b) AS ("
        + " UNION ALL ".join(tie_branches)
        + ")"
    )
    return ",\n".join(ctes)


NO_ID = "CAST(NULL AS INTEGER)"  # typed: PostgreSQL cannot match an untyped NULL in a UNION


def _tie_row(
    a: str, b: str, kind: TieKind, year: str | None, key: str, *, agreement: str | None = None,
    person: str | None = None, seats: tuple[str, ...] = (),
) -> str:  # fmt: skip
    """A tie's select list: (a, b, rank, year, key, agreement_id, person_id, seat_a, seat_b)."""
    seat_a, seat_b = (*seats, NO_ID, NO_ID)[:2]
    values = (a, b, f"{kind:d}", year or NO_ID, key, agreement or NO_ID, person or NO_ID)
    names = ("a", "b", "rank", "year", "key", "agreement_id", "person_id", "seat_a", "seat_b")
    return "SELECT " + ", ".join(
        f"{value} AS {name}" for value, name in zip((*values, seat_a, seat_b), names, strict=True)
    )


def _reach(start: str, hops: str) -> str:
    """Breadth-first search from the organization id `start`: (node, depth) rows, every
    depth a node is reached at up to `hops` (UNION keeps each pair once)."""
    return (
        f"reach(node, depth) AS (SELECT id, 0 FROM standing WHERE id = {start} "
        "UNION SELECT t.b, r.depth + 1 FROM reach r JOIN tie t ON t.a = r.node "
        f"WHERE r.depth < {hops}),\n"
        "distance(node, d) AS (SELECT node, min(depth) FROM reach GROUP BY node)"
    )


def _tie_order(t: str, sql: _Sql) -> str:
    return f"{t}.rank, {t}.year IS NULL, {t}.year, {sql.bytewise(t + '.key')}"


def _organization(alias: str, prefix: str = "") -> str:
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in ORGANIZATION_COLUMNS)


def path_statement(dialect: str, question: Question, max_hops: int) -> sa.TextClause:
    """Rows: the two endpoints (path_no NULL, position 0 for `from`, 1 for `to`), then each
    returned path's organizations by (path_no, position), with the tie that led to each
    (tie columns NULL at position 0). Parameters: source, target, first, as_of,
    agreement_kinds."""
    sql = _Sql(dialect)
    levels = [
        f"p0 AS (SELECT s.id AS node, {sql.bytewise('o.slug')} AS key, s.id AS n0 "
        f"FROM standing s JOIN organization o ON o.id = s.id WHERE s.id = {SOURCE})"
    ]
    length = f"(SELECT d FROM distance WHERE node = {SOURCE})"
    key = "p.key || ' ' || o.slug"
    for i in range(max_hops):
        carried = ", ".join(f"p.n{k}" for k in range(i + 1))
        levels.append(
            f"p{i + 1} AS (SELECT DISTINCT t.b AS node, {sql.bytewise(key)} AS key, "
            f"{carried}, t.b AS n{i + 1} FROM p{i} p JOIN tie t ON t.a = p.node "
            f"JOIN distance dd ON dd.node = t.b AND dd.d = {length} - {i + 1} "
            f"JOIN organization o ON o.id = t.b "
            "ORDER BY key LIMIT :first)"
        )
    complete = " UNION ALL ".join(
        f"SELECT key, {i} AS length, "
        + ", ".join(f"n{k}" if k <= i else NO_ID for k in range(max_hops + 1))
        + f" FROM p{i} WHERE node = {TARGET}"
        for i in range(max_hops + 1)
    )
    ids = ", ".join(f"n{k}" for k in range(max_hops + 1))
    position = "CASE ps.position " + " ".join(
        f"WHEN {k} THEN pa.n{k}" for k in range(max_hops + 1)
    ) + " END"  # fmt: skip
    previous = "CASE ps.position " + " ".join(
        f"WHEN {k} THEN pa.n{k - 1}" for k in range(1, max_hops + 1)
    ) + " END" if max_hops else NO_ID  # fmt: skip
    positions = " UNION ALL ".join(f"SELECT {k}" for k in range(max_hops + 1))
    text = f"""WITH RECURSIVE
{_ties(question, sql)},
{_reach(TARGET, ":max_hops")},
{",\n".join(levels)},
complete(key, length, {ids}) AS ({complete}),
paths AS (SELECT ROW_NUMBER() OVER (ORDER BY key) AS path_no, length, {ids}
  FROM (SELECT * FROM complete ORDER BY key LIMIT :first) c),
positions(position) AS ({positions}),
steps AS (SELECT pa.path_no, pa.length, ps.position, {position} AS node, {previous} AS prior
  FROM paths pa JOIN positions ps ON ps.position <= pa.length),
chosen AS (SELECT st.path_no, st.position, t.rank, t.agreement_id, t.person_id, t.seat_a,
  t.seat_b, ROW_NUMBER() OVER (PARTITION BY st.path_no, st.position ORDER BY {_tie_order("t", sql)})
  AS n FROM steps st JOIN tie t ON t.a = st.prior AND t.b = st.node)
SELECT {NO_ID} AS path_no, {NO_ID} AS length, e.position, {_organization("o")},
  {", ".join(f"{NO_ID} AS {name}" for name in TIE_COLUMNS)}
  FROM (SELECT 0 AS position, CAST(:source AS TEXT) AS slug UNION ALL SELECT 1, :target) e
  JOIN organization o ON o.slug = e.slug
UNION ALL
SELECT st.path_no, st.length, st.position, {_organization("o")},
  c.rank, c.agreement_id, c.person_id, c.seat_a, c.seat_b
  FROM steps st JOIN organization o ON o.id = st.node
  LEFT JOIN chosen c ON c.path_no = st.path_no AND c.position = st.position AND c.n = 1
ORDER BY 1, 3"""
    return _bind(sa.text(text), question)


def neighborhood_statement(dialect: str, question: Question, *, after: bool) -> sa.TextClause:
    """Rows: one per neighbour on the page, nearest first then by slug, with the tie that
    first reached it (and the organization it came from, its columns prefixed `from_`), and
    on every row `total` (the neighbourhood's size) and `known` (1 if the slug exists); a
    single row of NULLs but those when the page is empty. Parameters: source, hops, limit, as_of,
    agreement_kinds, and (with `after`) after_d, after_slug."""
    sql = _Sql(dialect)
    slug = sql.bytewise("o.slug")
    keyset = (
        f" AND (nb.d > :after_d OR (nb.d = :after_d AND {slug} > :after_slug))" if after else ""
    )
    text = f"""WITH RECURSIVE
{_ties(question, sql)},
{_reach(SOURCE, ":hops")},
page AS (SELECT nb.node, nb.d, o.slug FROM distance nb JOIN organization o ON o.id = nb.node
  WHERE nb.d > 0{keyset} ORDER BY nb.d, {slug} LIMIT :limit),
reached AS (SELECT pg.node, t.a, t.rank, t.agreement_id, t.person_id, t.seat_a, t.seat_b,
  ROW_NUMBER() OVER (PARTITION BY pg.node ORDER BY {sql.bytewise("m.slug")}, {_tie_order("t", sql)})
  AS n FROM page pg JOIN tie t ON t.b = pg.node
  JOIN distance near ON near.node = t.a AND near.d = pg.d - 1
  JOIN organization m ON m.id = t.a),
total(n, known) AS (SELECT count(*), (SELECT count(*) FROM organization WHERE slug = :source)
  FROM distance WHERE d > 0)
SELECT total.n AS total, total.known, pg.d AS distance, {_organization("o")},
  {_organization("fo", "from_")}, v.rank, v.agreement_id, v.person_id, v.seat_a, v.seat_b
  FROM total LEFT JOIN page pg ON 1 = 1
  LEFT JOIN organization o ON o.id = pg.node
  LEFT JOIN reached v ON v.node = pg.node AND v.n = 1
  LEFT JOIN organization fo ON fo.id = v.a
ORDER BY pg.d, {sql.bytewise("pg.slug")}"""
    return _bind(sa.text(text), question)


def _bind(statement: sa.TextClause, question: Question) -> sa.TextClause:
    if question.agreement_kinds and TieKind.AGREEMENT in question.kinds:
        statement = statement.bindparams(sa.bindparam("agreement_kinds", expanding=True))
    return statement


def _parameters(question: Question, **values: Any) -> dict[str, Any]:
    parameters = dict(values)
    if question.as_of is not None:
        parameters["as_of"] = question.as_of
    if question.agreement_kinds and TieKind.AGREEMENT in question.kinds:
        parameters["agreement_kinds"] = sorted(kind.value for kind in question.agreement_kinds)
    return parameters


@dataclass(frozen=True)
class Found:
    """A path question's answer: the endpoints' rows (None for an unknown slug) and each
    returned path's rows in order, the first with no tie."""

    source: Any | None
    target: Any | None
    paths: list[list[Any]]


async def paths(
    conn: AsyncConnection, question: Question, source: str, target: str, *, max_hops: int,
    first: int,
) -> Found:  # fmt: skip
    """Every shortest path between the bodies with slugs `source` and `target`, one
    statement (see `path_statement`)."""
    statement = path_statement(conn.dialect.name, question, max_hops)
    parameters = _parameters(question, source=source, target=target, first=first, max_hops=max_hops)
    rows = (await conn.execute(statement, parameters)).all()
    ends = {row.position: row for row in rows if row.path_no is None}
    found: dict[int, list[Any]] = {}
    for row in rows:
        if row.path_no is not None:
            found.setdefault(row.path_no, []).append(row)
    return Found(ends.get(0), ends.get(1), [found[number] for number in sorted(found)])


@dataclass(frozen=True)
class Neighbourhood:
    known: bool  # whether the slug names an organization
    total: int
    rows: list[Any]


async def neighborhood(
    conn: AsyncConnection, question: Question, source: str, *, hops: int, limit: int,
    after: tuple[int, str] | None,
) -> Neighbourhood:  # fmt: skip
    """A page of the neighbourhood of the body with slug `source`, one statement."""
    statement = neighborhood_statement(conn.dialect.name, question, after=after is not None)
    parameters = _parameters(question, source=source, hops=hops, limit=limit)
    if after is not None:
        parameters |= {"after_d": after[0], "after_slug": after[1]}
    rows = (await conn.execute(statement, parameters)).all()
    (first_row, *_) = rows  # the total's row is always there
    return Neighbourhood(
        bool(first_row.known), int(first_row.total), [row for row in rows if row.id is not None]
    )
