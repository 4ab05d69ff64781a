"""The graph questions of docs/graph.md answered a second way, to check the service's answers.

The service answers `path` and `neighborhood` with one recursive SQL statement each. This
module reads the same rows with plain SELECTs, builds the ties in Python exactly as
docs/graph.md words them (base ties, the one-level roll-up, the `asOf` rule), and leaves the
graph search to networkx. Nothing here shares code with service/data: a mistake in the
service's SQL cannot be repeated here by construction.

Answers are rendered in the shape the GraphQL API returns (everything by slug), so a test
compares whole answers with `==`.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

# TieKind, in the order docs/graph.md gives (the first tie between two bodies wins by it).
KINDS = ("AGREEMENT", "CO_FOUNDING", "UNIT", "SHARED_PERSON", "SEAT")


@dataclass(frozen=True)
class OrganizationRow:
    slug: str
    parent_id: int | None
    founded_year: int | None


@dataclass(frozen=True)
class AgreementRow:
    slug: str
    kind: str
    year: int | None
    establishes_id: int | None
    parties: tuple[int, ...]


@dataclass(frozen=True)
class SeatRow:
    slug: str
    person_id: int
    organization_id: int
    on_behalf_of_id: int


@dataclass(frozen=True)
class Rows:
    """The raw tables the ties are made of, keyed by their integer ids."""

    organizations: dict[int, OrganizationRow]
    agreements: dict[int, AgreementRow]
    people: dict[int, str]
    seats: dict[int, SeatRow]

    def organization_id(self, slug: str) -> int:
        return next(i for i, o in self.organizations.items() if o.slug == slug)


async def read_rows(database_url: str) -> Rows:
    """Every row the graph is built from, read with plain SQL (no service code)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            orgs = (
                await conn.execute(
                    sa.text("SELECT id, slug, parent_id, founded_year FROM organization")
                )
            ).all()
            agreements = (
                await conn.execute(
                    sa.text("SELECT id, slug, kind, year, establishes_id FROM agreement")
                )
            ).all()
            party_rows = (
                await conn.execute(
                    sa.text("SELECT agreement_id, organization_id FROM agreement_party")
                )
            ).all()
            people = (await conn.execute(sa.text("SELECT id, slug FROM person"))).all()
            seats = (
                await conn.execute(
                    sa.text(
                        "SELECT id, slug, person_id, organization_id, on_behalf_of_id "
                        "FROM representation"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    parties: dict[int, list[int]] = defaultdict(list)
    for agreement_id, organization_id in party_rows:
        parties[agreement_id].append(organization_id)
    return Rows(
        organizations={i: OrganizationRow(s, p, y) for i, s, p, y in orgs},
        agreements={
            i: AgreementRow(s, k, y, e, tuple(sorted(parties[i]))) for i, s, k, y, e in agreements
        },
        people={int(i): str(s) for i, s in people},
        seats={i: SeatRow(s, p, o, b) for i, s, p, o, b in seats},
    )


@dataclass(frozen=True)
class Tie:
    """One tie as walked from `ends[0]` to `ends[1]` (rolled-up ends), made from a base tie
    between `base[0]` and `base[1]` (the same orientation). `seats` are in walk order: for
    SHARED_PERSON the seat on the `from` side, then the one on the `to` side."""

    kind: str
    ends: tuple[int, int]
    base: tuple[int, int]
    agreement: int | None = None
    person: int | None = None
    seats: tuple[int, ...] = ()

    def reversed(self) -> "Tie":
        return Tie(
            self.kind,
            (self.ends[1], self.ends[0]),
            (self.base[1], self.base[0]),
            self.agreement,
            self.person,
            tuple(reversed(self.seats)),
        )


def base_ties(rows: Rows, via: Iterable[str], agreement_kinds: Iterable[str] | None) -> list[Tie]:
    """The ties before the roll-up, one orientation each, as the table in docs/graph.md says."""
    via = set(via)
    kinds = None if agreement_kinds is None else set(agreement_kinds)
    ties: list[Tie] = []
    for agreement_id, agreement in rows.agreements.items():
        parties = sorted(set(agreement.parties))
        if "AGREEMENT" in via and (kinds is None or agreement.kind in kinds):
            for a, b in itertools.combinations(parties, 2):
                ties.append(Tie("AGREEMENT", (a, b), (a, b), agreement=agreement_id))
        established = agreement.establishes_id
        if "CO_FOUNDING" in via and agreement.kind == "CO_FOUNDING" and established is not None:
            for party in parties:
                if party != established:
                    ties.append(
                        Tie(
                            "CO_FOUNDING",
                            (party, established),
                            (party, established),
                            agreement=agreement_id,
                        )
                    )
    if "UNIT" in via:
        for org_id, org in rows.organizations.items():
            if org.parent_id is not None and org.parent_id != org_id:
                ties.append(Tie("UNIT", (org_id, org.parent_id), (org_id, org.parent_id)))
    if "SHARED_PERSON" in via:
        seats_of: dict[int, list[int]] = defaultdict(list)
        for seat_id, seat in rows.seats.items():
            seats_of[seat.person_id].append(seat_id)
        for person_id, seat_ids in seats_of.items():
            for first, second in itertools.combinations(sorted(seat_ids), 2):
                a = rows.seats[first].organization_id
                b = rows.seats[second].organization_id
                if a != b:
                    ties.append(
                        Tie(
                            "SHARED_PERSON", (a, b), (a, b), person=person_id, seats=(first, second)
                        )
                    )
    if "SEAT" in via:
        for seat_id, seat in rows.seats.items():
            a, b = seat.organization_id, seat.on_behalf_of_id
            if a != b:
                ties.append(Tie("SEAT", (a, b), (a, b), person=seat.person_id, seats=(seat_id,)))
    return ties


def rolled_up(rows: Rows, ties: Iterable[Tie]) -> list[Tie]:
    """Each base tie, and each of its copies between the bodies' owners (the body itself or
    its direct parent), owners different; UNIT ties stay as they are."""
    result: list[Tie] = []
    for tie in ties:
        if tie.kind == "UNIT":
            result.append(tie)
            continue
        a, b = tie.base
        for owner_a in owners(rows, a):
            for owner_b in owners(rows, b):
                if owner_a != owner_b:
                    result.append(
                        Tie(tie.kind, (owner_a, owner_b), tie.base, tie.agreement, tie.person,
                            tie.seats)
                    )  # fmt: skip
    return result


def owners(rows: Rows, org_id: int) -> tuple[int, ...]:
    parent = rows.organizations[org_id].parent_id
    return (org_id,) if parent is None or parent == org_id else (org_id, parent)


def standing_organizations(rows: Rows, as_of: int | None) -> set[int]:
    return {
        i
        for i, o in rows.organizations.items()
        if as_of is None or o.founded_year is None or o.founded_year <= as_of
    }


def standing_agreements(rows: Rows, as_of: int | None) -> set[int]:
    """Made on or before the year (or undated), with every party and the body it
    establishes standing."""
    orgs = standing_organizations(rows, as_of)
    return {
        i
        for i, a in rows.agreements.items()
        if as_of is None
        or (
            (a.year is None or a.year <= as_of)
            and all(p in orgs for p in a.parties)
            and (a.establishes_id is None or a.establishes_id in orgs)
        )
    }


@dataclass
class Network:
    """The network one question sees: its `via`, `agreementKinds` and `asOf`."""

    rows: Rows
    via: tuple[str, ...] = KINDS
    agreement_kinds: tuple[str, ...] | None = None
    as_of: int | None = None
    graph: nx.Graph = field(init=False)
    best: dict[tuple[str, str], Tie] = field(init=False)

    def __post_init__(self) -> None:
        orgs = standing_organizations(self.rows, self.as_of)
        agreements = standing_agreements(self.rows, self.as_of)
        self.graph = nx.Graph()
        self.graph.add_nodes_from(self.slug(i) for i in orgs)
        self.best = {}
        for tie in rolled_up(self.rows, base_ties(self.rows, self.via, self.agreement_kinds)):
            if not all(end in orgs for end in (*tie.ends, *tie.base)):
                continue
            if tie.agreement is not None and tie.agreement not in agreements:
                continue
            for directed in (tie, tie.reversed()):
                pair = (self.slug(directed.ends[0]), self.slug(directed.ends[1]))
                known = self.best.get(pair)
                if known is None or self.order(directed) < self.order(known):
                    self.best[pair] = directed
            self.graph.add_edge(self.slug(tie.ends[0]), self.slug(tie.ends[1]))

    def slug(self, org_id: int) -> str:
        return self.rows.organizations[org_id].slug

    def order(self, tie: Tie) -> tuple[Any, ...]:
        """The order that picks one tie among several between the same two bodies: the kind;
        for agreements the year (undated last) and slug; for people the person's and the
        seats' slugs; for a seat its slug."""
        rank = KINDS.index(tie.kind)
        if tie.agreement is not None:
            agreement = self.rows.agreements[tie.agreement]
            return (rank, agreement.year is None, agreement.year or 0, (agreement.slug,))
        names: tuple[str, ...] = ()
        if tie.kind == "SHARED_PERSON":
            assert tie.person is not None
            names = (self.rows.people[tie.person],)
        names += tuple(self.rows.seats[s].slug for s in tie.seats)
        return (rank, False, 0, names)

    def tie(self, a: str, b: str) -> dict[str, Any]:
        """The step from a to b, as the API's `Tie` renders it."""
        tie = self.best[(a, b)]
        return {
            "kind": tie.kind,
            "from": {"slug": a},
            "to": {"slug": b},
            "agreement": (
                None
                if tie.agreement is None
                else {"slug": self.rows.agreements[tie.agreement].slug}
            ),
            "person": None if tie.person is None else {"slug": self.rows.people[tie.person]},
            # Null, not [], for the kinds that name no seat (the field's description).
            "seats": [{"slug": self.rows.seats[s].slug} for s in tie.seats] or None,
        }

    def path_sequences(self, source: str, target: str, max_hops: int) -> list[list[str]]:
        """Every shortest sequence of bodies from source to target of at most max_hops
        ties, sorted by slugs in order (code-point order), all of them."""
        if source not in self.graph or target not in self.graph:
            return []
        try:
            found = [list(p) for p in nx.all_shortest_paths(self.graph, source, target)]
        except nx.NetworkXNoPath:
            return []
        if len(found[0]) - 1 > max_hops:
            return []
        return sorted(found)

    def paths(self, source: str, target: str, max_hops: int = 4, first: int = 10) -> list[Any]:
        """`path(from:, to:, maxHops:, first:)`'s answer."""
        return [
            {
                "length": len(sequence) - 1,
                "organizations": [{"slug": s} for s in sequence],
                "ties": [self.tie(a, b) for a, b in itertools.pairwise(sequence)],
            }
            for sequence in self.path_sequences(source, target, max_hops)[:first]
        ]

    def distances(self, of: str, hops: int) -> dict[str, int]:
        """Every other body within `hops` ties of `of`, with its distance."""
        if of not in self.graph:
            return {}
        found = nx.single_source_shortest_path_length(self.graph, of, cutoff=hops)
        return {slug: d for slug, d in found.items() if slug != of}

    def neighborhood(self, of: str, hops: int = 2) -> list[dict[str, Any]]:
        """`neighborhood(of:, hops:)`'s nodes, all of them, nearest first then by slug; each
        neighbour's `via` is its tie from the nearer body whose slug sorts first."""
        distances = self.distances(of, hops)
        distances_with_of = {**distances, of: 0}
        nodes = []
        for slug, distance in sorted(distances.items(), key=lambda item: (item[1], item[0])):
            nearer = min(n for n in self.graph[slug] if distances_with_of.get(n) == distance - 1)
            nodes.append(
                {
                    "distance": distance,
                    "organization": {"slug": slug},
                    "via": self.tie(nearer, slug),
                }
            )
        return nodes
