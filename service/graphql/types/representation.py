"""Representation: a person's seat at one body on behalf of another."""

from typing import Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.errors import PublicError
from service.graphql.types.change import HISTORY_DESCRIPTION, history
from service.graphql.types.editorial import EDITORIAL_NOTE, VERSION, EditorialNote
from service.graphql.types.enums import Designation
from service.graphql.types.node import Node
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.source import SourceExcerpt


@strawberry.type(description="A seat: a person at a body, on behalf of another body.")
class Representation(Node):
    slug: str = strawberry.field(
        description='Stable key, as the dataset file names it, e.g. "patrick-hanley--fact".'
    )
    db_id: strawberry.Private[int]
    person_id: strawberry.Private[int]
    organization_id: strawberry.Private[int]
    on_behalf_of_id: strawberry.Private[int]
    role: str = strawberry.field(description="The role as the source states it.")
    designation: Designation | None = strawberry.field(
        description="PRIMARY or ALTERNATE, where the source says."
    )
    source: SourceExcerpt | None = strawberry.field(description="The excerpt that states it.")
    version: int = strawberry.field(description=VERSION)
    editorial_note: EditorialNote | None = strawberry.field(description=EDITORIAL_NOTE)
    history = strawberry.field(resolver=history, description=HISTORY_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            db_id=row.id,
            slug=row.slug,
            person_id=row.person_id,
            organization_id=row.organization_id,
            on_behalf_of_id=row.on_behalf_of_id,
            role=row.role,
            designation=Designation(row.designation) if row.designation else None,
            source=SourceExcerpt.of(row),
            version=row.version,
            editorial_note=EditorialNote.of(row),
        )

    @strawberry.field(description="The person holding the seat.")
    async def person(self, info: Info) -> Person:
        return Person.from_row(
            _present(
                await info.context.loaders.reference("Representation", "person", self.person_id)
            )
        )

    @strawberry.field(description="Where the person sits.")
    async def organization(self, info: Info) -> Organization:
        row = await info.context.loaders.reference(
            "Representation", "organization", self.organization_id
        )
        return Organization.from_row(_present(row))

    @strawberry.field(description="Whom the person represents (usually ISCT; not always).")
    async def on_behalf_of(self, info: Info) -> Organization:
        row = await info.context.loaders.reference(
            "Representation", "on_behalf_of", self.on_behalf_of_id
        )
        return Organization.from_row(_present(row))


def _present(row: Any) -> Any:
    """Foreign keys guarantee the row; a miss means the data changed mid-request."""
    if row is None:
        raise PublicError("the data changed while this request ran; please retry")
    return row
