"""Faults, through the public surface only: what the client or operator sees, and that no
data changed.

Each case breaks something real (a missing or corrupt database file, a database server
stopped under a running app, a lock held by another connection, a file size limit standing
in for a full disk, SIGTERM with requests in flight) and asserts both sides of the contract:
the message, status or exit code a person would see, and (by a dump of every table before
and after, tests/utils/db_dump.py) that the fault changed no data.

Servers run as real subprocesses (`python -m uvicorn ...`, `python -m service serve`) or
in-process through the ASGI interface (`serving`); the loader always as the CLI subprocess.
Every subprocess has a timeout and is killed in a `finally`; every port is a free one.
"""

import asyncio
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import create_async_engine

from service.app import create_app
from service.config import Settings
from service.data.engine import DatabaseNotReady
from tests import postgres
from tests.conftest import ENGINE, Databases, serving
from tests.queries import DEPTH_6_QUERY
from tests.utils import db_dump
from tests.utils.db_dump import Dump, file_hashes, sqlite_path
from tests.utils.live import (
    ROOT,
    SentRequests,
    env_for,
    free_port,
    output_of,
    serve_command,
    server_process,
    uvicorn_command,
    wait_until_in_flight,
    wait_until_serving,
)
from tests.utils.restartable_postgres import restartable_server

DATASET = ROOT / "seed" / "partners.yaml"
SOURCE_DIR = ROOT / "seed" / "source"

# A read that touches several tables; its answer is compared before and after each fault.
ORGANIZATIONS = {
    "query": "{ organizations(first: 100) { totalCount nodes { slug name description "
    "agreements { title parties { slug } } } } }"
}
STARTUP_BOUND_S = 15  # a server that cannot start must say so and exit within this
postgres_only = pytest.mark.skipif(ENGINE != "postgresql", reason="needs a PostgreSQL server")


# ------------------------------------------------------------------------------- helpers


def run(command: list[str], env: dict[str, str], **kwargs: Any) -> tuple[int, str, str, float]:
    """Run to completion (killed after 60 s): exit code, stdout, stderr, seconds taken."""
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )
    return result.returncode, result.stdout, result.stderr, time.monotonic() - started


def seed(url: str, *args: str, **env: str) -> tuple[int, str, str, float]:
    return run([sys.executable, "-m", "service", "seed", *args], env_for(url, **env))


def tail(text: str, n: int = 8) -> str:
    return "\n".join(text.splitlines()[-n:])


def dump(url: str) -> Dump:
    """Every row of every table the database has (Alembic's and FTS5's own included)."""
    return db_dump.dump(url, sorted(db_dump.tables(url)))


def edited_dataset(workdir: Path) -> tuple[Path, str]:
    """The curated dataset with one organization's description changed (its source page
    beside it, as the loader requires); the path and the organization's slug."""
    data = yaml.safe_load(DATASET.read_text(encoding="utf-8"))
    target = next(o for o in data["organizations"] if o.get("description"))
    target["description"] += " (edited)"
    shutil.copytree(SOURCE_DIR, workdir / "source")
    path = workdir / "partners.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")
    return path, target["slug"]


def organizations_in(rows: Dump) -> dict[str, tuple[str, str | None]]:
    """slug -> (name, description), as stored."""
    return {
        value["slug"]: (value["name"], value["description"])
        for value in (dict(row) for row in rows["organization"])
    }


