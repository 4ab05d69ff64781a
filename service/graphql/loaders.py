"""Per-request DataLoaders: one batched statement per relation and nesting level.

Each batch runs in its own task, so each opens its own short connection: no connection or
session is ever shared between tasks running at the same time. Loaders return Core rows;
the GraphQL types are built from them.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from service.data import queries
from service.data.queries import Rows

Row = Any
# Keys per statement: below SQLite's and asyncpg's 32,767 bound parameters, and above what
# any request within the cost limit can ask for, so statements never grow with data size.
BATCH = 30_000
Fetch = Callable[[AsyncConnection, Sequence[Any]], Awaitable[Rows]]


def _grouped(engine: AsyncEngine, fetch: Fetch) -> DataLoader[int, list[Row]]:
    """Rows tagged with their `owner` key, split into one list per key."""

    async def load(keys: list[int]) -> list[list[Row]]:
        async with engine.connect() as conn:
            rows = await fetch(conn, keys)
        grouped: dict[int, list[Row]] = {key: [] for key in keys}
        for row in rows:
            grouped[row.owner].append(row)
        return [grouped[key] for key in keys]

    return DataLoader(load_fn=load, max_batch_size=BATCH)


def _single(engine: AsyncEngine, fetch: Fetch, key: str) -> DataLoader[Any, Row | None]:
    """At most one row per key (by id or slug); missing keys give None."""

    async def load(keys: list[Any]) -> list[Row | None]:
        async with engine.connect() as conn:
            rows = await fetch(conn, keys)
        found = {getattr(row, key): row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load, max_batch_size=BATCH)


def _by(type_name: str, key: str) -> Fetch:
    lookup = queries.by_ids if key == "id" else queries.by_slugs

    async def fetch(conn: AsyncConnection, keys: Sequence[Any]) -> Rows:
        return await lookup(conn, type_name, keys)

    return fetch


@dataclass(frozen=True)
class Loaders:
    organization: DataLoader[int, Row | None]
    person: DataLoader[int, Row | None]
    by_slug: dict[str, DataLoader[str, Row | None]]
    units: DataLoader[int, list[Row]]
    regions: DataLoader[int, list[Row]]
    sources: DataLoader[int, list[Row]]
    agreements: DataLoader[int, list[Row]]
    parties: DataLoader[int, list[Row]]
    cofounders: DataLoader[int, list[Row]]
    cofounded: DataLoader[int, list[Row]]
    representatives: DataLoader[int, list[Row]]
    delegates: DataLoader[int, list[Row]]
    initiatives: DataLoader[int, list[Row]]
    initiative_organizations: DataLoader[int, list[Row]]
    representations: DataLoader[int, list[Row]]

    @classmethod
    def create(cls, engine: AsyncEngine) -> "Loaders":
        return cls(
            organization=_single(engine, _by("Organization", "id"), "id"),
            person=_single(engine, _by("Person", "id"), "id"),
            by_slug={name: _single(engine, _by(name, "slug"), "slug") for name in queries.TABLES},
            units=_grouped(engine, queries.units),
            regions=_grouped(engine, queries.regions),
            sources=_grouped(engine, queries.sources),
            agreements=_grouped(engine, queries.agreements_of),
            parties=_grouped(engine, queries.parties),
            cofounders=_grouped(engine, queries.cofounders),
            cofounded=_grouped(engine, queries.cofounded),
            representatives=_grouped(engine, queries.representatives),
            delegates=_grouped(engine, queries.delegates),
            initiatives=_grouped(engine, queries.initiatives_of),
            initiative_organizations=_grouped(engine, queries.initiative_organizations),
            representations=_grouped(engine, queries.representations_of),
        )
