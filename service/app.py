"""The ASGI app: `create_app(settings)` builds it; the lifespan owns the engine."""

import asyncio
import functools
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Scope
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from service.auth.caller import Accounts
from service.config import Settings
from service.data.engine import DatabaseNotReady, create_engine, for_reads
from service.data.migrate import upgrade
from service.data.revision import HeldRevision, held_revision
from service.graphql.compiler.dialects import register_sqlite
from service.graphql.compiler.execution import RawJSON
from service.graphql.context import Context
from service.graphql.schema import PartnerGraphSchema, build_schema
from service.graphql.view import GraphQLView
from service.http.admission import ConcurrencyLimitMiddleware
from service.http.caching import GraphQLETagMiddleware
from service.http.compression import CompressionMiddleware
from service.http.guard import HTTPGuardMiddleware
from service.http.observability import (
    Metrics,
    ObservabilityMiddleware,
    count_statements,
    metrics_endpoint,
)
from service.http.pages import routes as browser_routes
from service.http.persisted_queries import PersistedQueryMiddleware, QueryStore, load_safelist
from service.http.response_cache import (
    ResponseCache,
    ResponseCacheCollector,
    ResponseCacheMiddleware,
)
from service.live.feed import ChangeFeed
from service.live.hub import LiveCollector, live_hub
from service.runtime import cap_malloc_arenas, freeze_startup_objects

STARTUP_LOG = logging.getLogger("service.startup")
# What real clients send: JSON, tokens (editing), our request ids and ETags, Apollo's
# client awareness headers. No credentials (cookies) are ever allowed cross-origin.
CORS_REQUEST_HEADERS = [
    "accept",
    "content-type",
    "authorization",
    "x-request-id",
    "if-none-match",
    "apollographql-client-name",
    "apollographql-client-version",
]


async def _answer(
    schema: PartnerGraphSchema,
    engine: AsyncEngine,
    settings: Settings,
    query: str,
    variables: dict[str, Any] | None,
) -> str:
    """A live query's answer as JSON text, run as an anonymous reader within the request
    time budget, by the same schema (and compiled path) as a request."""
    context = Context(engine=engine, settings=settings)
    async with asyncio.timeout(settings.request_timeout_s):
        result = await schema.execute(query, variable_values=variables, context_value=context)
    data = json.loads(result.data.text) if isinstance(result.data, RawJSON) else result.data
    body: dict[str, Any] = {"data": data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


async def healthz(_request: Request) -> Response:
    """The process is up; says nothing about the database."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the database answers; 503 (not an exception) while it does not."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1 FROM organization LIMIT 1"))
    except Exception as error:  # any failure to reach the database means "not ready"
        return JSONResponse(
            {"status": "unavailable", "reason": type(error).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok"})


async def _open_database(settings: Settings) -> AsyncEngine:
    """The engine, after proving the database is there and usable: a server started on a
    missing or corrupt database exits with a clear message instead of serving errors."""
    engine = create_engine(settings, sqlite_functions=register_sqlite)
    try:
        async with engine.begin() as conn:
            if settings.migrate_on_startup:
                await upgrade(conn)
            await conn.execute(sa.text("SELECT 1 FROM organization LIMIT 1"))
    except sa.exc.DBAPIError as error:
        await engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseNotReady(f"cannot use the database: {reason}") from error
    return engine


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    schema = build_schema(settings)
    metrics = Metrics(documents=schema.prepared_documents)
    if schema.compiled_queries is not None:
        metrics.registry.register(schema.compiled_queries.collector())
    answers = ResponseCache(max_bytes=settings.response_cache_bytes)
    metrics.registry.register(ResponseCacheCollector(answers))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        cap_malloc_arenas(settings.malloc_arena_max)  # before the engine starts its threads
        try:
            engine = await _open_database(settings)
        except DatabaseNotReady as error:
            STARTUP_LOG.error("%s", error)
            raise
        try:
            # Requests only read, one statement each, with no transaction around it; the
            # ETags' revision is held in memory, kept current by a task of its own.
            reads = for_reads(engine)
            count_statements(reads)
            async with (
                held_revision(engine, settings) as revision,
                live_hub(
                    ChangeFeed(reads, capacity=settings.live_backlog),
                    functools.partial(_answer, schema, reads, settings),
                    revision,
                    max_sockets=settings.max_websockets,
                ) as live,
            ):
                app.state.engine = reads
                app.state.revision = revision
                app.state.settings = settings
                app.state.metrics = metrics
                app.state.accounts = Accounts(reads, settings)  # OIDC keys, editing switch
                app.state.live = live
                live_metrics.hub = live
                freeze_startup_objects()
                yield
        finally:
            await engine.dispose()

    live_metrics = LiveCollector()
    metrics.registry.register(live_metrics)
    graphql = GraphQLView(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_s),
        max_subscriptions_per_connection=settings.max_subscriptions,
        allowed_origins=settings.cors_origins,
    )
    return Starlette(
        middleware=_middleware(settings, metrics, answers),
        routes=[
            Route("/graphql", graphql),  # the view refuses other methods, GraphQL-shaped
            WebSocketRoute("/graphql", graphql),  # subscriptions: graphql-transport-ws
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            *browser_routes(),  # the partners page at /, static files (GraphiQL's included)
        ],
        lifespan=lifespan,
    )


def _middleware(settings: Settings, metrics: Metrics, answers: ResponseCache) -> list[Middleware]:
    """Outermost first: request id and logs (so every refusal is logged), compression (of
    everything, refusals included; it makes the ETags weak), size and CSRF guard, CORS, the
    concurrency limit (inside CORS, so a browser client on another origin can read its 503),
    persisted queries, ETags, then the response cache next to the GraphQL view (so a hit
    gets the same ETag, encoding and request id as a fresh answer)."""
    safelist = load_safelist(settings.safelist_path) if settings.safelist_path else None
    store = QueryStore(capacity=settings.apq_capacity, safelist=safelist)
    return [
        Middleware(ObservabilityMiddleware, metrics=metrics),
        Middleware(CompressionMiddleware),
        Middleware(HTTPGuardMiddleware, max_body_bytes=settings.max_body_bytes),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=["etag", "x-request-id", "retry-after"],
            max_age=600,
        ),
        Middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrency),
        Middleware(PersistedQueryMiddleware, store=store),
        Middleware(GraphQLETagMiddleware),
        Middleware(ResponseCacheMiddleware, cache=answers, revision=held_revision_of),
    ]


async def held_revision_of(scope: Scope) -> int | None:
    """The dataset revision this process holds (service/data/revision.py), while it follows
    the database: cut off from it, the process would not hear a change, so the response
    cache is neither read nor filled until the watch is back."""
    revision: HeldRevision | None = getattr(scope["app"].state, "revision", None)
    return await revision.fresh() if revision is not None else None


@functools.cache
def _default_app() -> Starlette:
    return create_app()


def __getattr__(name: str) -> Starlette:
    """`service.app:app` for ASGI servers: built (once) on first access, not at import, so
    importing this module never reads settings or touches a database."""
    if name == "app":
        return _default_app()
    raise AttributeError(name)
