"""Every statement the database itself receives, whoever sends it: SQLAlchemy's own events
miss what drivers and pools send by themselves (asyncpg's BEGIN and ROLLBACK around a
statement, a pool's pre-ping, SQLite's implicit transactions), so a count per request is
taken from the database's side.

- SQLite: each new connection gets the sqlite3 trace callback (`set_trace_callback`, through
  SQLAlchemy's pool `connect` event), which sees every statement the library runs,
  transaction control included.
- PostgreSQL: `log_statement = 'all'` on the test's database (ALTER DATABASE, so only its new
  connections log), read back from the server's log file (tests/postgres.py writes it next to
  the data directory): one `statement:` or `execute <name>:` line per statement run.

Start it before the app opens its connections; `mark()` then `since()` give what was run in
between.
"""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import Pool
from sqlalchemy.util import await_

# A statement's first line in PostgreSQL's log (the rest of a multi-line one follows bare).
PG_STATEMENT = re.compile(r"\bLOG:  (?:statement|execute [^:]*): (.*)$")


class StatementLog:
    def mark(self) -> None:
        raise NotImplementedError

    def since(self) -> list[str]:
        """The statements run since the last mark, in order (each by its first line)."""
        raise NotImplementedError


class _SQLiteTrace(StatementLog):
    def __init__(self) -> None:
        self.seen: list[str] = []  # list.append is atomic: the driver's threads call it

    def on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver is not None and hasattr(driver, "set_trace_callback"):  # aiosqlite
            await_(driver.set_trace_callback(self.seen.append))

    def mark(self) -> None:
        self.seen.clear()

    def since(self) -> list[str]:
        return [statement.strip().splitlines()[0] for statement in self.seen]


class _PostgreSQLLog(StatementLog):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size

    def since(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode(errors="replace")
        return [m.group(1) for line in text.splitlines() if (m := PG_STATEMENT.search(line))]


@asynccontextmanager
async def statement_log(database_url: str) -> AsyncIterator[StatementLog]:
    """What the database at `database_url` runs, from connections opened inside the block."""
    if database_url.startswith("sqlite"):
        trace = _SQLiteTrace()
        event.listen(Pool, "connect", trace.on_connect)
        try:
            yield trace
        finally:
            event.remove(Pool, "connect", trace.on_connect)
        return
    server, database = database_url.rsplit("/", 1)
    admin = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'"))
            data = Path((await conn.execute(sa.text("SHOW data_directory"))).scalar_one())
    finally:
        await admin.dispose()
    log = _PostgreSQLLog(data.parent / "server.log")
    log.mark()
    yield log


# A compiled answer's one statement: it selects the answer's values as columns named
# answer_1, answer_2, ... (service/graphql/compiler/dialects.py, `Dialect.statement`).
COMPILED_STATEMENT = re.compile(r"(?:^|\n)SELECT .* AS answer_1\b", re.DOTALL)
