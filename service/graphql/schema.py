"""The schema, assembled once per app: types, extensions, and the SDL export."""

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from service.graphql.query import Query
from service.graphql.types.agreement import Agreement
from service.graphql.types.initiative import Initiative
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation

MASKED_MESSAGE = "Internal server error"


def _should_mask(error: GraphQLError) -> bool:
    """Parse, validation, variable and client errors are readable (graphql-core wraps a
    variable-coercion error around another GraphQLError); anything unexpected is masked."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class PartnerGraphSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what went wrong on our side; a client's mistake is the client's to read."""
        unexpected = [error for error in errors if _should_mask(error)]
        super().process_errors(unexpected, execution_context)


def _mask_errors() -> MaskErrors:
    return MaskErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE)


def build_schema() -> Schema:
    return PartnerGraphSchema(
        query=Query,
        types=[Organization, Agreement, Person, Representation, Initiative],
        extensions=[_mask_errors],
        config=StrawberryConfig(auto_camel_case=True),
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
