"""Relay global object identification."""

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
