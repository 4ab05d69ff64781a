"""Graph questions, each one SQL statement: the shortest paths between two organizations,
and the neighbourhood of one (docs/graph.md is the contract).

They walk `graph_tie` (service/data/ties.py: every tie, both directions, rolled up, kept by
the loader), one indexed hop at a time, narrowed by the question's `via`, `agreementKinds`
and `asOf`. A breadth-first search runs as a recursive CTE over (organization, depth) rows,
which both engines deduplicate; a path question searches from `to`, then walks the
shortest-path DAG forward from `from`, one unrolled level per hop, keeping at each level
only the prefixes that sort first (any of them extends to a full path, so the first `first`
paths are never cut). The tie a step names is chosen only for the steps returned.

Every value a client gives is a bound parameter; the statement's text depends only on the
question's shape (whether it narrows kinds, agreement kinds or years, and how many hops).
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.models import ORGANIZATION_TABLE, AgreementKind
from service.data.queries import SERVED
from service.data.standing import AS_OF, as_sql, organization_stands
from service.data.ties import NO_ID, TieKind, bytewise

__all__ = ["ALL_KINDS", "MAX_HOPS", "Question", "TieKind", "neighborhood", "paths"]

MAX_HOPS = 6
ALL_KINDS = frozenset(TieKind)
# What an Organization is built from: the columns the API serves, as the other reads fetch.
ORGANIZATION_COLUMNS = tuple(SERVED["Organization"](ORGANIZATION_TABLE))
TIE_COLUMNS = ("kind", "agreement_id", "person_id", "seat_a", "seat_b")


@dataclass(frozen=True)
class Question:
    """What narrows the ties: the kinds allowed, the agreement kinds (None: all), a year."""

    kinds: frozenset[TieKind] = ALL_KINDS
    agreement_kinds: frozenset[AgreementKind] | None = None
    as_of: int | None = None

    def follows(self, t: str) -> str:
        """The condition on the tie `t` (a graph_tie alias) that the question follows it."""
        conditions = ["1 = 1"]
        if self.kinds != ALL_KINDS:
            conditions.append(f"{t}.kind IN :kinds")
        if self.agreement_kinds is not None and TieKind.AGREEMENT in self.kinds:
            conditions.append(
                f"({t}.kind <> {TieKind.AGREEMENT:d} OR {t}.agreement_kind IN :agreement_kinds)"
            )
        if self.as_of is not None:
            conditions.append(f"({t}.since IS NULL OR {t}.since <= :as_of)")
        return " AND ".join(conditions)

    def parameters(self, **values: Any) -> dict[str, Any]:
        parameters = dict(values)
        if self.kinds != ALL_KINDS:
            parameters["kinds"] = sorted(int(kind) for kind in self.kinds)
        if self.agreement_kinds is not None and TieKind.AGREEMENT in self.kinds:
            parameters["agreement_kinds"] = sorted(kind.value for kind in self.agreement_kinds)
        if self.as_of is not None:
            parameters["as_of"] = self.as_of
        return parameters

    def bind(self, statement: sa.TextClause) -> sa.TextClause:
        expanding: list[sa.BindParameter[Any]] = [
            sa.bindparam(name, expanding=True)
            for name in ("kinds", "agreement_kinds")
            if f":{name}" in statement.text
        ]
        return statement.bindparams(*expanding) if expanding else statement


def _start(slug: str, question: Question) -> str:
    """The id of the body named by the parameter `slug`, if it stands in the question's year."""
    o = ORGANIZATION_TABLE.alias("so")
    start = sa.select(o.c.id).where(o.c.slug == sa.bindparam(slug))
    if question.as_of is not None:
        start = start.where(organization_stands(o, AS_OF))
    return as_sql(start)


