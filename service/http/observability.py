"""What operators see: a request id on every request, one JSON access-log line per request,
and Prometheus metrics at /metrics.

The request's record (id, statements, and what the GraphQL layer learns: operation name,
cost, error codes) lives in a context variable, so the DataLoader batches of a request,
which run in tasks of their own, count their SQL statements into the right request.
"""

import gc
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.runtime import malloc_arenas

ACCESS_LOG = logging.getLogger("service.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class RequestRecord:
    request_id: str
    sql_statements: int = 0
    operation: str | None = None
    cost: dict[str, Any] | None = None
    error_codes: list[str] = field(default_factory=list)
    execution: str | None = None  # "compiled" or "resolvers": which path answered
    fallback: str | None = None  # why the compiled path failed and the resolvers answered


CURRENT: ContextVar[RequestRecord | None] = ContextVar("current_request", default=None)


def current_request() -> RequestRecord | None:
    return CURRENT.get()


class DocumentCounts(Protocol):
    """What the GraphQL layer's document store counts (service/graphql/documents.py)."""

    @property
    def parsed(self) -> int: ...
    @property
    def validated(self) -> int: ...


class DocumentCollector:
    """Reads the store's own counters at scrape time: the store stays the one source of
    truth, and nothing has to remember to increment a second counter alongside it."""

    def __init__(self, counts: DocumentCounts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "graphql_documents_parsed_total",
            "GraphQL documents parsed (a repeated text is parsed once while it is cached)",
            value=self.counts.parsed,
        )
        yield CounterMetricFamily(
            "graphql_documents_validated_total",
            "GraphQL documents validated (a repeated text is validated once while cached)",
            value=self.counts.validated,
        )


class Metrics:
    """One registry per app, so tests and several apps in a process do not share counts."""

    def __init__(self, *, documents: DocumentCounts | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests by route and status",
            ["method", "path", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency", ["path"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )  # fmt: skip
        self.statements = Histogram(
            "sql_statements_per_request", "SQL statements sent per request", ["path"],
            buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128), registry=self.registry,
        )  # fmt: skip
        self.executions = Counter(
            "graphql_executions_total",
            "Executed GraphQL operations by path: one compiled statement, or the resolvers",
            ["path"], registry=self.registry,
        )  # fmt: skip
        self.fallbacks = Counter(
            "compiled_fallback_total",
            "Operations the compiled path failed on (statement_error, compiler_error) and the "
            "resolvers answered", ["reason"], registry=self.registry,
        )  # fmt: skip
        self.graphql_errors = Counter(
            "graphql_errors_total", "GraphQL errors by code", ["code"], registry=self.registry
        )
        frozen = Gauge(
            "python_gc_frozen_objects",
            "Objects the cyclic garbage collector no longer walks: what was alive once the "
            "process had started", registry=self.registry,
        )  # fmt: skip
        frozen.set_function(gc.get_freeze_count)
        arenas = Gauge(
            "process_malloc_arenas",
            "Memory arenas the C library's malloc has made (glibc; 0 elsewhere): at most "
            "MALLOC_ARENA_MAX", registry=self.registry,
        )  # fmt: skip
        arenas.set_function(malloc_arenas)
        if documents is not None:
            self.registry.register(DocumentCollector(documents))

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def count_statements(engine: AsyncEngine) -> None:
    """Count each SQL statement into the request that sent it (no-op outside requests)."""

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        record = CURRENT.get()
        if record is not None and statement.strip().upper() not in TRANSACTION_CONTROL:
            record.sql_statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before)


def _path_label(path: str) -> str:
    """Bounded label values: unknown paths share one label."""
    if path in ("/graphql", "/healthz", "/readyz", "/metrics", "/"):
        return path
    return "/static" if path.startswith("/static/") else "other"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        record = RequestRecord(request_id=given if REQUEST_ID.match(given) else uuid.uuid4().hex)
        token = CURRENT.set(record)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = record.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CURRENT.reset(token)
            self._record(scope, record, status, time.perf_counter() - started)

    def _record(self, scope: Scope, record: RequestRecord, status: int, duration: float) -> None:
        path = _path_label(scope["path"])
        self.metrics.requests.labels(scope["method"], path, str(status)).inc()
        self.metrics.latency.labels(path).observe(duration)
        self.metrics.statements.labels(path).observe(record.sql_statements)
        if record.execution is not None:
            self.metrics.executions.labels(record.execution).inc()
        if record.fallback is not None:
            self.metrics.fallbacks.labels(record.fallback).inc()
        for code in record.error_codes:
            self.metrics.graphql_errors.labels(code).inc()
        ACCESS_LOG.info(
            json.dumps(
                {
                    "request_id": record.request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                    "operation": record.operation,
                    "cost": record.cost,
                    "sql_statements": record.sql_statements,
                    "errors": record.error_codes or None,
                    "execution": record.execution,
                },
                separators=(",", ":"),
            )
        )


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return metrics.render()
