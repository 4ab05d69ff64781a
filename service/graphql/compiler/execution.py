"""The compiled path inside Strawberry's pipeline: after parsing, validation and the query
limits, a query the compiler can express runs as one SQL statement, and the JSON text the
database built goes to the client as it is, never rebuilt as Python objects.

Everything else about a request stays Strawberry's: errors, extensions, the time budget,
HTTP. A query the compiler cannot express (introspection, an object selected without
fields) and an argument the resolver path refuses go on to the resolver path, which answers
or reports the error as it always does.

A failure says what it is. The database being unavailable (down, refused, out of
connections, shutting down, its disk failing: service/data/failures.py) is the request's
answer at once, SERVICE_UNAVAILABLE with 503 as on the resolver path, never a second
attempt against the same database. A statement or compilation the compiler got wrong is a
bug of ours: logged at WARNING with the operation and request id, counted in
`compiled_fallback_total{reason}`, and answered by the resolvers. A statement still running
when the time budget runs out is stopped in the database (service/data/cancellation.py).
"""

import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    get_operation_ast,
)
from graphql.execution.values import get_variable_values
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension

from service.data.cancellation import execute_stoppable
from service.data.failures import is_unavailable
from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.plan import CompiledQuery, NotCompilable, compile_operation
from service.graphql.core_schema import graphql_core_schema
from service.http.observability import RequestRecord, current_request

LOG = logging.getLogger("service.compiled")
MAX_KEY_CHARS = 20_000  # a longer query or variables text is compiled, never cached


class RawJSON:
    """A response's `data` as the JSON text the database built, and how many JSON objects
    it holds (extensions.cost.actual counts them)."""

    __slots__ = ("objects", "text")

    def __init__(self, text: str, objects: int) -> None:
        self.text = text
        self.objects = objects


@dataclass(frozen=True)
class _Unsupported:
    reason: str
    fault: str | None = None  # a fallback reason when the compiler failed, not declined


@dataclass(frozen=True)
class _Prepared:
    """A compiled statement, as SQLAlchemy text parsed once, and its parameters."""

    statement: sa.TextClause
    query: CompiledQuery


class CompiledQueries:
    """Compiled statements of one app, by (document, operation, variables): an LRU that
    also remembers what does not compile, so the resolver path is chosen at once."""

    def __init__(self, *, capacity: int, max_page_size: int) -> None:
        self.capacity = capacity
        self.max_page_size = max_page_size
        self._entries: OrderedDict[tuple[str, str | None, str], _Prepared | _Unsupported]
        self._entries = OrderedDict()
        self.compiled = 0

    def get(
        self,
        schema: GraphQLSchema,
        dialect: Dialect,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> _Prepared | _Unsupported:
        try:
            variables_key = json.dumps(variables or {}, sort_keys=True)
        except (TypeError, ValueError):
            return _Unsupported("variables are not JSON")
        key = (query, operation_name, variables_key)
        cacheable = len(query) + len(variables_key) <= MAX_KEY_CHARS
        found = self._entries.get(key) if cacheable else None
        if found is None:
            found = self._compile(schema, dialect, document, operation_name, variables or {})
            if cacheable:
                self._entries[key] = found
                if len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        elif cacheable:
            self._entries.move_to_end(key)
        return found

    def _compile(
        self,
        schema: GraphQLSchema,
        dialect: Dialect,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
    ) -> _Prepared | _Unsupported:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return _Unsupported("no such operation")
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return _Unsupported("variables do not fit their types")
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            compiled = compile_operation(
                schema, dialect, operation, fragments, coerced, max_page_size=self.max_page_size
            )
        except NotCompilable as reason:
            return _Unsupported(str(reason))
        except Exception:  # a gap in the compiler: the resolver path still answers right
            record = current_request()
            LOG.warning(
                "compiling failed; the resolvers answer: operation=%s request_id=%s",
                operation_name or "-",
                record.request_id if record else "-",
                exc_info=True,
            )
            return _Unsupported("compiler error", fault="compiler_error")
        self.compiled += 1
        return _Prepared(sa.text(compiled.sql), compiled)


class CompiledExecution(SchemaExtension):
    """Answer from one compiled statement when there is one; otherwise step aside."""

    def __init__(self, *, queries: CompiledQueries) -> None:
        self.queries = queries

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        engine = getattr(context.context, "engine", None)
        record = current_request()
        if document is not None and engine is not None and context.query is not None:
            compiled = self.queries.get(
                graphql_core_schema(context.schema),
                Dialect(engine.dialect.name),
                context.query,
                document,
                context.operation_name,
                context.variables,
            )
            if isinstance(compiled, _Prepared):
                context.result = await self._run(engine, compiled, record)
            elif compiled.fault is not None and record is not None:
                record.fallback = compiled.fault
        if record is not None:
            record.execution = "resolvers" if context.result is None else "compiled"
        yield

    async def _run(
        self, engine: AsyncEngine, compiled: _Prepared, record: RequestRecord | None
    ) -> ExecutionResult | None:
        """The compiled answer; the database's unavailability as the answer; or None, for
        the resolvers to answer after a statement that failed."""
        try:
            async with engine.connect() as conn:
                result = await execute_stoppable(conn, compiled.statement, compiled.query.params)
                text = result.scalar_one()
        except Exception as error:
            if is_unavailable(error):
                return ExecutionResult(
                    data=None, errors=[GraphQLError(str(error), original_error=error)]
                )
            LOG.warning(
                "compiled statement failed; the resolvers answer: operation=%s request_id=%s",
                self.execution_context.operation_name or "-",
                record.request_id if record else "-",
                exc_info=True,
            )
            if record is not None:
                record.fallback = "statement_error"
            return None
        return ExecutionResult(data=RawJSON(text, compiled.query.count(text)))  # type: ignore[arg-type]
