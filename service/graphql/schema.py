"""The schema, assembled once per app: types, extensions, and the SDL export."""

from graphql import GraphQLError
from strawberry import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from service.graphql.extensions.public_errors import PublicErrors, is_public
from service.graphql.query import Query
from service.graphql.types.agreement import Agreement
from service.graphql.types.initiative import Initiative
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation


class PartnerGraphSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what went wrong on our side; a client's mistake is the client's to read."""
        unexpected = [error for error in errors if not is_public(error)]
        super().process_errors(unexpected, execution_context)


def build_schema() -> Schema:
    return PartnerGraphSchema(
        query=Query,
        types=[Organization, Agreement, Person, Representation, Initiative],
        extensions=[PublicErrors],
        config=StrawberryConfig(auto_camel_case=True),
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
