"""Relay cursor connections, plus `totalCount` and `nodes` for clients that want them."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry

NodeType = TypeVar("NodeType")

# The paging arguments every connection takes (Relay), with the repository's limits.
First = Annotated[
    int | None,
    strawberry.argument(description="Page forward: at most this many items (0..100; default 100)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward from this cursor (exclusive).")
]
Last = Annotated[
    int | None, strawberry.argument(description="Page backward: at most this many items (0..100).")
]
Before = Annotated[
    str | None, strawberry.argument(description="Page backward from this cursor (exclusive).")
]


@strawberry.type(description="Where a page sits in its connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="More items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="An item of a page and the cursor that pages from it.")
class Edge(Generic[NodeType]):
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(description="A page of items (Relay cursor connection).")
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(description="The page's items with cursors.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items, without cursors.")
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items match, across all pages (one COUNT query).")
    async def total_count(self) -> int:
        return await self.count()
