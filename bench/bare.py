"""The least a server on this stack can do for the small query: the floor under the
small-uncached target (bench/load.py `bare_under_load`, reported as "The stack's own floor").

A bare ASGI app, run by the same uvicorn as `python -m service serve` (uvloop, httptools,
one process), with nothing of the service's: no middleware, no GraphQL, no SQLAlchemy.
`GET /healthz` answers `{"status":"ok"}`; `POST /graphql` reads the body, takes
`variables.slug` and answers `{"data": ...}` from one statement that builds
`{"organization": {"name", "acronym"}}` (or null) on a pooled driver connection: aiosqlite
for SQLite (the same one-hop read as the service's), asyncpg for PostgreSQL.
BARE_DATABASE_URL names the database, as DATABASE_URL does for the service.

What the small query costs here beyond `/healthz` is the database round trip through the
stack's async driver and little else; no GraphQL server on this stack can answer the
small query for less than that on top of its own `/healthz`.
"""

import asyncio
import json
import os
from typing import Any

import aiosqlite
import asyncpg

POOL_SIZE = 10
SQLITE = (
    "SELECT json_object('organization', (SELECT json_object('name', name, 'acronym', acronym) "
    "FROM organization WHERE slug = ?))"
)
POSTGRESQL = (
    "SELECT json_build_object('organization', (SELECT json_build_object('name', name, "
    "'acronym', acronym) FROM organization WHERE slug = $1))::text"
)
HEALTHY = b'{"status":"ok"}'
state: dict[str, Any] = {}


async def _start() -> None:
    url = os.environ["BARE_DATABASE_URL"]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        pool: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for _ in range(POOL_SIZE):
            connection = await aiosqlite.connect(path)
            await connection.execute("PRAGMA query_only = 1")
            pool.put_nowait(connection)
        state["sqlite"] = pool
    else:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        state["postgresql"] = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)


async def _stop() -> None:
    if "sqlite" in state:
        while not state["sqlite"].empty():
            await state["sqlite"].get_nowait().close()
    if "postgresql" in state:
        await state["postgresql"].close()


async def _organization(slug: str) -> str:
    if "sqlite" in state:
        pool = state["sqlite"]
        connection = await pool.get()
        try:
            rows = await connection.execute_fetchall(SQLITE, (slug,))
        finally:
            pool.put_nowait(connection)
        return str(rows[0][0])
    async with state["postgresql"].acquire() as connection:
        return str(await connection.fetchval(POSTGRESQL, slug))


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        slug = json.loads(b"".join(chunks))["variables"]["slug"]
        body = ('{"data":' + await _organization(slug) + "}").encode()
    else:
        body = HEALTHY
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