def _reach(question: Question, start: str, hops: str) -> str:
    """Breadth-first search from the body with slug parameter `start`: (node, depth) rows,
    every depth a node is reached at up to `hops` (UNION keeps each pair once); and each
    node's distance. A tie stands only where both its ends do, so the walk never leaves the
    bodies standing in the question's year."""
    return (
        f"reach(node, depth) AS (SELECT id, 0 FROM ({_start(start, question)}) s "
        "UNION SELECT t.b, r.depth + 1 FROM reach r JOIN graph_tie t ON t.a = r.node "
        f"WHERE r.depth < :{hops} AND {question.follows('t')}),\n"
        "distance(node, d) AS (SELECT node, min(depth) FROM reach GROUP BY node)"
    )


def _tie_order(t: str, dialect: str) -> str:
    """Parallel ties: by kind, then agreements by year (undated last), then by key."""
    return f"{t}.kind, {t}.year IS NULL, {t}.year, {bytewise(t + '.key', dialect)}"


def in_order(dialect: str) -> str:
    """A join SQLite must plan in the order written: from the few bodies in hand to their
    ties by the walk index. Left to choose, it would start from a large distance layer and
    build a throwaway index over every tie. (PostgreSQL plans joins by its statistics.)"""
    return "CROSS JOIN" if dialect == "sqlite" else "JOIN"


def _organization(alias: str, prefix: str = "") -> str:
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in ORGANIZATION_COLUMNS)


