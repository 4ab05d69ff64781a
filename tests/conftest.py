"""A fresh database per test: a template loaded once per session, copied for each test.

The suite runs on the engine named by TEST_ENGINE: `sqlite` (default; template files are
copied) or `postgresql` (a throwaway server is started for the session; template databases
are cloned with CREATE DATABASE ... TEMPLATE).
"""

import contextvars
import itertools
import json
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from service.app import create_app
from service.config import Settings
from service.data.dataset import DEFAULT_DATASET
from service.data.engine import create_engine
from service.data.loader import Snapshot, from_file, load
from service.data.synthetic import synthetic_snapshot
from tests import postgres

GraphQL = Callable[..., Awaitable[dict[str, Any]]]
ENGINE = os.environ.get("TEST_ENGINE", "sqlite")
if ENGINE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"TEST_ENGINE must be sqlite or postgresql, not {ENGINE!r}")


def pytest_report_header() -> str:
    return f"database engine: {ENGINE} (TEST_ENGINE)"


@pytest.hookimpl(trylast=True)  # after any reordering pytest itself does
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"SQLite-only test; this run is on {ENGINE}")
    for item in items:
        if ENGINE != "sqlite" and item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)
    # A test that replays the session's requests needs every other test to have sent its
    # requests first: it runs last (a stable sort keeps the rest in their order).
    items.sort(key=lambda item: item.get_closest_marker("replays_session") is not None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the differential tests compared, in every run's output (even under -q): a
    replay or a generated run that quietly compared nothing would otherwise go unnoticed."""
    if SESSION_NOTES:
        terminalreporter.section("differential testing")
        for note in SESSION_NOTES:
            terminalreporter.write_line(note)


def _target(name: str) -> tuple[Snapshot, dict[str, str]]:
    if name == "curated":
        return from_file(DEFAULT_DATASET)
    return synthetic_snapshot(int(name.split(":")[1])), {}


async def _load_into(url: str, name: str) -> None:
    engine = create_engine(Settings(database_url=url), create=True)
    try:
        target, documents = _target(name)
        await load(engine, target, documents=documents)
    finally:
        await engine.dispose()


class Databases:
    """Hands out fresh databases, each a copy of a template loaded once per session."""

    def __init__(self, workdir: Path, server: postgres.Server | None) -> None:
        self.workdir = workdir
        self.server = server
        self.templates: set[str] = set()
        self.shared_urls: dict[str, str] = {}
        self.counter = itertools.count()

    async def fresh(self, name: str = "curated") -> str:
        """The URL of a new database holding "curated" or "synthetic:N"."""
        key = name.replace(":", "_")
        if self.server is None:
            template = self.workdir / f"template_{key}.sqlite3"
            if name not in self.templates:
                await _load_into(f"sqlite+aiosqlite:///{template}", name)
                self.templates.add(name)
            path = self.workdir / f"db_{next(self.counter)}.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        if name not in self.templates:
            await self._create(f"template_{key}")
            await _load_into(self.server.url(f"template_{key}"), name)
            self.templates.add(name)
        database = f"db_{next(self.counter)}"
        await self._create(database, template=f"template_{key}")
        return self.server.url(database)

    async def shared(self, key: str) -> str:
        """One curated database per key (a test module) for tests that only read it."""
        if key not in self.shared_urls:
            self.shared_urls[key] = await self.fresh()
        return self.shared_urls[key]

    async def empty(self) -> str:
        """The URL of a database with no schema yet."""
        if self.server is None:
            return f"sqlite+aiosqlite:///{self.workdir / f'empty_{next(self.counter)}.sqlite3'}"
        database = f"empty_{next(self.counter)}"
        await self._create(database)
        return self.server.url(database)

    async def _create(self, database: str, template: str | None = None) -> None:
        assert self.server is not None
        admin = create_async_engine(self.server.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                clause = f" TEMPLATE {template}" if template else ""
                await conn.execute(sa.text(f"CREATE DATABASE {database}{clause}"))
        finally:
            await admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server | None]:
    if ENGINE != "postgresql":
        yield None
        return
    binaries = postgres.find_binaries()
    if binaries is None:
        pytest.exit("TEST_ENGINE=postgresql but no PostgreSQL binaries (initdb) were found", 3)
    with postgres.running_server(binaries) as server:
        yield server


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: postgres.Server | None
) -> Databases:
    return Databases(tmp_path_factory.mktemp("databases"), postgres_server)


@pytest.fixture
async def database_url(databases: Databases, request: pytest.FixtureRequest) -> str:
    """The curated dataset by default; `@pytest.mark.dataset("synthetic:350")` for another.
    Modules marked `read_only` share one curated database (a fresh copy costs a CREATE
    DATABASE on PostgreSQL); each test still builds its own app."""
    marker = request.node.get_closest_marker("dataset")
    if marker is None and request.node.get_closest_marker("read_only"):
        return await databases.shared(request.module.__name__)
    return await databases.fresh(marker.args[0] if marker else "curated")


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
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks=RECORDER.hooks()
        ) as client:
            yield client, counter


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The app's settings, with the response cache off: the tests that use them look at the
    layers under it (statements, documents, which path answered, answers right after a
    load), which a repeated request would otherwise not reach. tests/test_response_cache.py
    turns it on, and every live server (`python -m service serve`) runs with the defaults."""
    return Settings(database_url=database_url, response_cache_bytes=0)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks=RECORDER.hooks()
    ) as client:
        yield client


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    """POST a query; return the JSON body's data and errors. Every response must report its
    cost (extensions.cost, checked here); it is left out of what the tests compare."""

    async def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        return without_cost(response.json())

    return run


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """The body less `extensions.cost`, after checking it is there and well-formed."""
    extensions = body.pop("extensions")
    cost = extensions.pop("cost")
    assert set(cost) == {"requested", "actual", "limit"}, cost
    assert isinstance(cost["actual"], int), cost
    if extensions:
        body["extensions"] = extensions
    return body


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


