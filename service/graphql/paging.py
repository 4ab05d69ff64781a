"""Cursor paging over SQL: argument validation, keyset pages, and connection assembly."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from service.data import queries
from service.data.queries import Ordering
from service.graphql.context import Info
from service.graphql.errors import BadUserInput
from service.graphql.ids import decode_cursor, encode_cursor
from service.graphql.types.connection import Connection, Edge, PageInfo


def _key_values(row: Any, ordering: Ordering) -> tuple[Any, ...]:
    """A row's sort keys, as the page read them (k0, k1, ...)."""
    return tuple(getattr(row, f"k{n}") for n in range(len(ordering.keys)))


def _check_size(name: str, value: int | None, maximum: int) -> None:
    if value is not None and not 0 <= value <= maximum:
        raise BadUserInput(
            f"{name} must be between 0 and {maximum}, got {value}", argument=name, maximum=maximum
        )


def _cursor(cursor: str, ordering: Ordering, argument: str) -> list[Any]:
    return decode_cursor(cursor, order=ordering.name, types=ordering.types, argument=argument)


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
    _check_size("first", first, maximum)
    _check_size("last", last, maximum)
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise BadUserInput("page forward (first/after) or backward (last/before), not both")
    size = last if backward else first
    after_key = None if after is None else _cursor(after, ordering, "after")
    before_key = None if before is None else _cursor(before, ordering, "before")
    engine = info.context.engine
    async with engine.connect() as conn:
        page = await queries.keyset_page(
            conn,
            query,
            ordering,
            limit=maximum if size is None else size,
            after=after_key,
            before=before_key,
            backward=backward,
        )
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
