"""Reading a database back by its URL, on either engine, from synchronous test code.

Each call opens its own engine (plain SQLAlchemy, none of the service's settings), runs in an
event loop of its own and disposes of the engine before returning, so nothing stays
connected between a test's reads and the CLI runs it starts.
"""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

Row = tuple[tuple[str, Any], ...]
Dump = dict[str, list[Row]]

# SQLite's side files: a write-ahead log (and its index), or a rollback journal.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# Tables that are bookkeeping rather than data: Alembic's revision of the schema.
BOOKKEEPING = frozenset({"alembic_version"})


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    assert parsed.database, f"no database file in {url}"
    assert parsed.database != ":memory:", f"no database file in {url}"
    return Path(parsed.database)


def read[T](url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """`work` on a connection to `url`, in a transaction rolled back at the end."""

    async def run() -> T:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def work(conn: AsyncConnection) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await conn.execute(sa.text(sql), params)]

    return read(url, work)


def count(url: str, table: str) -> int:
    return int(query(url, f"SELECT count(*) FROM {table}")[0][0])


def tables(url: str) -> set[str]:
    """Every table the database has, bookkeeping and SQLite's FTS5 shadow tables included.

    A SQLite file that does not exist has none, and is not created by asking.
    """
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return set()

    async def work(conn: AsyncConnection) -> set[str]:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))

    return read(url, work)


def data_tables(url: str) -> set[str]:
    """The tables holding data: all of them but Alembic's and SQLite's FTS5 shadow tables
    (the full-text index's own storage, which the virtual table they belong to reads)."""
    shadow: set[str] = set()
    if sqlite_path(url) is not None:
        shadow = {
            name
            for (name,) in query(url, "SELECT name FROM pragma_table_list WHERE type = 'shadow'")
        }
    return tables(url) - BOOKKEEPING - shadow


def dump(url: str, names: Sequence[str]) -> Dump:
    """Every row of the tables `names`, as (column, value) pairs, each table's rows sorted.

    Columns the database computes itself (PostgreSQL's generated tsvector `document` of
    search_index) are left out on purpose: they follow from the stored columns, which are
    in the dump, and SQLite has no counterpart, so a dump has the same columns on both.
    """

    async def work(conn: AsyncConnection) -> Dump:
        def stored_columns(sync: sa.Connection) -> dict[str, list[str]]:
            inspector = sa.inspect(sync)
            return {
                name: [c["name"] for c in inspector.get_columns(name) if not c.get("computed")]
                for name in names
            }

        columns = await conn.run_sync(stored_columns)
        result: Dump = {}
        for name in names:
            listed = ", ".join(f'"{column}"' for column in columns[name])
            rows = await conn.execute(sa.text(f"SELECT {listed} FROM {name}"))
            result[name] = sorted(
                (tuple(zip(columns[name], row, strict=True)) for row in rows), key=repr
            )
        return result

    return read(url, work)


def file_hashes(url: str) -> dict[str, str]:
    """sha256 of a SQLite database file and of each of its side files present."""
    path = sqlite_path(url)
    assert path is not None, f"not a SQLite URL: {url}"
    candidates = [path, *(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES)]
    return {
        candidate.name: hashlib.sha256(candidate.read_bytes()).hexdigest()
        for candidate in candidates
        if candidate.exists()
    }
