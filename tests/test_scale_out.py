"""Two stateless service processes share one PostgreSQL database: a load through the seed
command shows through both within a second (each holds the revision in memory and hears
the load's NOTIFY), in their ETags and in the answers their response caches hold, and both
tag the same answer with the same ETag."""

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ENGINE
from tests.utils.live import ROOT, env_for, live_server, wait_until

pytestmark = [
    pytest.mark.skipif(ENGINE != "postgresql", reason="scale-out needs a shared server"),
    pytest.mark.slow,  # two real servers
]
QUERY = {"query": '{ organization(slug: "usp") { name description } }'}


async def _cache_hits(client: httpx.AsyncClient, base: str) -> float:
    text = (await client.get(f"{base}/metrics")).text
    families = text_string_to_metric_families(text)
    return sum(
        s.value for f in families for s in f.samples if s.name == "response_cache_hits_total"
    )


def _edited_dataset(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "seed", tmp_path / "seed")
    path = tmp_path / "seed" / "partners.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "ISCT has been a voting member of USP since 2013."
    assert marker in text
    path.write_text(text.replace(marker, f"{marker} Edited for the scale-out test.", 1))
    return path


async def test_two_replicas_see_one_load_and_agree_on_etags(database_url, tmp_path):
    # Operators paste plain URLs: both spellings are rewritten to the async driver.
    plain = database_url.replace("postgresql+asyncpg://", "postgres://")
    async with (
        live_server(plain, tmp_path / "first") as first,
        live_server(database_url, tmp_path / "second") as second,
        httpx.AsyncClient() as client,
    ):
        bases = (first.base, second.base)
        before = [await client.get(f"{base}/graphql", params=QUERY) for base in bases]
        assert before[0].json() == before[1].json()
        assert before[0].headers["etag"] == before[1].headers["etag"]
        # Each replica's response cache holds the POSTed answer: kept from the second POST,
        # so the third is a hit.
        for base in bases:
            for _ in range(3):
                assert (await client.post(f"{base}/graphql", json=QUERY)).status_code == 200
            assert await _cache_hits(client, base) >= 1

        seeded = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "service", "seed", str(_edited_dataset(tmp_path))],
            cwd=ROOT,
            env=env_for(database_url.replace("+asyncpg", "")),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        assert "organizations: 0 added, 1 changed" in seeded.stdout

        async def sees_the_load(base: str, old: str) -> None:
            async def moved() -> bool:
                response = await client.get(
                    f"{base}/graphql", params=QUERY, headers={"if-none-match": old}
                )
                return response.status_code == 200 and response.headers["etag"] != old

            await wait_until(moved, within_s=1.0, what=f"{base} to tag with the new revision")

        async def answers_the_load(base: str) -> None:
            async def edited() -> bool:
                answer = (await client.post(f"{base}/graphql", json=QUERY)).json()
                return "Edited for" in answer["data"]["organization"]["description"]

            await wait_until(edited, within_s=1.0, what=f"{base}'s cached answer to follow")

        tags = [response.headers["etag"] for response in before]
        await asyncio.gather(*map(sees_the_load, bases, tags), *map(answers_the_load, bases))
        after = [
            await client.get(
                f"{base}/graphql", params=QUERY, headers={"if-none-match": old.headers["etag"]}
            )
            for base, old in zip(bases, before, strict=True)
        ]
        for response in after:
            assert response.status_code == 200, "the old ETag must not validate after the load"
            assert (
                "Edited for the scale-out test."
                in response.json()["data"]["organization"]["description"]
            )
        assert after[0].headers["etag"] == after[1].headers["etag"] != before[0].headers["etag"]
