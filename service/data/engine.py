"""The engine. Built by the app's lifespan or by a CLI command, and
disposed by them; nothing here runs at import.

A request costs the database its answer's own statement and nothing else: the app reads
through `for_reads(engine)`, whose connections run each statement on its own (PostgreSQL:
autocommit, no BEGIN/ROLLBACK around it; SQLite: no BEGIN, and the driver's rollback of a
connection with no transaction open sends nothing), and a pooled connection is checked
without a round trip (`_check_without_a_round_trip`). Writes keep their transactions:
`for_writes(engine)` gives them back to an engine that reads.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from service.config import Settings

SQLiteFunctions = Callable[[Any], None]
# The execution option that marks the app's read-only engine (see for_reads).
READS = "isct_reads"
# The execution option of edits: on SQLite they take the write lock when they begin, so two
# edits queue on the busy timeout instead of one failing to upgrade its read lock.
IMMEDIATE = "isct_immediate"


class DatabaseNotReady(Exception):
    """The database the settings name cannot serve: missing, unreadable or not a database."""


def create_engine(
    settings: Settings, *, create: bool = False, sqlite_functions: SQLiteFunctions | None = None
) -> AsyncEngine:
    """A pooled engine: bounded, with dropped connections replaced and a statement timeout
    on PostgreSQL; on SQLite tuned for concurrent readers (WAL, foreign keys, a busy
    timeout). Its connections run transactions, as writes need; reads go through
    `for_reads(engine)`.

    Only the loader creates an SQLite file (`create=True`); a server started on a missing
    file refuses to start rather than serve an empty database it made up.

    `sqlite_functions` registers SQL functions on each new SQLite connection: the app passes
    those its compiled statements call, so this layer never imports the layer above it.
    """
    path = settings.sqlite_path()
    if path is not None:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise DatabaseNotReady(
                f"the database file {path} does not exist; load it with "
                "`python -m service seed` (or start with `python -m service serve`, "
                "which seeds an empty database)"
            )
    # SQLite: the pool keeps every connection it opens, up to the same bound, instead of
    # closing those past POOL_SIZE as they come back. A connection here is a file handle
    # and a thread, nothing a server has to spare, and under a burst wider than POOL_SIZE
    # (20 requests at once) the overflow was opened and closed again on nearly every
    # request: a thread, five PRAGMAs and the SQL functions, each a hop to that thread.
    pool_size, max_overflow = settings.pool_size, settings.pool_max_overflow
    if settings.is_sqlite:
        pool_size, max_overflow = pool_size + max_overflow, 0
    engine = create_async_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_recycle=settings.pool_recycle_s,
        # SQLAlchemy's pre-ping costs a round trip per checkout, which asyncpg's adapter
        # wraps in BEGIN/ROLLBACK: two statements per request. The check below costs none.
        pool_pre_ping=False,
        connect_args=_connect_args(settings),
    )
    if settings.pool_pre_ping and not settings.is_sqlite:
        event.listen(engine.sync_engine.pool, "checkout", _check_without_a_round_trip)
    if settings.is_sqlite:
        _configure_sqlite(
            engine,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            mmap_bytes=settings.sqlite_mmap_mib * 1024 * 1024,
            functions=sqlite_functions,
        )
    return engine


class _ReadConnection(AsyncConnection):
    """A read whose pooled connection turns out to be dead is run again, once, on a fresh
    one. The check at checkout catches a connection the server has closed; this catches
    one it is closing at that very moment (its farewell read, its socket not yet shut),
    which no check short of a round trip can tell. A read can always be run again: it
    changes nothing, and on this engine it runs outside any transaction."""

    async def execute(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        try:
            return await super().execute(statement, parameters, **kw)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
        await self.rollback()  # lets the invalidated connection reconnect on next use
        return await super().execute(statement, parameters, **kw)


class ReadEngine(AsyncEngine):
    """The app's engine: reads on `writes`'s pool, outside transactions."""

    _connection_cls = _ReadConnection

    def __init__(self, writes: AsyncEngine, **options: Any) -> None:
        super().__init__(writes.sync_engine.execution_options(**options))
        self.writes = writes


def for_reads(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, for statements that only read and each stand alone: no transaction
    is opened around them, so a read costs exactly its own statement. One statement is one
    snapshot either way; only a read that needs several statements to agree would need a
    transaction, and the service has none (the resolver path's statements already run on
    separate connections)."""
    if engine.dialect.name == "postgresql":
        return ReadEngine(engine, isolation_level="AUTOCOMMIT", **{READS: True})
    # SQLite: the driver already leaves transactions to us (see _configure_sqlite), so only
    # our BEGIN is to be skipped. SQLAlchemy's AUTOCOMMIT would cost a PRAGMA per checkin,
    # resetting the isolation level.
    return ReadEngine(engine, **{READS: True})


