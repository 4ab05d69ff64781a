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
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_variable_values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension

from service.data.cancellation import row_stoppable
from service.data.failures import is_unavailable
from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.plan import (
    BadValue,
    CompiledQuery,
    Mismatch,
    NotCompilable,
    compile_operation,
)
from service.graphql.core_schema import graphql_core_schema
from service.http.observability import RequestRecord, current_request

LOG = logging.getLogger("service.compiled")
MAX_KEY_CHARS = 20_000  # a longer query text or variables' shape is compiled, never cached
MAX_SHAPES = 16  # statements kept for one key (IDs of different types, search word counts)
CacheKey = tuple[str, str | None, str]


class RawJSON:
    """A response's `data` as the JSON text the database built, in the pieces the answer's
    layout joins (`CompiledQuery.answer`): joined once, where the response is written, not
    once here and again there. And how many JSON objects it holds (extensions.cost.actual
    counts them)."""

    __slots__ = ("objects", "parts")

    def __init__(self, parts: list[str], objects: int) -> None:
        self.parts = parts
        self.objects = objects

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class _Unsupported:
    reason: str
    fault: str | None = None  # a fallback reason when the compiler failed, not declined
    by_value: bool = False  # the values are refused, not the operation: other values may compile


@dataclass(frozen=True)
class _Prepared:
    """A compiled statement, as SQLAlchemy text parsed once, and how to bind it."""

    statement: sa.TextClause
    query: CompiledQuery
    # The statement as SQLAlchemy compiles it for the engine's driver (`?` or `$1`
    # placeholders) and its parameters' order, once.
    driver: list[tuple[str, tuple[str, ...]]] = field(default_factory=list, compare=False)

    def for_driver(
        self, dialect: sa.Dialect, params: dict[str, Any]
    ) -> tuple[str, tuple[Any, ...]]:
        if not self.driver:
            compiled = self.statement.compile(dialect=dialect)
            self.driver.append((compiled.string, tuple(compiled.positiontup or ())))
        sql, names = self.driver[0]
        return sql, tuple(params[name] for name in names)


@dataclass(frozen=True)
class _Bound:
    """A statement and one request's parameters for it."""

    prepared: _Prepared
    params: dict[str, Any]


def shape(value: Any) -> Any:
    """What a statement can depend on in a variable's JSON value beyond the values the
    statement binds: nulls, booleans (`@skip`/`@include`), list lengths and object keys.
    Text and numbers are only their kind; the statements of a key check the rest."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return ""
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, dict):
        return {str(name): shape(item) for name, item in value.items()}
    raise TypeError(f"{type(value).__name__} is not JSON")


def cache_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None
) -> CacheKey | None:
    """A request's key among the kept statements: its text, operation and variables' shape
    (None when the variables are not JSON)."""
    try:
        return query, operation_name, json.dumps(shape(variables or {}), sort_keys=True)
    except (TypeError, ValueError):
        return None


class CompiledQueries:
    """Compiled statements of one app, by (document, operation, the variables' shape): an
    LRU of `capacity` keys. A statement binds every value, so a request whose values differ
    from the first one's uses the same statement (`CompiledQuery.bind`); where values need
    another statement (an ID of another type), a key keeps up to MAX_SHAPES. It also
    remembers what does not compile, whatever the values, so the resolver path is chosen
    at once."""

    def __init__(self, *, capacity: int, max_page_size: int) -> None:
        self.capacity = capacity
        self.max_page_size = max_page_size
        self._entries: OrderedDict[CacheKey, list[_Prepared] | _Unsupported] = OrderedDict()
        self.compiled = 0  # statements compiled
        self.hits = 0  # requests answered from the cache: a statement bound, or a refusal
        self.misses = 0  # requests the cache had nothing for (then compiled)

    @property
    def size(self) -> int:
        """The keys held."""
        return len(self._entries)

    def collector(self) -> "CompiledCacheCollector":
        """Its size, hits and misses, for a Prometheus registry (`/metrics`)."""
        return CompiledCacheCollector(self)

    def get(
        self,
        schema: GraphQLSchema,
        dialect: Dialect,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> _Bound | _Unsupported:
        key = cache_key(query, operation_name, variables)
        if key is None:
            return _Unsupported("variables are not JSON")
        cacheable = len(query) + len(key[2]) <= MAX_KEY_CHARS
        found = self._entries.get(key) if cacheable else None
        if isinstance(found, _Unsupported):
            self.hits += 1
            self._entries.move_to_end(key)
            return found
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return self._remember(key, cacheable, _Unsupported("no such operation"))
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return _Unsupported("variables do not fit their types", by_value=True)
        bound = self._bind_kept(key, found or [], coerced, quiet=False)
        if bound is not None:
            return bound
        self.misses += 1
        result = self._compile(schema, dialect, document, operation, coerced)
        if isinstance(result, _Unsupported):
            return result if found else self._remember(key, cacheable, result)
        if cacheable:
            self._entries[key] = [result.prepared, *(found or ())][:MAX_SHAPES]
            self._entries.move_to_end(key)
            self._evict()
        return result

    def lookup(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> _Bound | None:
        """A kept statement bound to these values, counted as a hit; None, touching nothing,
        when `get` would have more to do (compile, refuse, log): the caller then goes the
        whole way, where `get` does it."""
        key = cache_key(query, operation_name, variables)
        found = None if key is None else self._entries.get(key)
        if key is None or not isinstance(found, list):
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return None
        return self._bind_kept(key, found, coerced, quiet=True)

    def _bind_kept(
        self, key: CacheKey, kept: list["_Prepared"], coerced: VariableValues, *, quiet: bool
    ) -> "_Bound | None":
        """The first kept statement of `key` that binds these values, counted as a hit.
        A binding that fails other than by shape or refusal is a gap in the compiler:
        logged, unless `quiet` (the caller then goes the whole way, to `get`)."""
        for prepared in kept:
            try:
                params = prepared.query.bind(coerced)
            except (Mismatch, NotCompilable):
                continue
            except Exception:  # a gap in the compiler: compiled afresh by `get`
                if not quiet:
                    LOG.warning("binding a compiled statement failed; compiling", exc_info=True)
                continue
            self.hits += 1
            self._entries.move_to_end(key)
            return _Bound(prepared, params)
        return None

    def _remember(self, key: CacheKey, cacheable: bool, refusal: _Unsupported) -> _Unsupported:
        if cacheable and not refusal.by_value:
            self._entries[key] = refusal
            self._evict()
        return refusal

    def _evict(self) -> None:
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def _compile(
        self,
        schema: GraphQLSchema,
        dialect: Dialect,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> _Bound | _Unsupported:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            compiled = compile_operation(
                schema, dialect, operation, fragments, variables, max_page_size=self.max_page_size
            )
        except NotCompilable as reason:
            return _Unsupported(str(reason), by_value=isinstance(reason, BadValue))
        except Exception:  # a gap in the compiler: the resolver path still answers right
            record = current_request()
            LOG.warning(
                "compiling failed; the resolvers answer: operation=%s request_id=%s",
                operation.name.value if operation.name else "-",
                record.request_id if record else "-",
                exc_info=True,
            )
            return _Unsupported("compiler error", fault="compiler_error")
        self.compiled += 1
        return _Bound(_Prepared(compiled.statement(), compiled), compiled.params)


class CompiledCacheCollector:
    """The compiled-statement cache's size, hits and misses for a Prometheus registry, read
    at scrape time from the cache's own counters."""

    def __init__(self, queries: CompiledQueries) -> None:
        self.queries = queries

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "compiled_cache_entries",
            "Operations (document and variables' shape) with compiled statements kept",
            value=self.queries.size,
        )
        yield CounterMetricFamily(
            "compiled_cache_hits_total",
            "Requests that reused a compiled statement (or a known refusal) with their values",
            value=self.queries.hits,
        )
        yield CounterMetricFamily(
            "compiled_cache_misses_total",
            "Requests whose operation and variables' shape had to be compiled",
            value=self.queries.misses,
        )


