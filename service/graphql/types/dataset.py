"""Dataset: where the data as a whole comes from, and which load it is as of."""

from datetime import datetime

import strawberry

from service.data import queries
from service.graphql.context import Info


@strawberry.type(description="A source document the data quotes.")
class SourceDocument:
    name: str = strawberry.field(
        description="Its name, as `SourceExcerpt.document` gives it: the file kept beside the "
        "dataset, a copy of the partner organizations page of ISCT's website."
    )
    quotes: int = strawberry.field(
        description="How many excerpts quote it: each organization's, agreement's, seat's and "
        "initiative's."
    )


@strawberry.type(description="The data as a whole: its sources and the load it is as of.")
class Dataset:
    revision: int = strawberry.field(
        description="Bumped by every load that changes something (0 before the first); the "
        "same number the ETags of GET queries carry."
    )
    loaded_at: datetime | None = strawberry.field(
        description='When the load that made this revision ran (UTC): what the data is "as '
        'of". Null before the first load.'
    )

    @strawberry.field(description="The source documents the data quotes, by name.")
    async def sources(self, info: Info) -> list[SourceDocument]:
        async with info.context.engine.connect() as conn:
            rows = await queries.source_documents(conn)
        return [SourceDocument(name=row.document, quotes=row.quotes) for row in rows]

    @classmethod
    async def current(cls, info: Info) -> "Dataset":
        async with info.context.engine.connect() as conn:
            revision, loaded_at = await queries.dataset_state(conn)
        return cls(revision=revision, loaded_at=loaded_at)
