"""A fresh database per test: a template loaded once per session, copied for each test."""

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from service.app import create_app
from service.config import Settings
from service.dataset import DEFAULT_DATASET, read_dataset
from service.db import create_engine
from service.seeding import Snapshot, load, snapshot_of
from service.synthetic import synthetic_snapshot

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


async def _build(path: Path, target: Snapshot) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    try:
        await load(engine, target)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("templates")


async def _template(directory: Path, name: str, target: Callable[[], Snapshot]) -> Path:
    path = directory / f"{name}.sqlite3"
    if not path.exists():
        await _build(path, target())
    return path


async def copy_of(name: str, directory: Path, destination: Path) -> Path:
    """A fresh database file: "curated", or "synthetic:N" for a synthetic directory."""
    if name == "curated":
        source = await _template(
            directory, name, lambda: snapshot_of(read_dataset(DEFAULT_DATASET))
        )
    else:
        size = int(name.split(":")[1])
        source = await _template(directory, f"synthetic-{size}", lambda: synthetic_snapshot(size))
    shutil.copyfile(source, destination)
    return destination


@pytest.fixture
async def database(template_dir: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The curated dataset by default; `@pytest.mark.dataset("synthetic:350")` for another."""
    marker = request.node.get_closest_marker("dataset")
    return await copy_of(
        marker.args[0] if marker else "curated", template_dir, tmp_path / "db.sqlite3"
    )


@asynccontextmanager
async def serving(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, "StatementCounter"]]:
    """An app with its lifespan entered, a client for it, and its SQL statement counter."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        counter = StatementCounter()
        event.listen(application.state.engine.sync_engine, "before_cursor_execute", counter)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, counter


@pytest.fixture
def settings(database: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{database}")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    """POST a query; return the whole JSON body (data and errors)."""

    async def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


class StatementCounter:
    """Counts the queries sent; transaction control (BEGIN) is not a query and not counted."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def sql_statements(app: Any) -> StatementCounter:
    """Every SQL statement the app's engine sends from here on."""
    counter = StatementCounter()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
    return counter
