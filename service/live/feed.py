"""The audit trail as a stream: each entry committed (by the API or the loader, through
any process) is read once per process and offered to every subscriber it matches.

Entries are numbered in commit order: every writer appends its entries while holding the
dataset revision's row (PostgreSQL) or the database's write lock (SQLite), so a reader that
has seen entry N has seen every entry before it, and "after N" is a complete resume point.

A subscriber that falls more than `capacity` entries behind is dropped from the feed
(`Overflowed`), so a burst or a client that does not read holds no more than that in
memory; the subscription then reads on from the log, from the last entry it sent.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from service.data.models import CHANGE_TABLE
from service.data.queries import changes_query

CHANGE = CHANGE_TABLE
PAGE = 500  # entries read per statement
Row = Any
Matches = Callable[[Row], bool]


class Overflowed(Exception):
    """A subscriber fell too far behind the feed; it reads on from the log instead."""


def matcher(conditions: dict[str, Any]) -> Matches:
    """The audit trail query's conditions (`queries.changes_query`) as a test of one row."""
    record_type, record = conditions.get("record_type"), conditions.get("record")
    actor, operation = conditions.get("actor"), conditions.get("operation")
    since, until = conditions.get("since"), conditions.get("until")

    def matches(row: Row) -> bool:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        return (
            (record_type is None or row.record_type == record_type)
            and (record is None or (row.record_type, row.record_slug) == tuple(record))
            and (actor is None or row.actor == actor)
            and (operation is None or row.operation == operation)
            and (since is None or at >= since)
            and (until is None or at < until)
        )

    return matches


class Subscriber:
    """One subscription's entries, in order, as the feed offers them."""

    def __init__(self, matches: Matches, capacity: int, watermark: int) -> None:
        self.matches = matches
        self.capacity = capacity
        self.watermark = watermark  # entries up to it came before the subscription
        self._queue: asyncio.Queue[Row | None] = asyncio.Queue()
        self.overflowed = False

    def offer(self, row: Row) -> None:
        if self.overflowed or not self.matches(row):
            return
        if self._queue.qsize() >= self.capacity:
            self.overflowed = True
            self._queue.put_nowait(None)  # wakes the reader to learn it
            return
        self._queue.put_nowait(row)

    async def next(self) -> Row:
        row = await self._queue.get()
        if row is None:
            raise Overflowed
        return row


class ChangeFeed:
    def __init__(self, engine: AsyncEngine, *, capacity: int) -> None:
        self.engine = engine
        self.capacity = capacity
        self.last_id = 0
        self.subscribers: set[Subscriber] = set()

    async def start(self) -> None:
        """From the newest entry there is: subscribers ask for older ones themselves."""
        async with self.engine.connect() as conn:
            self.last_id = (await conn.execute(sa.select(sa.func.max(CHANGE.c.id)))).scalar() or 0

    def subscribe(self, matches: Matches) -> Subscriber:
        subscriber = Subscriber(matches, self.capacity, self.last_id)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def pull(self) -> int:
        """Read every entry after the last one read and offer each to the subscribers; the
        number read. Offering happens between reads, never across an await, so a
        subscriber's watermark and what it is offered never overlap or leave a gap."""
        read = 0
        while True:
            rows = await self.page(changes_query(), self.last_id)
            for row in rows:
                for subscriber in tuple(self.subscribers):
                    subscriber.offer(row)
                self.last_id = row.id
            read += len(rows)
            if len(rows) < PAGE:
                return read

    async def page(
        self, query: sa.Select[Any], after: int, upto: int | None = None
    ) -> Sequence[Row]:
        """One page of entries of `query` after entry `after` (and up to `upto`), oldest first."""
        query = query.where(CHANGE.c.id > after)
        if upto is not None:
            query = query.where(CHANGE.c.id <= upto)
        async with self.engine.connect() as conn:
            result = await conn.execute(query.order_by(CHANGE.c.id).limit(PAGE))
            rows: Sequence[Row] = result.all()
            return rows
