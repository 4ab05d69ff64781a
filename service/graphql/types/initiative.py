"""Initiative: a joint course, workshop, meeting, scholarship, survey..."""

from typing import Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.types.change import HISTORY_DESCRIPTION, history
from service.graphql.types.editorial import EDITORIAL_NOTE, VERSION, EditorialNote
from service.graphql.types.initiative_participant import InitiativeParticipant
from service.graphql.types.node import Node
from service.graphql.types.organization import Organization
from service.graphql.types.source import SourceExcerpt


@strawberry.type(description="A joint initiative: a course, workshop, meeting, scholarship...")
class Initiative(Node):
    db_id: strawberry.Private[int]
    name: str = strawberry.field(description="Name of the initiative.")
    kind: str = strawberry.field(
        description="course, workshop, meeting, scholarship, survey, pavilion, reception..."
    )
    recurrence: str | None = strawberry.field(
        description='How often it recurs ("annual", "biennial"), where stated.'
    )
    year: int | None = strawberry.field(description="The year it took place or began.")
    description: str | None = strawberry.field(description="What the source says about it.")
    source: SourceExcerpt | None = strawberry.field(description="The excerpt that states it.")
    version: int = strawberry.field(description=VERSION)
    editorial_note: EditorialNote | None = strawberry.field(description=EDITORIAL_NOTE)
    history = strawberry.field(resolver=history, description=HISTORY_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            db_id=row.id,
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            recurrence=row.recurrence,
            year=row.year,
            description=row.description,
            source=SourceExcerpt.of(row),
            version=row.version,
            editorial_note=EditorialNote.of(row),
        )

    @strawberry.field(
        description="The organizations behind it (its ORGANIZERs), in the source's order; "
        "not its hosts or recipients, which `participants` lists too."
    )
    async def organizations(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.of("Initiative", "organizations", self.db_id)
        return Organization.from_rows(rows)

    @strawberry.field(
        description="Every organization the source ties to it, with its role: organizers, "
        "then hosts, then recipients, each in the source's order."
    )
    async def participants(self, info: Info) -> list[InitiativeParticipant]:
        rows = await info.context.loaders.of("Initiative", "participants", self.db_id)
        return [InitiativeParticipant.from_row(row) for row in rows]
