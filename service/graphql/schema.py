"""The schema, assembled once per app: types, extensions, and the SDL export."""

import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from service.config import Settings
from service.graphql.compiler.execution import CompiledExecution, CompiledQueries
from service.graphql.documents import DocumentCache, PreparedDocuments
from service.graphql.extensions.operation_name import OperationNameRequired
from service.graphql.extensions.public_errors import PublicErrors, is_public
from service.graphql.extensions.query_limits import (
    KnownMeasures,
    QueryLimits,
    QueryLimitsExtension,
)
from service.graphql.mutations.mutation import Mutation
from service.graphql.query import Query
from service.graphql.subscription import Subscription
from service.graphql.types.agreement import Agreement
from service.graphql.types.initiative import Initiative
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation
from service.http.observability import current_request

ERROR_LOG = logging.getLogger("service.errors")


class PartnerGraphSchema(Schema):
    prepared_documents: PreparedDocuments
    """Set by build_schema: per schema, so apps built with other settings (validation rules,
    token limits) never share a parse or a validation result."""
    compiled_queries: CompiledQueries | None
    """Set by build_schema: the compiled statements, when COMPILED_QUERIES is on."""
    query_limits: QueryLimits
    """Set by build_schema: the limits its QueryLimitsExtension applies."""
    known_measures: KnownMeasures
    """Set by build_schema: the measures (under query_limits) of requests already measured."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what went wrong on our side, under the request id the client was given; a
        client's mistake is the client's to read and is not logged as an error."""
        record = current_request()
        for error in errors:
            if not is_public(error):
                ERROR_LOG.error(
                    "request_id=%s path=%s %s",
                    record.request_id if record else "-",
                    ".".join(str(p) for p in error.path or ()),
                    error.message,
                    exc_info=error.original_error,
                )


def _limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_root_fields=settings.max_root_fields,
        max_writes=settings.max_writes,
        max_cost=settings.max_cost,
        page_size=settings.max_page_size,
    )


def _extensions(
    settings: Settings, compiled: CompiledQueries | None, limits: QueryLimits
) -> list[Callable[[], SchemaExtension]]:
    """Fresh extension instances for each request (they hold per-request state)."""
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: PublicErrors(suggestions=settings.suggestions),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        OperationNameRequired,
        lambda: QueryLimitsExtension(limits=limits),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    # After every parse or validation hook, so the limits see the variables first.
    extensions.append(DocumentCache)
    if compiled is not None:
        queries = compiled
        extensions.append(lambda: CompiledExecution(queries=queries))
    return extensions


def build_schema(settings: Settings | None = None) -> PartnerGraphSchema:
    settings = settings or Settings()
    compiled = (
        CompiledQueries(capacity=settings.compiled_cache_size, max_page_size=settings.max_page_size)
        if settings.compiled_queries
        else None
    )
    limits = _limits(settings)
    schema = PartnerGraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Organization, Agreement, Person, Representation, Initiative],
        extensions=_extensions(settings, compiled, limits),
        config=StrawberryConfig(auto_camel_case=True),
    )
    schema.prepared_documents = PreparedDocuments(capacity=settings.document_cache_size)
    schema.compiled_queries = compiled
    schema.query_limits = limits
    schema.known_measures = KnownMeasures()
    return schema


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
