"""A statement that stops in the database when the request waiting for it is cancelled.

Cancelling the task that awaits a statement stops the waiting, not the work. aiosqlite runs
each statement in a worker thread that carries on regardless, and SQLAlchemy, on the
cancellation, closes the connection by queueing the close behind that statement: the
request's 503 would wait for the statement to finish, and its connection stay busy.
asyncpg does better on its own (a cancelled query sends PostgreSQL a cancel request).

So the statement runs in a task of its own, shielded from the caller's cancellation; when
that comes, the statement is stopped the way its driver allows (SQLite: the connection's
interrupt(), which is safe from another thread; PostgreSQL: cancelling the task, which
makes asyncpg cancel the query on the server), its task is awaited so the connection goes
back to the pool idle, and the cancellation carries on.
"""

import asyncio
import contextlib
import sqlite3
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import Executable, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

INTERRUPT_EVERY_S = 0.05  # an interrupt that lands before the statement starts is lost


async def execute_stoppable(
    conn: AsyncConnection, statement: Executable, params: dict[str, Any]
) -> Result[Any]:
    """`conn.execute(statement, params)`, stopped in the database if the caller is
    cancelled (the request's time budget ran out) before it finishes."""
    raw = await conn.get_raw_connection()
    running = asyncio.ensure_future(conn.execute(statement, params))
    running.add_done_callback(_retrieve)  # even if a second cancellation cuts _stop short
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await _stop(running, raw.driver_connection)
        raise


async def row_stoppable(
    engine: AsyncEngine, statement: str, params: tuple[Any, ...]
) -> tuple[Any, ...]:
    """The one row of a one-row read, `statement` as SQLAlchemy compiles it for the engine's
    driver (positional parameters, `params` in their order), on a connection of `engine`'s
    pool: aiosqlite's on SQLite, asyncpg's on PostgreSQL.

    It takes the pooled connection as it is, without a SQLAlchemy Connection around it:
    setting that up and tearing it down took 45 us a read on SQLite, the pool's own
    checkout and checkin 20; on PostgreSQL, in a loop of the small query's read on a
    local server, 253-326 us that way and 128-175 us here. On SQLite it is one hop to aiosqlite's
    thread where SQLAlchemy's cursor makes four (open, execute, fetch, close), each a wait
    for the GIL both ways under load. On PostgreSQL no transaction is opened around it
    (asyncpg runs a statement outside one on its own), as the read engine's AUTOCOMMIT
    does. What SQLAlchemy would do around it is kept: the engine's `before_cursor_execute`
    listeners hear the statement (the request's count, the tests' counters), a driver error
    is raised as SQLAlchemy's DBAPIError (`connection_invalidated` when the connection is
    gone, which then leaves the pool), a result that is not one row as `one()`'s error,
    and a cancelled caller stops it in the database. The connection goes back to the pool
    as a Connection's would, reset included (in a greenlet: closing one the pool has
    invalidated awaits the driver)."""
    errors = engine.dialect.loaded_dbapi.Error
    try:
        pooled = await engine.raw_connection()
    except errors as error:  # the driver's, translated by SQLAlchemy's adapter: not wrapped
        raise sa.exc.DBAPIError.instance(statement, params, error, errors) from error
    driver: Any = pooled.driver_connection  # aiosqlite's or asyncpg's connection
    on_sqlite = isinstance(driver, aiosqlite.Connection)
    try:
        engine.sync_engine.dispatch.before_cursor_execute(
            None, None, statement, params, None, False
        )
        running = asyncio.ensure_future(
            driver.execute_fetchall(statement, params)
            if on_sqlite
            else driver.fetch(statement, *params)
        )
        running.add_done_callback(_retrieve)
        try:
            rows = list(await asyncio.shield(running))
        except asyncio.CancelledError:
            await _stop(running, driver)
            raise
    except Exception as error:
        if not isinstance(error, _driver_errors(on_sqlite)):
            raise
        gone = not on_sqlite and driver.is_closed()  # SQLite's connection is a file: never
        if gone:
            await greenlet_spawn(pooled.invalidate, error)
        raise sa.exc.DBAPIError.instance(
            statement, params, error, Exception, connection_invalidated=gone
        ) from error
    finally:
        await greenlet_spawn(pooled.close)
    if not rows:
        raise sa.exc.NoResultFound("No row was found when one was required")
    if len(rows) > 1:
        raise sa.exc.MultipleResultsFound("Multiple rows were found when one was required")
    return tuple(rows[0])


def _driver_errors(on_sqlite: bool) -> tuple[type[BaseException], ...]:
    """What the driver raises for a statement: sqlite3's errors; asyncpg's (the server's,
    its own, and the socket's), imported only on PostgreSQL."""
    if on_sqlite:
        return (sqlite3.Error,)
    import asyncpg  # type: ignore[import-untyped]

    return (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


def _retrieve(done: "asyncio.Future[Any]") -> None:
    """Mark a stopped statement's error as seen: stopping it was the point."""
    if not done.cancelled():
        done.exception()


async def _stop(running: "asyncio.Future[Any]", driver: Any) -> None:
    if isinstance(driver, aiosqlite.Connection):
        while not running.done():
            await driver.interrupt()  # runs on the caller's thread, not queued behind the work
            await asyncio.wait([running], timeout=INTERRUPT_EVERY_S)
    else:
        running.cancel()
        await asyncio.wait([running])
    with contextlib.suppress(asyncio.CancelledError):
        running.exception()  # retrieved: stopping it was the point
