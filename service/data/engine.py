"""The engine. Built by the app's lifespan or by a CLI command, and
disposed by them; nothing here runs at import."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.config import Settings

SQLiteFunctions = Callable[[Any], None]


class DatabaseNotReady(Exception):
    """The database the settings name cannot serve: missing, unreadable or not a database."""


def create_engine(
    settings: Settings, *, create: bool = False, sqlite_functions: SQLiteFunctions | None = None
) -> AsyncEngine:
    """A pooled engine: bounded, pre-pinged and with a statement timeout on PostgreSQL; on
    SQLite tuned for concurrent readers (WAL, foreign keys, a busy timeout).

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
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_recycle=settings.pool_recycle_s,
        pool_pre_ping=settings.pool_pre_ping and not settings.is_sqlite,
        connect_args=_connect_args(settings),
    )
    if settings.is_sqlite:
        _configure_sqlite(
            engine,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            mmap_bytes=settings.sqlite_mmap_mib * 1024 * 1024,
            functions=sqlite_functions,
        )
    return engine


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
        connection.exec_driver_sql("BEGIN")
