"""What a database error means for the client: the database cannot serve right now (retry),
or the statement itself is wrong (our fault).

The answer comes from the driver's own error code, never from SQLAlchemy's exception class
alone: both drivers raise the same class for different things (sqlite3 calls a missing
table and a failing disk both OperationalError; asyncpg's statement timeout is an
OperationalError too), and the same fault must read the same on both engines.
"""

import sqlite3

import sqlalchemy.exc

# SQLite primary result codes (the low byte of the extended code) that say the database
# cannot serve now: locked or busy, out of memory or disk, the file unopenable, I/O failing,
# the statement interrupted. A corrupt file or a wrong statement is not among them.
SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_INTERRUPT,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
# PostgreSQL SQLSTATE classes and codes that say the same: connection exceptions (08),
# insufficient resources (53), operator intervention (57: shutdown, cannot connect now,
# statement cancelled or timed out), system errors (58), and the transaction conflicts a
# retry resolves (40001 serialization, 40P01 deadlock, 55P03 lock not available).
PG_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
PG_UNAVAILABLE_CODES = frozenset({"40001", "40P01", "55P03"})


def is_unavailable(error: BaseException) -> bool:
    """The database could not serve (down, unreachable, out of connections, shutting down,
    busy, its disk failing): the client should retry. False for a fault in the statement."""
    if isinstance(error, sqlalchemy.exc.TimeoutError):  # no free connection in the pool
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        return error.connection_invalidated or _driver_unavailable(error.orig)
    # Raised before a DBAPI connection exists: refused or timed-out connects.
    return isinstance(error, (ConnectionError, TimeoutError, OSError))


def _driver_unavailable(orig: BaseException | None) -> bool:
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in SQLITE_UNAVAILABLE
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(PG_UNAVAILABLE_CLASSES) or sqlstate in PG_UNAVAILABLE_CODES
    # No code at all: a connection-level failure the driver raised itself.
    return isinstance(orig, (ConnectionError, TimeoutError, OSError))
