"""Per-request DataLoaders: one batched statement per relation and nesting level.

Each batch runs in its own task, so each opens its own short connection: no connection or
session is ever shared between tasks running at the same time. Loaders return Core rows;
the GraphQL types are built from them. There is one loader per relation that
`service/data/relations.py` defines, and one per type for lookups by id and by slug.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from service.data import queries
from service.data.queries import Rows
from service.data.relations import RELATIONS, TABLES, Condition, Linked, Reference

Row = Any
# Keys per statement: below SQLite's and asyncpg's 32,767 bound parameters, and above what
# any request within the cost limit can ask for, so statements never grow with data size.
BATCH = 30_000
Fetch = Callable[[AsyncConnection, Sequence[Any]], Awaitable[Rows]]


Running = set["asyncio.Task[Any]"]


async def _fetch(running: Running, engine: AsyncEngine, fetch: Fetch, keys: Sequence[Any]) -> Rows:
    """One batch's rows, on its own short connection. DataLoader runs each batch in a task
    of its own, which the request's cancellation does not reach: the batch is registered
    in `running`, so that a request past its time budget can stop it (`Loaders.stop`)."""
    task = asyncio.current_task()
    assert task is not None
    running.add(task)
    try:
        async with engine.connect() as conn:
            return await fetch(conn, keys)
    finally:
        running.discard(task)


def _grouped(running: Running, engine: AsyncEngine, fetch: Fetch) -> DataLoader[int, list[Row]]:
    """Rows tagged with their `owner` key, split into one list per key."""

    async def load(keys: list[int]) -> list[list[Row]]:
        rows = await _fetch(running, engine, fetch, keys)
        grouped: dict[int, list[Row]] = {key: [] for key in keys}
        for row in rows:
            grouped[row.owner].append(row)
        return [grouped[key] for key in keys]

    return DataLoader(load_fn=load, max_batch_size=BATCH)


def _single(
    running: Running, engine: AsyncEngine, fetch: Fetch, key: str
) -> DataLoader[Any, Row | None]:
    """At most one row per key (by id or slug); missing keys give None."""

    async def load(keys: list[Any]) -> list[Row | None]:
        rows = await _fetch(running, engine, fetch, keys)
        found = {getattr(row, key): row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load, max_batch_size=BATCH)


def _by(type_name: str, key: str) -> Fetch:
    lookup = queries.by_ids if key == "id" else queries.by_slugs

    async def fetch(conn: AsyncConnection, keys: Sequence[Any]) -> Rows:
        return await lookup(conn, type_name, keys)

    return fetch


def _related(relation_key: tuple[str, str]) -> Fetch:
    relation = RELATIONS[relation_key]
    assert not isinstance(relation, Reference)

    async def fetch(conn: AsyncConnection, owners: Sequence[Any]) -> Rows:
        return await queries.related(conn, relation, owners)

    return fetch


def _meets(
    running: Running, engine: AsyncEngine, target: str, condition: Condition
) -> DataLoader[tuple[int, Any], bool]:
    """Whether rows of `target`, by (id, value), meet `condition` under that value: one
    statement per distinct value in a batch."""

    async def load(keys: list[tuple[int, Any]]) -> list[bool]:
        met: set[tuple[int, Any]] = set()
        for value in {value for _, value in keys}:
            ids = [row_id for row_id, other in keys if other == value]

            async def fetch(conn: AsyncConnection, ids: Sequence[Any], value: Any = value) -> Rows:
                return await queries.meeting(conn, target, condition, ids, value)

            met |= {(row.id, value) for row in await _fetch(running, engine, fetch, ids)}
        return [key in met for key in keys]

    return DataLoader(load_fn=load, max_batch_size=BATCH)


@dataclass(frozen=True)
class Loaders:
    by_id: dict[str, DataLoader[int, Row | None]]
    by_slug: dict[str, DataLoader[str, Row | None]]
    related: dict[tuple[str, str], DataLoader[int, list[Row]]]
    # (type, field, argument) -> whether a target row (id, argument's value) meets its condition
    meets: dict[tuple[str, str, str], DataLoader[tuple[int, Any], bool]]
    changes: DataLoader[int, Row | None]  # audit entries by id (a revert's reverted change)
    running: Running

    async def of(self, type_name: str, field: str, owner: int, **arguments: Any) -> list[Row]:
        """The rows of a relation of one owner, narrowed by the arguments it takes: a filter
        here, a condition by the rows' `meets` loader (one batch per level)."""
        rows = await self.related[(type_name, field)].load(owner)
        relation = RELATIONS[(type_name, field)]
        if isinstance(relation, Linked):
            for argument, value in arguments.items():
                if value is None:
                    continue
                if argument in relation.conditions:
                    key = (type_name, field, argument)
                    met = await self.meets[key].load_many([(row.id, value) for row in rows])
                    rows = [row for row, kept in zip(rows, met, strict=True) if kept]
                else:
                    column = relation.filters[argument]
                    rows = [row for row in rows if getattr(row, column) == value]
        return rows

    async def reference(self, type_name: str, field: str, key: int | None) -> Row | None:
        """The row a to-one relation names (None for a null key)."""
        relation = RELATIONS[(type_name, field)]
        assert isinstance(relation, Reference)
        return None if key is None else await self.by_id[relation.target].load(key)

    async def stop(self) -> None:
        """Cancel the batches still running, and wait until their statements have stopped."""
        batches = list(self.running)
        for batch in batches:
            batch.cancel()
        await asyncio.gather(*batches, return_exceptions=True)

    @classmethod
    def create(cls, engine: AsyncEngine) -> "Loaders":
        running: Running = set()
        return cls(
            by_id={name: _single(running, engine, _by(name, "id"), "id") for name in TABLES},
            by_slug={name: _single(running, engine, _by(name, "slug"), "slug") for name in TABLES},
            related={
                key: _grouped(running, engine, _related(key))
                for key, relation in RELATIONS.items()
                if not isinstance(relation, Reference)
            },
            meets={
                (*key, argument): _meets(running, engine, relation.target, condition)
                for key, relation in RELATIONS.items()
                if isinstance(relation, Linked)
                for argument, condition in relation.conditions.items()
            },
            changes=_single(running, engine, queries.changes_by_ids, "id"),
            running=running,
        )
