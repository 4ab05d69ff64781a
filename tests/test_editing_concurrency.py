"""No lost updates, against real server processes on one database: twenty editors racing
from one version, a bounded crowd of editors retrying on conflicts, and reads that keep
answering while writes run and while a write transaction holds the database's write lock.

Each race goes through `python -m service serve` (two workers where the race is the point),
so the requests meet at the database as they would in production, not inside one event
loop. What a lost update would look like is built into the edits: every edit appends a
marker of its own to the description it read, so an edit that overwrote another's would
leave that marker missing from the final text.
"""

import asyncio
import contextlib
import random
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.auth import tokens
from service.auth.principal import Role
from service.config import Settings
from service.data.engine import create_engine, for_edits, for_writes
from tests.utils import db_dump, global_id
from tests.utils.live import (
    LiveServer,
    SentRequests,
    env_for,
    free_port,
    serve_command,
    server_process,
    wait_until_in_flight,
    wait_until_serving,
)

pytestmark = pytest.mark.slow  # real servers

UPDATE = """mutation Edit($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { version description } changeId userErrors { field message code }
  }
}"""
READ = "query Read($slug: String!) { organization(slug: $slug) { version description } }"
NOTE = {"editorialNote": "concurrency test"}
SLUGS = ("fact", "jacie", "abtcel-gen", "andtat", "arm", "astct", "baa", "carm", "catapult",
         "cba")  # fmt: skip


async def issue_token(url: str, name: str, role: Role = Role.EDITOR) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        async with for_writes(engine).begin() as conn:
            return await tokens.issue(conn, name=name, role=role)
    finally:
        await engine.dispose()


def audit_count(url: str, operation: str) -> int:
    return int(
        db_dump.query(url, "SELECT count(*) FROM change WHERE operation = :op", op=operation)[0][0]
    )


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """`serve --workers 2`: two processes, each with its own pool, racing at the database."""
    port, logs = free_port(), tmp_path / "logs"
    command = [*serve_command(port), "--workers", "2"]
    with server_process(command, env_for(database_url), logs) as process:
        live = LiveServer(process, port, logs)
        await wait_until_serving(process, live.base, logs)
        yield live


