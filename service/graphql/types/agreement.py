"""Agreement: a co-founding, MOU, membership, liaison or collaboration between bodies."""

from typing import Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.types.change import HISTORY_DESCRIPTION, history
from service.graphql.types.editorial import EDITORIAL_NOTE, VERSION, EditorialNote
from service.graphql.types.enums import AgreementKind
from service.graphql.types.node import Node
from service.graphql.types.organization import Organization
from service.graphql.types.source import SourceExcerpt


@strawberry.type(description="An agreement between organizations, with the year it began.")
class Agreement(Node):
    slug: str = strawberry.field(
        description='Stable key, as the dataset file names it, e.g. "isct-ebmt-mou-2019".'
    )
    db_id: strawberry.Private[int]
    establishes_id: strawberry.Private[int | None]
    kind: AgreementKind = strawberry.field(description="What kind of agreement this is.")
    title: str = strawberry.field(description="A short human title.")
    year: int | None = strawberry.field(
        description='The year it was signed, founded or began ("since 2014"), where stated.'
    )
    description: str | None = strawberry.field(description="What the source says about it.")
    source: SourceExcerpt | None = strawberry.field(description="The excerpt that states it.")
    version: int = strawberry.field(description=VERSION)
    editorial_note: EditorialNote | None = strawberry.field(description=EDITORIAL_NOTE)
    history = strawberry.field(resolver=history, description=HISTORY_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            db_id=row.id,
            establishes_id=row.establishes_id,
            slug=row.slug,
            kind=AgreementKind(row.kind),
            title=row.title,
            year=row.year,
            description=row.description,
            source=SourceExcerpt.of(row),
            version=row.version,
            editorial_note=EditorialNote.of(row),
        )

    @strawberry.field(description="The organizations party to the agreement, ISCT first.")
    async def parties(self, info: Info) -> list[Organization]:
        return Organization.from_rows(
            await info.context.loaders.of("Agreement", "parties", self.db_id)
        )

    @strawberry.field(description="For a CO_FOUNDING: the body it created. Otherwise null.")
    async def establishes(self, info: Info) -> Organization | None:
        row = await info.context.loaders.reference("Agreement", "establishes", self.establishes_id)
        return Organization.from_row(row) if row else None
