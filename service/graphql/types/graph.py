"""The graph questions' types: a tie between two organizations, a path of ties, and a
neighbour reached through one (docs/graph.md)."""

from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any, Self

import strawberry

from service.data import graph
from service.data.graph import ORGANIZATION_COLUMNS
from service.graphql.context import Info
from service.graphql.types.agreement import Agreement
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation


@strawberry.enum(description="The kinds of tie between two organizations, in the order a step "
                 "between two bodies tied several ways names them (docs/graph.md).")  # fmt: skip
class TieKind(Enum):
    AGREEMENT = strawberry.enum_value(
        "AGREEMENT",
        description="Both are parties to one agreement (`agreementKinds` narrows which).",
    )
    CO_FOUNDING = strawberry.enum_value(
        "CO_FOUNDING", description="One co-founded the other (ISCT and FACT)."
    )
    UNIT = strawberry.enum_value(
        "UNIT", description="One sits inside the other (NASEM and its Forum)."
    )
    SHARED_PERSON = strawberry.enum_value(
        "SHARED_PERSON",
        description="One person holds a seat at each (FACT and NASEM's Forum, through Patrick "
        "Hanley).",
    )
    SEAT = strawberry.enum_value(
        "SEAT",
        description="A seat at one is held on behalf of the other (FACT and ISCT, through "
        "ISCT's board representatives).",
    )


assert [kind.name for kind in TieKind] == [kind.name for kind in graph.TieKind]


def organization_of(row: Any, prefix: str = "") -> Organization:
    """An Organization from a graph statement's row, whose columns may carry a prefix."""
    values = {name: getattr(row, prefix + name) for name in ORGANIZATION_COLUMNS}
    return Organization.from_row(SimpleNamespace(**values))


@strawberry.type(description="What ties two organizations: an agreement, a co-founding, a unit, "
                 "or a person. Ties roll up: a unit's tie is also its parent's, and names the "
                 "unit's agreement or seats.")  # fmt: skip
class Tie:
    kind: TieKind = strawberry.field(description="What kind of tie it is.")
    from_: Organization = strawberry.field(
        name="from", description="The side the question walked from."
    )
    to: Organization = strawberry.field(description="The side it walked to.")
    agreement_id: strawberry.Private[int | None]
    person_id: strawberry.Private[int | None]
    seat_ids: strawberry.Private[list[int]]

    @classmethod
    def of(cls, row: Any, from_: Organization, to: Organization) -> Self:
        seats = [seat for seat in (row.seat_a, row.seat_b) if seat is not None]
        return cls(
            kind=TieKind[graph.TieKind(row.kind).name],
            from_=from_,
            to=to,
            agreement_id=row.agreement_id,
            person_id=row.person_id,
            seat_ids=[int(seat) for seat in seats],
        )

    @strawberry.field(description="The agreement (AGREEMENT and CO_FOUNDING ties).")
    async def agreement(self, info: Info) -> Agreement | None:
        if self.agreement_id is None:
            return None
        row = await info.context.loaders.by_id["Agreement"].load(int(self.agreement_id))
        return Agreement.from_row(row) if row else None

    @strawberry.field(description="The person (SHARED_PERSON and SEAT ties).")
    async def person(self, info: Info) -> Person | None:
        if self.person_id is None:
            return None
        row = await info.context.loaders.by_id["Person"].load(int(self.person_id))
        return Person.from_row(row) if row else None

    @strawberry.field(
        description="The seats that make the tie: for SHARED_PERSON, the seat on `from`'s side "
        "then the one on `to`'s; for SEAT, the one seat; otherwise null."
    )
    async def seats(self, info: Info) -> list[Representation] | None:
        if not self.seat_ids:
            return None
        loader = info.context.loaders.by_id["Representation"]
        rows = await loader.load_many(self.seat_ids)
        return [Representation.from_row(row) for row in rows if row is not None]


@strawberry.type(description="A shortest connection between two organizations.")
class Path:
    organizations: list[Organization] = strawberry.field(
        description="The organizations along it, from `from` to `to`."
    )
    ties: list[Tie] = strawberry.field(
        description="The ties between consecutive organizations (one fewer)."
    )

    @strawberry.field(description="How many ties it takes (0 from a body to itself).")
    def length(self) -> int:
        return len(self.ties)

    @classmethod
    def of(cls, rows: list[Any]) -> Self:
        organizations = [organization_of(row) for row in rows]
        ties = [
            Tie.of(row, organizations[n], organizations[n + 1]) for n, row in enumerate(rows[1:])
        ]
        return cls(organizations=organizations, ties=ties)


@strawberry.type(description="An organization within a neighbourhood.")
class Neighbor:
    distance: int = strawberry.field(description="How many ties away it is (1 or more).")
    organization: Organization = strawberry.field(description="The organization.")
    via: Tie = strawberry.field(
        description="The tie that first reached it, from a body one tie nearer (docs/graph.md "
        "says which, when there are several)."
    )

    @classmethod
    def of(cls, row: Any) -> Self:
        organization = organization_of(row)
        return cls(
            distance=row.distance,
            organization=organization,
            via=Tie.of(row, organization_of(row, "from_"), organization),
        )


TieKinds = Annotated[
    list[TieKind] | None,
    strawberry.argument(description="The kinds of tie to follow (default: all)."),
]
