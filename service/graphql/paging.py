"""Cursor paging over SQL: argument validation, keyset pages, and connection assembly."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from service.data import queries
from service.data.queries import Ordering
from service.graphql.arguments import page_window
from service.graphql.context import Info
from service.graphql.ids import encode_cursor
from service.graphql.types.connection import Connection, Edge, PageInfo


def _key_values(row: Any, ordering: Ordering) -> tuple[Any, ...]:
    """A row's sort keys, as the page read them (k0, k1, ...)."""
    return tuple(getattr(row, f"k{n}") for n in range(len(ordering.keys)))


async def paginate[T](
    info: Info,
    query: sa.Select[Any],
    ordering: Ordering,
    build: Callable[[Any], T],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[T]:
    """Forward (first/after) or backward (last/before) paging; never both at once."""
    maximum = info.context.settings.max_page_size
    window = page_window(
        ordering, first=first, after=after, last=last, before=before, maximum=maximum
    )
    engine = info.context.engine
    async with engine.connect() as conn:
        page = await queries.keyset_page(conn, query, ordering, window)
    edges = [
        Edge(cursor=encode_cursor(ordering.name, _key_values(row, ordering)), node=build(row))
        for row in page.rows
    ]

    async def count() -> int:
        async with engine.connect() as conn:
            return await queries.count(conn, query)

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )
