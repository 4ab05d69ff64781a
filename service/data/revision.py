"""The dataset revision, held in memory by each process and refreshed when the data changes.

Every GET answer is tagged with the revision (`service/http/caching.py`), so reading it from
the database per request would cost a statement on every request, a revalidation (304)
included, that the answer itself does not need. Instead each process reads it once at
start-up and then follows the database, on a connection of its own outside the pool:

- PostgreSQL: whatever bumps the revision calls `announce` in the same transaction, which
  sends `NOTIFY dataset_revision` with the new number; PostgreSQL delivers it when that
  transaction commits, to every process LISTENing, so every replica hears it at once. A
  lost listening connection is reopened (with a growing pause while the server is away)
  and the revision read again, since notifications sent meanwhile are gone. The revision is
  also read again every `RESYNC_S` on that connection, which catches a writer that did not
  announce and a connection that died without the socket saying so.
- SQLite: `PRAGMA data_version` on the watcher's own connection changes whenever another
  connection (any process) commits to the file; it is checked every `POLL_S` and the
  revision read again when it moved. Between two looks, what is derived from the revision
  (ETags, cached answers) is given out only while the WAL index's header is as it was
  when the revision was read (`WalIndex`): every commit rewrites that header, which SQLite
  keeps in the `-shm` file every connection to the database maps. Reading its 48 bytes
  where SQLite mapped them is a memory read, no statement; when they moved, the watcher
  reads the revision again before the request goes on (`HeldRevision.fresh`). So another
  worker's edit reaches this process's next answer at once, not up to `POLL_S` later
  (with two workers, 41 of 100 anonymous reads right after an edit, on new connections,
  got the old version from the other worker's response cache).

The held value can lag the database by up to `POLL_S` (SQLite, for what does not check the
header, such as live updates) or the notification's delivery (PostgreSQL), never lead it:
it is only ever set from committed values. An ETag computed from it therefore never names a
revision newer than the data the answer reads.
"""

import asyncio
import contextlib
import ctypes
import functools
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.config import Settings
from service.data import queries
from service.data.engine import connect_postgresql

LOG = logging.getLogger("service.revision")

CHANNEL = "dataset_revision"
READ = "SELECT revision FROM dataset_revision WHERE id = 1"
POLL_S = 0.2  # SQLite: how often data_version is looked at
RECHECK_WAIT_S = 0.05  # SQLite: how long a request waits for the revision to be read again
RESYNC_S = 30.0  # PostgreSQL: how often the listening connection reads the revision anyway
RETRY_FIRST_S, RETRY_MOST_S = 0.1, 2.0  # pause before reopening a lost connection, growing


async def announce(conn: AsyncConnection) -> None:
    """Tell every process the revision changed, in the caller's transaction (so only if it
    commits). PostgreSQL only: SQLite's watchers see any commit through data_version."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            sa.text(
                "SELECT pg_notify(:channel, CAST(revision AS text)) "
                "FROM dataset_revision WHERE id = 1"
            ),
            {"channel": CHANNEL},
        )


class HeldRevision:
    """The dataset revision as this process last heard it."""

    def __init__(self) -> None:
        self._value: int | None = None
        self.heard = asyncio.Event()  # set once the revision has been read
        # Whether a change would be heard now: false while the watch's connection is lost
        # (the database away, or this process cut off from it). What must never outlive a
        # change, like a cached answer, is only trusted while this holds.
        self.following = False
        self._moved = asyncio.Event()  # set, and replaced, each time the value changes
        self._committed = 0  # the latest revision this process committed itself
        # Whether nothing has committed since the value was read, where a follower can tell
        # without a statement (SQLite's WAL index); None: trusted until a change is heard.
        self._unchanged: Callable[[], bool] | None = None
        self.recheck = asyncio.Event()  # set when a request found that something committed
        self._checked = asyncio.Event()  # set, and replaced, each time the follower has looked

    async def moved_past(self, revision: int | None) -> int:
        """The held revision once it differs from `revision` (at once if it already does):
        what live updates wait on, woken by every change any process commits."""
        while self._value is None or self._value == revision:
            await self._moved.wait()
        return self._value

    @property
    def trusted(self) -> int | None:
        """The revision while a change would be heard (`following`) and, where the follower
        can tell, nothing has committed since it was read; else None: what is derived from
        the revision (ETags, cached answers) is only given out meanwhile."""
        if not self.following:
            return None
        if self._unchanged is not None and not self._unchanged():
            self.recheck.set()
            return None
        return self._value

    async def fresh(self) -> int | None:
        """`trusted`, after waiting (up to RECHECK_WAIT_S) for the follower to read the
        revision again where something committed since its last read: a request just after
        an edit, this process's own included, is keyed and tagged with the new revision
        rather than answered without a cache or an ETag. A commit during the wait earns one
        more; under a stream of commits the request is answered fresh, without either."""
        for look in range(3):
            if not self.following:
                return None
            if self._unchanged is None or self._unchanged():
                return self._value
            checked = self._checked
            self.recheck.set()
            if look < 2:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(checked.wait(), timeout=RECHECK_WAIT_S)
        return None

    def current_while(self, unchanged: Callable[[], bool] | None) -> None:
        """The held value is current for as long as `unchanged()` holds (the follower's
        check as of its last read), or until a change is heard when None."""
        self._unchanged = unchanged
        self._checked.set()
        self._checked = asyncio.Event()

    def advance(self, value: int) -> None:
        """A revision this process committed itself: held at once (read-your-writes),
        unless the follower already heard a later one."""
        self._committed = max(self._committed, value)
        if self._value is None or value > self._value:
            self.set(value)

    def set(self, value: int) -> None:
        # The follower may have read the revision just before this process committed a
        # later one and hand it over just after: it must not take the held value back
        # below what this process committed (a read would be keyed, and answered from the
        # response cache, as of before its own edit).
        value = max(value, self._committed)
        if self._value is not None and value != self._value:
            LOG.info("dataset revision %d -> %d", self._value, value)
        moved = value != self._value
        self._value = value
        self.heard.set()
        if moved:
            self._moved.set()
            self._moved = asyncio.Event()


@contextlib.asynccontextmanager
async def held_revision(engine: AsyncEngine, settings: Settings) -> AsyncIterator[HeldRevision]:
    """The revision, kept current by a background task until exit. Returns once the task
    has read it (and, on PostgreSQL, listens), so that a served app is already following
    the database; should that take longer than the pool's timeout, it is read through the
    pool instead and the task keeps trying."""
    held = HeldRevision()
    path = settings.sqlite_path()
    follow: Callable[[], Awaitable[None]] | None
    if not settings.is_sqlite:
        follow = _PostgreSQLFollower(held, settings).run
    elif path is not None:
        follow = _SQLiteFollower(held, path).run
    else:
        follow = None  # an in-memory database: no other connection can change it
    task = asyncio.create_task(follow(), name="dataset-revision") if follow else None
    try:
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(held.heard.wait(), timeout=settings.pool_timeout_s)
        if not held.heard.is_set():
            if task is not None:
                LOG.warning("the revision watch is not up yet; read through the pool meanwhile")
            async with engine.connect() as conn:
                revision = await queries.dataset_revision(conn)
            if not held.heard.is_set():
                held.set(revision)
        if task is None:
            held.following = True  # an in-memory database: nothing else can change it
        yield held
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _Pause:
    """The wait before reopening a lost connection: RETRY_FIRST_S, doubling up to
    RETRY_MOST_S while the attempts keep failing; back to the first after a success."""

    def __init__(self) -> None:
        self.next_s = RETRY_FIRST_S

    async def wait(self) -> None:
        await asyncio.sleep(self.next_s)
        self.next_s = min(self.next_s * 2, RETRY_MOST_S)

    def reset(self) -> None:
        self.next_s = RETRY_FIRST_S


class _PostgreSQLFollower:
    def __init__(self, held: HeldRevision, settings: Settings) -> None:
        self.held = held
        self.settings = settings

    async def run(self) -> None:
        pause = _Pause()
        while True:
            try:
                conn = await connect_postgresql(self.settings)
            except Exception as error:  # the server is away: try again, waiting longer
                LOG.warning("revision listener cannot connect: %s", _reason(error))
                await pause.wait()
                continue
            try:
                await self._listen(conn, pause)
            except Exception as error:
                LOG.warning("revision listener lost its connection: %s", _reason(error))
            finally:
                self.held.following = False
                await _close(conn)
            await pause.wait()

    async def _listen(self, conn: Any, pause: _Pause) -> None:
        """Until the connection is lost: LISTEN first, then read, so that no commit falls
        between the two unseen; then follow the notifications."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, self._notified)
        self.held.set(int(await conn.fetchval(READ) or 0))
        self.held.following = True
        pause.reset()
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=RESYNC_S)
                return
            value = await conn.fetchval(READ, timeout=RESYNC_S)
            self.held.set(int(value or 0))

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.held.set(int(payload))
        except ValueError:
            LOG.warning("ignored a %s notification without a revision: %r", CHANNEL, payload)


class _SQLiteFollower:
    def __init__(self, held: HeldRevision, path: Path) -> None:
        self.held = held
        self.path = path

    async def run(self) -> None:
        pause = _Pause()
        while True:
            try:
                # mode=rw: never creates the file; the watcher never writes either
                async with aiosqlite.connect(
                    f"file:{self.path}?mode=rw", uri=True, isolation_level=None
                ) as conn:
                    await self._follow(conn, pause)
            except (sqlite3.Error, OSError) as error:
                LOG.warning("revision watcher lost the database: %s", _reason(error))
            self.held.following = False
            await pause.wait()

    async def _follow(self, conn: aiosqlite.Connection, pause: _Pause) -> None:
        seen: int | None = None
        async with conn.execute(READ):  # a first read: SQLite maps the WAL index
            pass
        index = await asyncio.to_thread(WalIndex.find, self.path)
        try:
            while True:
                # The header first: a commit between it and the read shows as a moved header
                # at the next request, which then only costs an early look.
                mark = index.header() if index is not None else None
                async with conn.execute("PRAGMA data_version") as cursor:
                    row = await cursor.fetchone()
                version = int(row[0]) if row else 0
                if version != seen:
                    async with conn.execute(READ) as cursor:
                        revision = await cursor.fetchone()
                    self.held.set(int(revision[0]) if revision else 0)
                    self.held.following = True
                    seen = version
                    pause.reset()
                self.held.recheck.clear()  # before the new check: a miss from here wakes it
                if index is not None and mark is not None:
                    self.held.current_while(functools.partial(index.unchanged_since, mark))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.held.recheck.wait(), timeout=POLL_S)
        finally:
            # Before this connection closes: it keeps the WAL index mapped.
            self.held.current_while(None)


class WalIndex:
    """The header of a SQLite database's WAL index, which every commit rewrites and no read
    does (sqlite.org/walformat.html, 2.2: the first 48 bytes of the `-shm` file, the first
    copy of the header): whether anything committed since a look, without a statement.

    SQLite maps the `-shm` file once per process, for as long as any connection of the
    process has the database open; the header is read where SQLite mapped it (found once in
    /proc/self/maps), a memory read with no system call. The file is never opened here:
    closing a descriptor of it would drop every POSIX lock the process holds on it, SQLite's
    own included (sqlite.org/howtocorrupt.html, 2.2). The follower's connection keeps the
    mapping; the follower stops using the header before that connection closes. Where the
    mapping is not found (no /proc, another journal mode), None: the look every POLL_S
    alone follows the database, as before."""

    HEADER_BYTES = 48

    def __init__(self, address: int) -> None:
        self.address = address

    @classmethod
    def find(cls, database: Path) -> "WalIndex | None":
        """The index of `database` as this process has it mapped, or None."""
        shm = os.path.realpath(f"{database}-shm")
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                lines = maps.read().splitlines()
        except OSError:
            return None
        for line in lines:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5] == shm and int(fields[2], 16) == 0:
                start, end = (int(bound, 16) for bound in fields[0].split("-"))
                if end - start >= cls.HEADER_BYTES and "r" in fields[1]:
                    return cls(start)
        return None

    def header(self) -> bytes:
        return ctypes.string_at(self.address, self.HEADER_BYTES)

    def unchanged_since(self, mark: bytes) -> bool:
        return self.header() == mark


async def _close(conn: Any) -> None:
    if conn.is_closed():
        return
    try:
        await asyncio.wait_for(conn.close(), timeout=2)
    except Exception:  # a connection that will not close cleanly is dropped
        conn.terminate()


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip().splitlines()[0]