class Editor:
    """One editor's client: reads an organization, updates it from the version read."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}"}

    async def read(self, slug: str) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": READ, "variables": {"slug": slug}}
        )
        assert response.status_code == 200, response.text
        organization: dict[str, Any] = response.json()["data"]["organization"]
        return organization

    async def update(
        self, slug: str, version: int, description: str, **options: Any
    ) -> dict[str, Any]:
        variables = {
            "input": {
                "id": global_id(f"Organization:{slug}"),
                "expectedVersion": version,
                "description": description,
                "evidence": NOTE,
            }
        }
        response = await self.client.post(
            "/graphql",
            json={"query": UPDATE, "variables": variables},
            headers=self.headers,
            **options,
        )
        if response.status_code == 503:  # overloaded: the client may try again
            return {"unavailable": response.text}
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["updateOrganization"]
        return payload


async def test_twenty_editors_from_one_version_one_wins_the_rest_conflict(
    server: LiveServer, database_url: str
) -> None:
    token = await issue_token(database_url, "racer")
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        editor = Editor(client, token)
        before = await editor.read("fact")
        updates_before = await asyncio.to_thread(audit_count, database_url, "UPDATE")
        changes_before = await asyncio.to_thread(db_dump.count, database_url, "change")

        payloads = await asyncio.gather(
            *(editor.update("fact", before["version"], f"Edited by racer {i}.") for i in range(20))
        )

        assert not [p for p in payloads if "unavailable" in p], payloads
        winners = [p for p in payloads if not p["userErrors"]]
        assert len(winners) == 1, payloads
        winner = winners[0]["organization"]
        assert winner["version"] == before["version"] + 1
        assert winners[0]["changeId"]
        losers = [p for p in payloads if p["userErrors"]]
        assert len(losers) == 19
        for payload in losers:
            assert payload["organization"] is None, payload
            assert payload["changeId"] is None, payload
            [error] = payload["userErrors"]
            assert error["code"] == "CONFLICT", error
            assert f"version {winner['version']}" in error["message"], error
        assert await editor.read("fact") == winner
        assert await asyncio.to_thread(audit_count, database_url, "UPDATE") == updates_before + 1
        assert await asyncio.to_thread(db_dump.count, database_url, "change") == changes_before + 1


EDITORS, EDITS, MAX_ATTEMPTS = 8, 25, 200
UNAVAILABLE: list[str] = []  # the 503s' bodies, shown in the output


async def _edit_with_retries(editor: Editor, slug: str, marker: str, stats: Counter[str]) -> bool:
    """Read, append `marker`, update from the version read; on CONFLICT read again."""
    for _attempt in range(MAX_ATTEMPTS):
        current = await editor.read(slug)
        text = f"{current['description'] or ''} {marker}".strip()
        payload = await editor.update(slug, current["version"], text)
        if "unavailable" in payload:
            # A 503 must have changed nothing: were it applied, its marker would show in the
            # final text (once more than `applied` says, after the retry).
            stats["unavailable"] += 1
            UNAVAILABLE.append(payload["unavailable"])
            continue
        if not payload["userErrors"]:
            stats["succeeded"] += 1
            return True
        assert [e["code"] for e in payload["userErrors"]] == ["CONFLICT"], payload
        stats["conflicts"] += 1
        await asyncio.sleep(random.uniform(0, 0.01))  # back off a little, as a client would
    stats["gave up"] += 1
    return False


async def test_concurrent_editors_over_many_records_lose_no_update(
    server: LiveServer, database_url: str
) -> None:
    tokens_ = [await issue_token(database_url, f"editor {n}") for n in range(EDITORS)]
    updates_before = await asyncio.to_thread(audit_count, database_url, "UPDATE")
    limits = httpx.Limits(max_connections=4)  # per editor
    stats: Counter[str] = Counter()
    applied: dict[str, list[str]] = {slug: [] for slug in SLUGS}

    async with httpx.AsyncClient(base_url=server.base, timeout=60) as reader:
        original = {slug: (await Editor(reader, "").read(slug)) for slug in SLUGS}

    async def editor_run(n: int) -> None:
        choose = random.Random(n)
        async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
            editor = Editor(client, tokens_[n])
            for i in range(EDITS):
                slug, marker = choose.choice(SLUGS), f"[e{n}.{i}]"
                if await _edit_with_retries(editor, slug, marker, stats):
                    applied[slug].append(marker)

    started = time.perf_counter()
    await asyncio.gather(*(editor_run(n) for n in range(EDITORS)))
    elapsed = time.perf_counter() - started
    print(f"\n{EDITORS}x{EDITS} edits over {len(SLUGS)} records in {elapsed:.2f} s: {stats}")
    print(*UNAVAILABLE[:3], sep="\n")

    assert stats["gave up"] == 0, stats
    assert stats["succeeded"] == EDITORS * EDITS
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as reader:
        for slug in SLUGS:
            final = await Editor(reader, "").read(slug)
            found = [w for w in final["description"].split() if w.startswith("[e")]
            assert sorted(found) == sorted(applied[slug]), (slug, found, applied[slug])
            assert final["version"] == original[slug]["version"] + len(applied[slug])
    updates = await asyncio.to_thread(audit_count, database_url, "UPDATE")
    assert updates - updates_before == stats["succeeded"]
    # Each record's audit entries name each version once, in a row: no two edits applied
    # to the same version.
    rows = await asyncio.to_thread(
        db_dump.query,
        database_url,
        "SELECT record_slug, version FROM change WHERE operation = 'UPDATE'",
    )
    for slug in SLUGS:
        versions = sorted(v for s, v in rows if s == slug)
        first = original[slug]["version"] + 1
        assert versions == list(range(first, first + len(applied[slug]))), (slug, versions)


READS_FIELD = "query Read($slug: String!) { organization(slug: $slug) { version } }"


async def test_reads_keep_answering_while_edits_run(database_url: str, tmp_path: Path) -> None:
    """A stream of edits on one record, and a reader asking for it over and over (one
    worker, so the versions it sees may only move forward); every read answers."""
    token = await issue_token(database_url, "streamer")
    latencies: list[float] = []
    seen: list[int] = []
    done = asyncio.Event()
    port, logs = free_port(), tmp_path / "logs"
    with server_process(serve_command(port), env_for(database_url), logs) as process:
        base = f"http://127.0.0.1:{port}"
        await wait_until_serving(process, base, logs)
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as writes,
            httpx.AsyncClient(base_url=base, timeout=30) as reads,
        ):
            editor = Editor(writes, token)

            async def edit_stream() -> int:
                made = 0
                try:
                    for i in range(40):
                        current = await editor.read("jacie")
                        payload = await editor.update(
                            "jacie", current["version"], f"Streamed edit {i}."
                        )
                        assert not payload["userErrors"], payload
                        made += 1
                finally:
                    done.set()
                return made

            async def read_stream() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    response = await reads.post(
                        "/graphql", json={"query": READS_FIELD, "variables": {"slug": "jacie"}}
                    )
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text
                    seen.append(response.json()["data"]["organization"]["version"])

            made, _ = await asyncio.gather(edit_stream(), read_stream())
    assert made == 40
    assert len(latencies) >= 10, latencies
    assert seen == sorted(seen), "a reader saw a version go backwards"
    latencies.sort()
    p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
    print(f"\n{len(latencies)} reads during 40 edits: p50 {p50 * 1e3:.1f} ms, "
          f"p99 {p99 * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms")  # fmt: skip
    assert latencies[-1] < 5.0, "a read waited for seconds"


@contextlib.asynccontextmanager
async def holding_write_lock(url: str, slug: str) -> AsyncIterator[None]:
    """A write transaction left open on the database: the write lock (SQLite) or the
    record's row lock (PostgreSQL), with an uncommitted change to the record."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with for_edits(engine).connect() as conn:
            transaction = await conn.begin()  # BEGIN IMMEDIATE on SQLite: the write lock
            await conn.execute(
                sa.text("UPDATE organization SET description = 'uncommitted' WHERE slug = :s"),
                {"s": slug},
            )
            try:
                yield
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()


