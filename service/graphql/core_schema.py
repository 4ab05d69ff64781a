"""graphql-core's schema behind a Strawberry schema, reached in this one place.

The compiler and the query limits read types, fields and arguments from graphql-core's
GraphQLSchema, the one Strawberry builds and executes with. Strawberry (0.341) has no
public accessor for it: its maintainers point to the `_schema` attribute
(strawberry-graphql/strawberry#2590), which `strawberry.printer` itself reads. Rebuilding a
schema from the SDL instead would lose what the conversion attached (enum values, scalar
parsing), so the attribute is read here, checked, and nowhere else.
"""

from graphql import GraphQLSchema
from strawberry.schema.base import BaseSchema


def graphql_core_schema(schema: BaseSchema) -> GraphQLSchema:
    """The GraphQLSchema `schema` executes with; a clear error if Strawberry moves it."""
    found = getattr(schema, "_schema", None)  # no public accessor: see the module docstring
    if not isinstance(found, GraphQLSchema):
        raise TypeError(f"{type(schema).__name__} exposes no graphql-core schema as `_schema`")
    return found