def for_writes(engine: AsyncEngine) -> AsyncEngine:
    """`engine` with transactions, even if it is the app's read engine: a load handed the
    app's engine (as tests do) must still apply all of its changes or none."""
    return engine.writes if isinstance(engine, ReadEngine) else engine


def for_edits(engine: AsyncEngine) -> AsyncEngine:
    """`for_writes`, beginning each transaction with the write lock on SQLite."""
    return for_writes(engine).execution_options(**{IMMEDIATE: True})


def _check_without_a_round_trip(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server has closed (restarted, failed over, or
    pg_terminate_backend) is known to asyncpg as soon as the socket says so: it is replaced
    at checkout, as SQLAlchemy's documented custom pessimistic check does, without a ping
    (the pool reconnects up to three times on DisconnectionError). One found dead only by
    its statement is invalidated with every older connection of the pool (SQLAlchemy's
    optimistic handling), and the read is run again on a fresh one (_ReadConnection);
    pool_recycle bounds how old a connection gets."""
    driver = record.driver_connection
    if driver is not None and driver.is_closed():
        raise sa.exc.DisconnectionError("the server closed this pooled connection")


async def connect_postgresql(settings: Settings) -> Any:
    """An asyncpg connection of its own, outside the pool, with the pool's settings: for a
    task that keeps one open for the life of the process (the revision listener)."""
    import asyncpg  # type: ignore[import-untyped]  # only ever imported on PostgreSQL

    url = sa.make_url(settings.database_url)
    _args, options = url.get_dialect()().create_connect_args(url)
    options.update(_connect_args(settings))
    options.pop("prepared_statement_cache_size", None)  # SQLAlchemy's adapter's, not asyncpg's
    return await asyncpg.connect(**options)


def _connect_args(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        return {}
    server_settings = {"application_name": "isct-partner-graph"}
    if settings.statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.statement_timeout_ms)
    # JIT pays off for long analytical scans; for one request's statement the compile costs
    # more than the run, and the planner's cost estimate, which turns it on, grows with the data.
    server_settings["jit"] = "on" if settings.pg_jit else "off"
    return {
        "server_settings": server_settings,
        "timeout": settings.pool_timeout_s,
        # PgBouncer in transaction mode hands each transaction to any server connection, so
        # statements prepared on one are unknown on the next: it needs the cache off.
        "statement_cache_size": settings.pg_statement_cache_size,
        "prepared_statement_cache_size": settings.pg_statement_cache_size,
    }


def _configure_sqlite(
    engine: AsyncEngine,
    *,
    busy_timeout_ms: int,
    mmap_bytes: int,
    functions: SQLiteFunctions | None,
) -> None:
    """The sqlite3 driver commits DDL on its own and begins transactions lazily, so a rolled
    back migration would leave tables behind. The driver's transaction handling is switched
    off and SQLAlchemy's begin issues BEGIN itself, as SQLAlchemy's SQLite docs describe."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
        cursor.close()
        if functions is not None:
            functions(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get(READS):
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")

    _skip_idle_rollbacks(engine)


def _skip_idle_rollbacks(engine: AsyncEngine) -> None:
    """A rollback with no transaction open is not sent to aiosqlite's thread: sqlite3's own
    rollback does nothing then, but the hop to the connection's thread and back (and the
    wait for the GIL each way) still cost more than a read's statement. Every pooled
    connection is rolled back as it is returned, and reads never open a transaction, so
    this was one wasted hop per request. `in_transaction` is sqlite3's flag, read where it
    is kept; a connection with a transaction open is rolled back as before."""
    dialect = engine.sync_engine.dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and getattr(driver, "in_transaction", True) is False:
            return
        rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