async def run_compiled(
    engine: AsyncEngine, compiled: _Bound, record: RequestRecord | None, operation: str | None
) -> ExecutionResult | None:
    """The compiled answer; the database's unavailability as the answer; or None, for the
    resolvers to answer after a statement that failed (logged, and counted on `record`)."""
    try:
        sql, params = compiled.prepared.for_driver(engine.dialect, compiled.params)
        row = await row_stoppable(engine, sql, params)
        parts = compiled.prepared.query.answer(row)
    except Exception as error:
        if is_unavailable(error):
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(error), original_error=error)]
            )
        LOG.warning(
            "compiled statement failed; the resolvers answer: operation=%s request_id=%s",
            operation or "-",
            record.request_id if record else "-",
            exc_info=True,
        )
        if record is not None:
            record.fallback = "statement_error"
        return None
    counted = compiled.prepared.query.count(parts)
    return ExecutionResult(data=RawJSON(parts, counted))  # type: ignore[arg-type]


class CompiledOutcome:
    """What the compiled path already answered for a request, before Strawberry's pipeline
    ran (service/graphql/view.py, `_prepared_answer`): `result` None means its statement
    failed and the resolvers answer. CompiledExecution takes it instead of running the
    statement a second time."""

    __slots__ = ("result",)

    def __init__(self, result: ExecutionResult | None) -> None:
        self.result = result


class CompiledExecution(SchemaExtension):
    """Answer from one compiled statement when there is one; otherwise step aside."""

    def __init__(self, *, queries: CompiledQueries) -> None:
        self.queries = queries

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        engine = getattr(context.context, "engine", None)
        record = current_request()
        outcome = getattr(context.context, "compiled_outcome", None)
        if isinstance(outcome, CompiledOutcome):
            context.result = outcome.result
        elif document is not None and engine is not None and context.query is not None:
            compiled = self.queries.get(
                graphql_core_schema(context.schema),
                Dialect(engine.dialect.name),
                context.query,
                document,
                context.operation_name,
                context.variables,
            )
            if isinstance(compiled, _Bound):
                context.result = await run_compiled(
                    engine, compiled, record, context.operation_name
                )
            elif compiled.fault is not None and record is not None:
                record.fallback = compiled.fault
        if record is not None:
            record.execution = "resolvers" if context.result is None else "compiled"
        yield
