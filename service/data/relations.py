"""Every relation of the directory, defined once: how it joins, its order, whether a body's
units count, and which arguments narrow it.

Two readers derive their SQL from these definitions: the resolver path's batched queries
(`queries.related`: rows for many owners at once, tagged with their `owner`) and the
compiler's correlated subqueries (`service/graphql/compiler/relations.py`: rows for the one
owner row in hand). The benchmark's floor renders its orders and scopes from here too
(`*_sql`). Adding a relation or changing an order is a change in this file only.

Definitions are SQLAlchemy Core over fresh aliases, so each use can be spliced into a larger
statement without clashing. Our own constants are written with `constant()`, which renders
them inline; nothing here ever holds a client's value.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import FromClause

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
    InitiativeRole,
)
from service.data.standing import agreement_stands

# The types with rows of their own: the Node types, and an initiative's participants (its
# link rows, which carry a role).
TABLES: Mapping[str, sa.Table] = {
    "Organization": ORGANIZATION_TABLE,
    "Agreement": AGREEMENT_TABLE,
    "Person": PERSON_TABLE,
    "Representation": REPRESENTATION_TABLE,
    "Initiative": INITIATIVE_TABLE,
    "InitiativeParticipant": INITIATIVE_ORGANIZATION_TABLE,
}
Order = Callable[[FromClause], tuple[sa.ColumnElement[Any], ...]]
# Gives each use of a table its own alias: anonymous by default, named by the compiler so
# that the pieces it renders one at a time agree on the names.
Aliaser = Callable[[sa.Table], FromClause]


def anonymous(table: sa.Table) -> FromClause:
    return table.alias()


def constant(value: Any) -> sa.BindParameter[Any]:
    """One of our own constants (a kind, a designation): rendered inline in the statement, so
    it reads as a literal in the compiler's SQL and in query plans alike."""
    return sa.literal(value, literal_execute=True)


# --- orders -----------------------------------------------------------------------------


def by_name(t: FromClause) -> tuple[sa.ColumnElement[Any], ...]:
    """Organizations, people and initiatives: by name, then slug (a natural key, so the order
    never depends on the order rows were inserted in)."""
    return (t.c.name, t.c.slug)


def agreement_order(t: FromClause) -> tuple[sa.ColumnElement[Any], ...]:
    """Chronological, undated agreements last, then by title and slug."""
    return (t.c.year.is_(None), t.c.year, t.c.title, t.c.slug)


def seat_order(t: FromClause) -> tuple[sa.ColumnElement[Any], ...]:
    """Primary seats before alternates before undesignated ones, then by slug."""
    designation = sa.case(
        (t.c.designation == constant("PRIMARY"), constant(0)),
        (t.c.designation == constant("ALTERNATE"), constant(1)),
        else_=constant(2),
    )
    return (designation, t.c.slug)


def link_order(t: FromClause) -> tuple[sa.ColumnElement[Any], ...]:
    """Link rows in the source's order."""
    return (t.c.position,)


# --- how owners reach their rows --------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """Pairs (owner id, member id) read from link rows under `where`; `position` is the
    link's own order, where it has one."""

    owner: sa.ColumnElement[int]
    member: sa.ColumnElement[int]
    where: tuple[sa.ColumnElement[bool], ...] = ()
    position: sa.ColumnElement[Any] | None = None

    def members(self, owner: sa.ColumnElement[bool]) -> sa.Select[Any]:
        """The member ids of the owners `owner` (a condition on `self.owner`) selects."""
        return sa.select(self.member).where(*self.where, owner)


def _parties_by_agreement(alias: Aliaser = anonymous) -> Link:
    p = alias(PARTY_TABLE)
    return Link(p.c.agreement_id, p.c.organization_id, position=p.c.position)


def _agreements_by_party(alias: Aliaser = anonymous) -> Link:
    p = alias(PARTY_TABLE)
    return Link(p.c.organization_id, p.c.agreement_id)


def _organizers_by_initiative(alias: Aliaser = anonymous) -> Link:
    """The bodies behind an initiative: its links in the ORGANIZER role (not its hosts or
    recipients)."""
    io = alias(INITIATIVE_ORGANIZATION_TABLE)
    organizer = io.c.role == constant(InitiativeRole.ORGANIZER.value)
    return Link(io.c.initiative_id, io.c.organization_id, (organizer,), position=io.c.position)


def _initiatives_by_organization(alias: Aliaser = anonymous) -> Link:
    """Every initiative a body takes part in, whatever its role."""
    io = alias(INITIATIVE_ORGANIZATION_TABLE)
    return Link(io.c.organization_id, io.c.initiative_id)


def _cofoundings(alias: Aliaser, *, founders_of: bool) -> Link:
    """A co-founding ties the body it established to each of its other parties: the
    founders of a body (`founders_of`), or the bodies an organization co-founded."""
    a, p = alias(AGREEMENT_TABLE), alias(PARTY_TABLE)
    where = (
        p.c.agreement_id == a.c.id,
        a.c.kind == constant(AgreementKind.CO_FOUNDING.value),
        p.c.organization_id != a.c.establishes_id,
    )
    founded, founder = a.c.establishes_id, p.c.organization_id
    if founders_of:
        return Link(founded, founder, where)
    return Link(founder, founded, where)


def _founders(alias: Aliaser = anonymous) -> Link:
    return _cofoundings(alias, founders_of=True)


