"""Alembic environment: migrations run on a connection the caller already holds (so the
loader can migrate and load in one transaction), or on a fresh one for the alembic CLI."""

import asyncio

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from service.data.models import metadata

config = context.config


def _managed(name: str | None, type_: str, _parents: object) -> bool:
    """The search index is built by raw DDL per engine, not from the models."""
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_managed,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
    else:
        asyncio.run(run_standalone(config.get_main_option("sqlalchemy.url") or ""))


run()