def path_statement(dialect: str, question: Question, max_hops: int) -> sa.TextClause:
    """Rows: the two endpoints (path_no NULL, position 0 for `from`, 1 for `to`), then each
    returned path's organizations by (path_no, position), with the tie that led to each
    (tie columns NULL at position 0). Parameters: source, target (slugs), first, max_hops,
    and the question's."""
    levels = [
        f"p0 AS MATERIALIZED (SELECT o.id AS node, {bytewise('o.slug', dialect)} AS key, "
        "o.id AS n0 FROM organization o WHERE o.slug = :source "
        "AND o.id IN (SELECT node FROM distance))",
        # How many ties the shortest paths take; no level beyond it is read.
        "goal(length) AS MATERIALIZED (SELECT d FROM distance WHERE node = (SELECT n0 FROM p0))",
    ]
    key = bytewise("p.key || ' ' || o.slug", dialect)
    then = in_order(dialect)
    for i in range(max_hops):
        carried = ", ".join(f"p.n{k}" for k in range(i + 1))
        levels.append(
            f"p{i + 1} AS MATERIALIZED (SELECT DISTINCT t.b AS node, {key} AS key, {carried}, "
            f"t.b AS n{i + 1} FROM goal g {then} p{i} p ON {i + 1} <= g.length "
            f"{then} graph_tie t ON t.a = p.node "
            f"{then} distance dd ON dd.node = t.b AND dd.d = g.length - {i + 1} "
            f"{then} organization o ON o.id = t.b WHERE {question.follows('t')} "
            "ORDER BY key LIMIT :first)"
        )
    target = "(SELECT node FROM distance WHERE d = 0)"
    complete = " UNION ALL ".join(
        f"SELECT key, {i} AS length, "
        + ", ".join(f"n{k}" if k <= i else NO_ID for k in range(max_hops + 1))
        + f" FROM p{i} WHERE node = {target}"
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
    no_tie = ", ".join(f"{NO_ID} AS {name}" for name in TIE_COLUMNS)
    text = f"""WITH RECURSIVE
{_reach(question, "target", "max_hops")},
{",\n".join(levels)},
complete(key, length, {ids}) AS ({complete}),
paths AS (SELECT ROW_NUMBER() OVER (ORDER BY key) AS path_no, length, {ids}
  FROM (SELECT * FROM complete ORDER BY key LIMIT :first) c),
positions(position) AS ({positions}),
steps AS (SELECT pa.path_no, pa.length, ps.position, {position} AS node, {previous} AS prior
  FROM paths pa JOIN positions ps ON ps.position <= pa.length),
chosen AS (SELECT st.path_no, st.position, t.kind, t.agreement_id, t.person_id, t.seat_a,
  t.seat_b, ROW_NUMBER() OVER (PARTITION BY st.path_no, st.position
  ORDER BY {_tie_order("t", dialect)}) AS n
  FROM steps st JOIN graph_tie t ON t.a = st.prior AND t.b = st.node
  WHERE {question.follows("t")})
SELECT {NO_ID} AS path_no, {NO_ID} AS length, e.position, {_organization("o")}, {no_tie}
  FROM (SELECT 0 AS position, CAST(:source AS TEXT) AS slug UNION ALL SELECT 1, :target) e
  JOIN organization o ON o.slug = e.slug
UNION ALL
SELECT st.path_no, st.length, st.position, {_organization("o")},
  c.kind, c.agreement_id, c.person_id, c.seat_a, c.seat_b
  FROM steps st JOIN organization o ON o.id = st.node
  LEFT JOIN chosen c ON c.path_no = st.path_no AND c.position = st.position AND c.n = 1
ORDER BY 1, 3"""
    return question.bind(sa.text(text))


def neighborhood_statement(dialect: str, question: Question, *, after: bool) -> sa.TextClause:
    """Rows: one per neighbour on the page, nearest first then by slug, with the tie that
    first reached it (and the organization it came from, its columns prefixed `from_`), and
    on every row `total` (the neighbourhood's size) and `known` (1 if the slug exists); a
    single row of NULLs but those when the page is empty. Parameters: source (a slug), hops,
    limit, (with `after`) after_d and after_slug, and the question's."""
    slug = bytewise("o.slug", dialect)
    keyset = (
        f" AND (nb.d > :after_d OR (nb.d = :after_d AND {slug} > :after_slug))" if after else ""
    )
    then = in_order(dialect)
    # The tie that reached a neighbour, read from the neighbour's side (its mirror row), so
    # the walk index serves it: `from` is t.b, and each side's seat swaps.
    text = f"""WITH RECURSIVE
{_reach(question, "source", "hops")},
page AS (SELECT nb.node, nb.d, o.slug FROM distance nb JOIN organization o ON o.id = nb.node
  WHERE nb.d > 0{keyset} ORDER BY nb.d, {slug} LIMIT :limit),
reached AS (SELECT pg.node, t.b AS near, t.kind, t.agreement_id, t.person_id,
  t.seat_b AS seat_a, t.seat_a AS seat_b, ROW_NUMBER() OVER (PARTITION BY pg.node
  ORDER BY {bytewise("m.slug", dialect)}, {_tie_order("t", dialect)}) AS n
  FROM page pg {then} graph_tie t ON t.a = pg.node
  {then} distance near ON near.node = t.b AND near.d = pg.d - 1
  {then} organization m ON m.id = t.b WHERE {question.follows("t")}),
total(n, known) AS (SELECT count(*), (SELECT count(*) FROM organization WHERE slug = :source)
  FROM distance WHERE d > 0)
SELECT total.n AS total, total.known, pg.d AS distance, {_organization("o")},
  {_organization("fo", "from_")}, v.kind, v.agreement_id, v.person_id, v.seat_a, v.seat_b
  FROM total LEFT JOIN page pg ON 1 = 1
  LEFT JOIN organization o ON o.id = pg.node
  LEFT JOIN reached v ON v.node = pg.node AND v.n = 1
  LEFT JOIN organization fo ON fo.id = v.near
ORDER BY pg.d, {bytewise("pg.slug", dialect)}"""
    return question.bind(sa.text(text))


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
    parameters = question.parameters(source=source, target=target, first=first, max_hops=max_hops)
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
    parameters = question.parameters(source=source, hops=hops, limit=limit)
    if after is not None:
        parameters |= {"after_d": after[0], "after_slug": after[1]}
    rows = (await conn.execute(statement, parameters)).all()
    (first_row, *_) = rows  # the total's row is always there
    return Neighbourhood(
        bool(first_row.known), int(first_row.total), [row for row in rows if row.id is not None]
    )
