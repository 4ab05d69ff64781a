"""Relay global object identification."""

from collections.abc import Iterable
from typing import Any, Self

import strawberry

from service.graphql.ids import encode_id


@strawberry.interface(description="An object with a global ID (Relay object identification).")
class Node:
    slug: strawberry.Private[str]

    @strawberry.field(
        description="Opaque, stable global ID: pass it to `node(id:)` to fetch this object again."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id(type(self).__name__, self.slug))

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """Each type builds itself from a database row of its table."""
        raise NotImplementedError

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> list[Self]:
        return [cls.from_row(row) for row in rows]