def _founded(alias: Aliaser = anonymous) -> Link:
    return _cofoundings(alias, founders_of=False)


# --- the relations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """At most one target row, named by a foreign key on the owner's row."""

    column: str
    target: str


@dataclass(frozen=True)
class Values:
    """Plain values (not objects with IDs) in rows of `table` keyed by the owner, in the
    source's order (`position`)."""

    table: sa.Table
    key: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Keyed:
    """The target's rows whose `key` column names the owner (or, where `rolls_up`, the owner
    or one of its units), in `order`."""

    target: str
    key: str
    order: Order
    rolls_up: bool = False


# A condition on the target rows from an argument's value (`asOf`: standing.py).
Condition = Callable[[FromClause, sa.ColumnElement[Any]], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Linked:
    """The target rows a link reaches from the owner (or, where `rolls_up`, from the owner
    and its units), each once: in `order`, or in the link's own order when that is None.
    `filters` maps an argument to the target column it must equal; `conditions` an argument
    to the condition its value puts on the target rows."""

    target: str
    link: Callable[[Aliaser], Link]
    order: Order | None
    rolls_up: bool = False
    filters: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, Condition] = field(default_factory=dict)


Relation = Reference | Values | Keyed | Linked

# (type, field's Python name) -> its definition.
RELATIONS: Mapping[tuple[str, str], Relation] = {
    ("Organization", "regions"): Values(REGION_TABLE, "organization_id", ("region",)),
    ("Organization", "sources"): Values(
        ORGANIZATION_SOURCE_TABLE, "organization_id", ("document", "quote")
    ),
    ("Organization", "parent"): Reference("parent_id", "Organization"),
    ("Organization", "units"): Keyed("Organization", "parent_id", by_name),
    ("Organization", "cofounders"): Linked("Organization", _founders, by_name),
    ("Organization", "cofounded"): Linked("Organization", _founded, by_name),
    ("Organization", "agreements"): Linked(
        "Agreement",
        _agreements_by_party,
        agreement_order,
        rolls_up=True,
        filters={"kind": "kind"},
        conditions={"asOf": agreement_stands},
    ),
    ("Organization", "representatives"): Keyed(
        "Representation", "organization_id", seat_order, rolls_up=True
    ),
    ("Organization", "delegates"): Keyed("Representation", "on_behalf_of_id", seat_order),
    ("Organization", "initiatives"): Linked(
        "Initiative", _initiatives_by_organization, by_name, rolls_up=True
    ),
    ("Agreement", "parties"): Linked("Organization", _parties_by_agreement, None),
    ("Agreement", "establishes"): Reference("establishes_id", "Organization"),
    ("Representation", "person"): Reference("person_id", "Person"),
    ("Representation", "organization"): Reference("organization_id", "Organization"),
    ("Representation", "on_behalf_of"): Reference("on_behalf_of_id", "Organization"),
    ("Person", "representations"): Keyed("Representation", "person_id", seat_order),
    ("Initiative", "organizations"): Linked("Organization", _organizers_by_initiative, None),
    ("Initiative", "participants"): Keyed("InitiativeParticipant", "initiative_id", link_order),
    ("InitiativeParticipant", "organization"): Reference("organization_id", "Organization"),
}


def _units(alias: Aliaser = anonymous) -> Link:
    u = alias(ORGANIZATION_TABLE)
    return Link(u.c.parent_id, u.c.id)


def scope(owner: sa.ColumnElement[Any], alias: Aliaser = anonymous) -> sa.CompoundSelect[Any]:
    """The ids whose rows count for the organization `owner`: itself and its units. Whose
    agreements, seats and initiatives an organization has (NASEM's include its Forum's)."""
    units = _units(alias)
    # Correlated explicitly: a compound select does not correlate to the enclosing query.
    unit = units.member.table
    itself = sa.select(owner).correlate_except(unit)
    return sa.union_all(itself, units.members(units.owner == owner).correlate_except(unit))


def scope_pairs(owners: Sequence[int]) -> sa.CTE:
    """`scope` for many organizations at once: (owner, member) pairs."""
    units = _units()
    itself = sa.select(units.member.label("owner"), units.member.label("member"))
    return sa.union_all(
        itself.where(units.member.in_(owners)),
        sa.select(units.owner.label("owner"), units.member.label("member")).where(
            units.owner.in_(owners)
        ),
    ).cte("scope")


# --- SQL text, for statements written by hand (the benchmark's floor) -------------------

_DIALECTS = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}


def render(element: sa.ClauseElement, dialect: str) -> str:
    """SQL text of a definition, constants inline (definitions hold no client values)."""
    compiled = element.compile(dialect=_DIALECTS[dialect], compile_kwargs={"literal_binds": True})
    return str(compiled)


def _order_sql(order: Order, table: sa.Table, alias: str, dialect: str) -> str:
    return ", ".join(render(key, dialect) for key in order(table.alias(alias)))


def agreement_order_sql(alias: str, dialect: str) -> str:
    return _order_sql(agreement_order, AGREEMENT_TABLE, alias, dialect)


def seat_order_sql(alias: str, dialect: str) -> str:
    return _order_sql(seat_order, REPRESENTATION_TABLE, alias, dialect)


def name_order_sql(alias: str, dialect: str) -> str:
    return _order_sql(by_name, ORGANIZATION_TABLE, alias, dialect)


def scope_sql(organization_id: str, dialect: str) -> str:
    return render(scope(sa.literal_column(organization_id)), dialect)
