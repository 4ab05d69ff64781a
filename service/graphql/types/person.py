"""Person: someone who represents an organization at another."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.types.change import HISTORY_DESCRIPTION, history
from service.graphql.types.editorial import EDITORIAL_NOTE, VERSION, EditorialNote
from service.graphql.types.node import Node
from service.graphql.types.source import SourceExcerpt

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
    source: SourceExcerpt | None = strawberry.field(
        description="The excerpt that names this person, with their credentials."
    )
    version: int = strawberry.field(description=VERSION)
    editorial_note: EditorialNote | None = strawberry.field(description=EDITORIAL_NOTE)
    history = strawberry.field(resolver=history, description=HISTORY_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            db_id=row.id,
            slug=row.slug,
            name=row.name,
            credentials=list(row.credentials),
            source=SourceExcerpt.of(row),
            version=row.version,
            editorial_note=EditorialNote.of(row),
        )

    @strawberry.field(description="Every seat this person holds.")
    async def representations(self, info: Info) -> list[RepresentationType]:
        from service.graphql.types.representation import Representation

        rows = await info.context.loaders.of("Person", "representations", self.db_id)
        return Representation.from_rows(rows)