def organizations_answered(body: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    nodes = body["data"]["organizations"]["nodes"]
    return {node["slug"]: (node["name"], node["description"]) for node in nodes}


async def api_read(url: str) -> dict[str, Any]:
    """ORGANIZATIONS through an app of its own (started and stopped here)."""
    async with serving(Settings(database_url=url)) as (client, _sql):
        response = await client.post("/graphql", json=ORGANIZATIONS)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


# ------------------------------------------------- 1. the database is missing at start-up


@pytest.mark.sqlite_only
def test_a_server_on_a_missing_sqlite_file_exits_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "db.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"

    code, _out, err, took = run(uvicorn_command(free_port()), env_for(url))

    assert code != 0, tail(err)
    assert took < STARTUP_BOUND_S, f"took {took:.1f} s to give up"
    assert f"the database file {path} does not exist" in err, tail(err)
    assert "python -m service seed" in err, tail(err)  # the command that creates it
    assert "Application startup failed" in err, tail(err)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its directory


@pytest.mark.sqlite_only
async def test_an_app_on_a_missing_sqlite_file_fails_its_startup(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "missing" / "db.sqlite3"
    application = create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"))

    with pytest.raises(DatabaseNotReady) as raised:
        async with application.router.lifespan_context(application):
            pytest.fail("the app started on a database file that does not exist")

    message = str(raised.value)
    assert f"the database file {path} does not exist" in message
    assert "python -m service seed" in message
    assert message in caplog.text  # the operator's log says it too
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


async def _database_names(server_url: str) -> set[str]:
    admin = create_async_engine(server_url)
    try:
        async with admin.connect() as conn:
            return set((await conn.execute(sa.text("SELECT datname FROM pg_database"))).scalars())
    finally:
        await admin.dispose()


@postgres_only
async def test_a_server_on_a_postgresql_database_that_does_not_exist_exits(
    databases: Databases,
) -> None:
    assert databases.server is not None
    url = databases.server.url("no_such_database")
    before = await _database_names(databases.server.url("postgres"))
    assert "no_such_database" not in before

    for command in (uvicorn_command(free_port()), serve_command(free_port())):
        code, _out, err, took = await asyncio.to_thread(run, command, env_for(url))
        assert code != 0, f"{command}: {tail(err)}"
        assert took < STARTUP_BOUND_S, f"{command} took {took:.1f} s to give up"
        assert 'cannot use the database: database "no_such_database" does not exist' in err, (
            f"{command}: {tail(err)}"
        )

    application = create_app(Settings(database_url=url))
    with pytest.raises(DatabaseNotReady, match='database "no_such_database" does not exist'):
        async with application.router.lifespan_context(application):
            pytest.fail("the app started on a database that does not exist")

    assert await _database_names(databases.server.url("postgres")) == before  # none created


@postgres_only
@pytest.mark.parametrize("workers", ["1", "2"])
def test_commands_with_no_postgresql_server_to_reach_say_so_and_exit(workers: str) -> None:
    """asyncpg raises the socket's own error when nothing listens (SQLAlchemy wraps only what
    the driver raises once connected): `serve`, `seed` and `migrate` say so, no traceback."""
    url = f"postgresql://partners@127.0.0.1:{free_port()}/partners"  # nothing listens there
    commands = {
        "serve": [*serve_command(free_port()), "--workers", workers],
        "seed": [sys.executable, "-m", "service", "seed"],
        "migrate": [sys.executable, "-m", "service", "migrate"],
    }
    for name, command in commands.items():
        code, out, err, took = run(command, env_for(url))
        assert code == 1, f"{name}: {tail(err)}"
        assert took < STARTUP_BOUND_S, f"{name} took {took:.1f} s to give up"
        assert "Traceback" not in err, f"{name}: {tail(err)}"
        assert err.startswith("error: "), f"{name}: {tail(err)}"
        assert "Connect call failed" in err, f"{name}: {tail(err)}"
        assert out == ""


# ------------------------------------------------- 2. the database is corrupt at start-up


@pytest.mark.sqlite_only
def test_a_server_on_a_corrupt_sqlite_file_exits_and_leaves_it_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    garbage = bytes(range(256)) * 64  # 16 KiB that are no SQLite header
    path.write_bytes(garbage)
    url = f"sqlite+aiosqlite:///{path}"
    before = file_hashes(url)

    code, _out, err, took = run(uvicorn_command(free_port()), env_for(url))
    assert code != 0, tail(err)
    assert took < STARTUP_BOUND_S, f"took {took:.1f} s to give up"
    assert "cannot use the database: file is not a database" in err, tail(err)
    assert "Application startup failed" in err, tail(err)

    code, out, err, took = run(serve_command(free_port()), env_for(url))
    assert code == 1, tail(err)
    assert took < STARTUP_BOUND_S, f"took {took:.1f} s to give up"
    assert "Traceback" not in err, tail(err)
    assert err == "error: cannot use the database: file is not a database\n"
    assert out == ""

    assert path.read_bytes() == garbage  # byte for byte
    assert file_hashes(url) == before  # and no -wal, -shm or -journal beside it
    assert [p.name for p in tmp_path.iterdir()] == ["db.sqlite3"]


# ------------------------------ 3. the database goes away under a running app, and comes back


@postgres_only
async def test_readyz_is_503_while_postgresql_is_down_and_recovers_without_a_restart(
    tmp_path: Path,
) -> None:
    binaries = postgres.find_binaries()
    assert binaries is not None
    with restartable_server(binaries) as pg:
        admin = create_async_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(sa.text("CREATE DATABASE partners"))
        finally:
            await admin.dispose()
        url = pg.url("partners")
        code, _out, err, _took = await asyncio.to_thread(seed, url)
        assert code == 0, tail(err)
        before = await asyncio.to_thread(dump, url)

        settings = Settings(database_url=url, pool_timeout_s=1)
        async with serving(settings) as (client, _sql):
            answer = await client.post("/graphql", json=ORGANIZATIONS)
            assert answer.status_code == 200, answer.text
            assert organizations_answered(answer.json()) == organizations_in(before)
            assert (await client.get("/readyz")).status_code == 200

            await asyncio.to_thread(pg.stop)

            started = time.monotonic()
            ready = await asyncio.wait_for(client.get("/readyz"), timeout=10)
            assert ready.status_code == 503, ready.text
            assert ready.headers["content-type"] == "application/json"
            assert ready.json()["status"] == "unavailable"
            assert ready.json()["reason"]  # the kind of failure, for the operator

            failed = await asyncio.wait_for(client.post("/graphql", json=ORGANIZATIONS), 10)
            assert failed.status_code == 503, failed.text
            body = failed.json()
            assert body["data"] is None
            assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}
            assert "retry" in body["errors"][0]["message"]
            assert "Traceback" not in failed.text
            assert "asyncpg" not in failed.text  # no driver details for the client
            assert time.monotonic() - started < 5, "a stopped database must fail fast"

            health = await client.get("/healthz")
            assert health.status_code == 200  # the process itself is fine
            assert health.json() == {"status": "ok"}

            await asyncio.to_thread(pg.start)

            ready = await asyncio.wait_for(client.get("/readyz"), timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json() == {"status": "ok"}
            again = await asyncio.wait_for(client.post("/graphql", json=ORGANIZATIONS), 10)
            assert again.status_code == 200, again.text
            assert again.json()["data"] == answer.json()["data"]

        assert await asyncio.to_thread(dump, url) == before


# ------------------------------------------------ 4. SQLite busy: a write lock held elsewhere


@pytest.mark.sqlite_only
async def test_reads_go_on_and_a_load_fails_cleanly_while_sqlite_is_locked(
    databases: Databases, tmp_path: Path
) -> None:
    url = await databases.fresh("curated")
    path = sqlite_path(url)
    assert path is not None
    edited, slug = edited_dataset(tmp_path)
    before = await asyncio.to_thread(dump, url)

    async with serving(Settings(database_url=url)) as (client, _sql):
        reference = await client.post("/graphql", json=ORGANIZATIONS)
        assert reference.status_code == 200, reference.text

        holder = sqlite3.connect(path, isolation_level=None)
        try:
            assert holder.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            holder.execute("BEGIN IMMEDIATE")  # the write lock, held until the rollback below

            started = time.monotonic()
            during = await asyncio.wait_for(client.post("/graphql", json=ORGANIZATIONS), 10)
            assert time.monotonic() - started < 5, "a read must not wait for the writer"
            assert during.status_code == 200, during.text
            assert during.json() == reference.json()
            assert organizations_answered(during.json()) == organizations_in(before)
            assert (await client.get("/readyz")).status_code == 200

            code, out, err, took = await asyncio.to_thread(
                seed, url, str(edited), SQLITE_BUSY_TIMEOUT_MS="300"
            )
            assert "Traceback" not in err, tail(err)
            assert code == 1, tail(err)
            assert err.splitlines() == [
                "error: the database refused the load: database is locked",
                "nothing was changed",
            ]
            assert out == ""
            assert took < 10, f"the load gave up after {took:.1f} s; the busy timeout is 0.3 s"
        finally:
            holder.rollback()
            holder.close()

        after = await client.post("/graphql", json=ORGANIZATIONS)
        assert after.json() == reference.json()

    assert await asyncio.to_thread(dump, url) == before
    assert organizations_in(before)[slug][1] is not None
    assert not organizations_in(before)[slug][1].endswith(" (edited)")


# -------------------------------------------------- 5. the disk fills up during a seed load


@pytest.mark.sqlite_only
def test_a_full_disk_during_a_load_fails_cleanly_and_changes_nothing(
    databases: Databases,
) -> None:
    url = asyncio.run(databases.fresh("curated"))
    path = sqlite_path(url)
    assert path is not None
    before = dump(url)
    reference = asyncio.run(api_read(url))
    sizes = [p.stat().st_size for p in path.parent.glob(f"{path.name}*")]
    limit = max(sizes) + 256 * 1024  # room for a little, not for 3,000 organizations

    def file_size_limit() -> None:  # in the child, before it runs the loader
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death

    code, out, err, _took = run(
        [sys.executable, "-m", "service", "seed", "--synthetic", "3000"],
        env_for(url),
        preexec_fn=file_size_limit,
    )

    assert "Traceback" not in err, tail(err)
    assert code == 1, tail(err)
    reason = err.splitlines()[0] if err else ""
    assert reason in (
        "error: the database refused the load: database or disk is full",
        "error: the database refused the load: disk I/O error",
    ), tail(err)
    assert err.endswith("nothing was changed\n")
    assert out == ""
    assert dump(url) == before
    assert asyncio.run(api_read(url)) == reference  # and the API still reads it


# ------------------------------------------------------ 6. SIGTERM with requests in flight


def test_sigterm_lets_requests_in_flight_finish_then_exits_0(
    databases: Databases, tmp_path: Path
) -> None:
    url = asyncio.run(databases.fresh("synthetic:1000"))
    before = dump(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    slow = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}
    in_flight = 3

    async def scenario(process: Any) -> tuple[dict[str, Any], list[httpx.Response], float]:
        await wait_until_serving(process, base, tmp_path / "logs")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            reference = await client.post("/graphql", json=slow)
            assert reference.status_code == 200, reference.text

        clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(in_flight)]
        try:
            for each in clients:  # connected beforehand: the requests go out at once
                assert (await each.get("/healthz")).status_code == 200
            sent = SentRequests()
            requests = [
                asyncio.create_task(each.post("/graphql", json=slow, extensions=sent.extensions))
                for each in clients
            ]
            await wait_until_in_flight(sent, in_flight, port)
            assert not any(task.done() for task in requests), "they were not slow enough"
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            responses = await asyncio.wait_for(asyncio.gather(*requests), timeout=20)
        finally:
            for each in clients:
                await each.aclose()
        return reference.json(), responses, signalled

    logs = tmp_path / "logs"
    # the resolver path keeps the requests in flight long enough to signal (compiled: ~50 ms),
    # every one of them (the response cache would answer the repeats at once)
    env = env_for(url, COMPILED_QUERIES="false", RESPONSE_CACHE_BYTES="0")
    with server_process(serve_command(port), env, logs) as process:
        reference, responses, signalled = asyncio.run(scenario(process))
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 15 s after SIGTERM:\n{tail(output_of(logs), 20)}")
        exited_after = time.monotonic() - signalled

    nodes = reference["data"]["organizations"]["nodes"]
    assert len(nodes) == 100
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        assert body["data"] == reference["data"]  # complete, not cut short
    assert exited_after < 15
    assert "Traceback" not in output_of(logs), tail(output_of(logs), 20)
    assert dump(url) == before
    # README: "SIGTERM lets requests in flight finish (up to 10 s), then exits 0."
    assert code == 0, f"exit code {code} after SIGTERM:\n{tail(output_of(logs), 12)}"
