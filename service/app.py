"""The ASGI app: `create_app(settings)` builds it; the lifespan owns the engine."""

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.config import Settings
from service.db import create_engine
from service.graphql.schema import build_schema
from service.graphql.view import GraphQLView
from service.http_cache import GraphQLETagMiddleware
from service.schema_migrations import upgrade
from service.web import routes as browser_routes


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


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings)
        if settings.migrate_on_startup:
            async with engine.begin() as conn:
                await upgrade(conn)
        app.state.engine = engine
        app.state.settings = settings
        try:
            yield
        finally:
            await engine.dispose()

    graphql = GraphQLView(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=True,
    )
    return Starlette(
        middleware=[Middleware(GraphQLETagMiddleware)],
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *browser_routes(),  # the partners page at /, static files (GraphiQL's included)
        ],
        lifespan=lifespan,
    )


@functools.cache
def _default_app() -> Starlette:
    return create_app()


def __getattr__(name: str) -> Starlette:
    """`service.app:app` for ASGI servers: built (once) on first access, not at import, so
    importing this module never reads settings or touches a database."""
    if name == "app":
        return _default_app()
    raise AttributeError(name)
