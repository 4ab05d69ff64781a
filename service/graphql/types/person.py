"""Person: someone who represents an organization at another."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.types.node import Node

if TYPE_CHECKING:
    from service.graphql.types.representation import Representation

RepresentationType = Annotated[
    "Representation", strawberry.lazy("service.graphql.types.representation")
]


@strawberry.type(description="A person who represents an organization on another's boards.")
class Person(Node):
    db_id: strawberry.Private[int]
    slug: str = strawberry.field(description='Stable key, e.g. "patrick-hanley".')
    name: str = strawberry.field(description="Name as the source writes it.")
    credentials: list[str] = strawberry.field(
        description='Degrees and credentials in the source\'s order, e.g. ["MD", "PhD"].'
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(db_id=row.id, slug=row.slug, name=row.name, credentials=list(row.credentials))

    @strawberry.field(description="Every seat this person holds.")
    async def representations(self, info: Info) -> list[RepresentationType]:
        from service.graphql.types.representation import Representation

        rows = await info.context.loaders.of("Person", "representations", self.db_id)
        return Representation.from_rows(rows)
