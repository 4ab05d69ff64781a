"""Two replicas (two `python -m service serve` processes, response caches on, as deployed)
on one database, SQLite file or PostgreSQL: an edit made through one shows through the
other, in its answers (cached ones included) and in its ETags, within a short bound; and
the replica that made the edit answers with it on its very next request (read-your-writes).

Each replica holds the dataset revision in memory (service/data/revision.py): it hears an
edit through NOTIFY (PostgreSQL) or PRAGMA data_version (SQLite, looked at every 0.2 s),
and its own edits at once; on SQLite a replica also gives out nothing derived from the
revision while the WAL index's header has moved since it read it, so the other replica's
next request answers an edit too. The lag each direction took is printed (run with -s).
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.auth import tokens
from service.auth.principal import Role
from service.config import Settings
from service.data.engine import create_engine, for_writes
from tests.utils import global_id
from tests.utils.live import live_server

pytestmark = pytest.mark.slow  # two real servers

QUERY = {"query": '{ organization(slug: "usp") { version description } }'}
UPDATE = """mutation Edit($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { version description } userErrors { code } }
}"""
WITHIN_S = 2.0


async def issue_token(url: str) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        async with for_writes(engine).begin() as conn:
            return await tokens.issue(conn, name="replica editor", role=Role.EDITOR)
    finally:
        await engine.dispose()


async def get(client: httpx.AsyncClient, base: str, etag: str | None = None) -> httpx.Response:
    headers = {"if-none-match": etag} if etag else {}
    return await client.get(f"{base}/graphql", params=QUERY, headers=headers)


def organization(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["data"]["organization"]
    return found


async def edit(client: httpx.AsyncClient, base: str, token: str, version: int, text: str) -> None:
    variables = {
        "input": {
            "id": global_id("Organization:usp"),
            "expectedVersion": version,
            "description": text,
            "evidence": {"editorialNote": "replica test"},
        }
    }
    response = await client.post(
        f"{base}/graphql",
        json={"query": UPDATE, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["updateOrganization"]
    assert payload["userErrors"] == [], payload
    assert payload["organization"] == {"version": version + 1, "description": text}


async def lag_until_seen(
    client: httpx.AsyncClient, base: str, old_etag: str, expected: dict[str, Any], since: float
) -> float:
    """Seconds from `since` until `base` answers `expected` under a new ETag, by GET (its
    old ETag no longer validating) and by POST (what its response cache holds)."""
    deadline = since + WITHIN_S
    while True:
        response = await get(client, base, old_etag)
        posted = await client.post(f"{base}/graphql", json=QUERY)
        if (
            response.status_code == 200
            and response.headers["etag"] != old_etag
            and organization(response) == expected
            and organization(posted) == expected
        ):
            return time.monotonic() - since
        if time.monotonic() >= deadline:
            pytest.fail(
                f"{base} still answers {response.status_code} {response.text[:300]} "
                f"{WITHIN_S} s after the edit"
            )
        await asyncio.sleep(0.01)  # a poll's pace, not a wait for an outcome


async def test_an_edit_through_one_replica_shows_through_the_other_at_once(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "first") as first,
        live_server(database_url, tmp_path / "second") as second,
        httpx.AsyncClient(timeout=30) as client,
    ):
        lags = []
        for round_, (writer, other) in enumerate([(first, second), (second, first)]):
            answers = [await get(client, server.base) for server in (writer, other)]
            current = organization(answers[0])
            assert organization(answers[1]) == current
            assert answers[0].headers["etag"] == answers[1].headers["etag"]
            for server in (writer, other):  # the POSTed answer is in each response cache
                for _ in range(2):
                    assert organization(await client.post(f"{server.base}/graphql", json=QUERY))
            old_etag = answers[0].headers["etag"]
            text = f"Edited through replica {round_}."
            expected = {"version": current["version"] + 1, "description": text}

            await edit(client, writer.base, token, current["version"], text)
            edited_at = time.monotonic()
            # Read-your-writes: the writer's very next requests answer the edit.
            own = await get(client, writer.base, old_etag)
            assert own.status_code == 200, "the writer's old ETag must not validate"
            assert own.headers["etag"] != old_etag
            assert organization(own) == expected
            assert organization(await client.post(f"{writer.base}/graphql", json=QUERY)) == (
                expected
            )

            if database_url.startswith("sqlite"):
                # On one SQLite file the other replica's very next requests answer the edit
                # too: every commit moves the WAL index's header, which each request checks
                # before a cached answer or an ETag is given out.
                seen = await get(client, other.base, old_etag)
                assert seen.status_code == 200, "the other replica's old ETag must not validate"
                assert organization(seen) == expected
                posted = await client.post(f"{other.base}/graphql", json=QUERY)
                assert organization(posted) == expected
            lags.append(await lag_until_seen(client, other.base, old_etag, expected, edited_at))
            both = [await get(client, server.base) for server in (writer, other)]
            assert both[0].headers["etag"] == both[1].headers["etag"] == own.headers["etag"]
        print(f"\nlag of the other replica: {', '.join(f'{lag * 1e3:.0f} ms' for lag in lags)}")