async def test_reads_answer_while_a_write_transaction_holds_the_lock(
    database_url: str, tmp_path: Path
) -> None:
    """Deterministic rather than timed: with a write transaction open and not finished,
    reads still answer (the last committed data), and an edit waits for the lock."""
    token = await issue_token(database_url, "waiter")
    port, logs = free_port(), tmp_path / "logs"
    with server_process(serve_command(port), env_for(database_url), logs) as process:
        base = f"http://127.0.0.1:{port}"
        await wait_until_serving(process, base, logs)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            editor = Editor(client, token)
            before = await editor.read("carm")
            async with holding_write_lock(database_url, "carm"):
                sent = SentRequests()
                edit = asyncio.create_task(
                    editor.update("carm", before["version"], "After.", extensions=sent.extensions)
                )
                await wait_until_in_flight(sent, 1, port)  # the server has read the edit
                for _ in range(20):
                    started = time.perf_counter()
                    read = await editor.read("carm")
                    assert time.perf_counter() - started < 5.0
                    assert read == before  # the committed state, not the uncommitted one
                assert not edit.done(), "the edit should wait for the lock the test holds"
            payload = await edit
            assert not payload["userErrors"], payload
            after = await editor.read("carm")
            assert after == {"version": before["version"] + 1, "description": "After."}