# --- the session's GraphQL requests, for tests/test_differential.py to replay ------------

GRAPHQL_FIELDS = ("query", "variables", "operationName")
SESSION_NOTES: list[str] = []  # lines for the "differential testing" summary section


@dataclass(frozen=True)
class RecordedRequest:
    """One GraphQL request as a test sent it: GET (query-string parameters) or POST (the
    JSON body's query, variables and operationName, whatever their JSON types)."""

    method: str
    payload: dict[str, Any]


class RequestRecorder:
    """Records, once each, the GraphQL requests sent through `serving()` and the `client`
    fixture (so `gql` too): the differential replay sends them all again through the
    compiled and the resolver path, so every query any test thought of is compared."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._seen: set[str] = set()
        self._enabled = contextvars.ContextVar("recording", default=True)

    def hooks(self) -> dict[str, list[Callable[[httpx.Request], Awaitable[None]]]]:
        """httpx event hooks for a test client."""
        return {"request": [self._on_request]}

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Requests sent from inside this block (the differential tests' own) go unrecorded."""
        token = self._enabled.set(False)
        try:
            yield
        finally:
            self._enabled.reset(token)

    async def _on_request(self, request: httpx.Request) -> None:
        if not self._enabled.get() or request.url.path != "/graphql":
            return
        recorded = self._parse(request)
        if recorded is None:
            return
        key = json.dumps([recorded.method, recorded.payload], sort_keys=True)
        if key not in self._seen:
            self._seen.add(key)
            self.requests.append(recorded)

    @staticmethod
    def _parse(request: httpx.Request) -> RecordedRequest | None:
        """The request's GraphQL parameters; None for anything without a query (the GraphiQL
        page, a persisted-query hash alone, a body that is not a JSON object)."""
        if request.method == "GET":
            params = {k: v for k, v in request.url.params.items() if k in GRAPHQL_FIELDS}
            return RecordedRequest("GET", params) if "query" in params else None
        if request.method != "POST":
            return None
        try:
            body = json.loads(request.content)
        except (httpx.RequestNotRead, ValueError):  # a stream, or not JSON (UnicodeError too)
            return None
        if not isinstance(body, dict) or "query" not in body:
            return None
        return RecordedRequest("POST", {k: body[k] for k in GRAPHQL_FIELDS if k in body})


RECORDER = RequestRecorder()
RECORDED_REQUESTS = RECORDER.requests  # what the replay reads: the distinct requests, in order
