"""A real Apollo Client (npm `@apollo/client`, pinned) against a real server: a paging walk
through its cache's relayStylePagination(), with possibleTypes from `python -m service
possible-types`, collects every organization exactly once, as the README tells clients to."""

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.utils import dataset
from tests.utils.live import ROOT, live_server

WALK = ROOT / "tests" / "apollo_walk.mjs"


@pytest.mark.slow  # a real server and a Node process
async def test_apollo_client_pages_through_every_organization_once(
    database_url: str, tmp_path: Path
):
    node = shutil.which("node")
    assert node, "Node.js is needed for the Apollo Client test (npm ci, via make)"
    assert (ROOT / "node_modules" / "@apollo" / "client").is_dir(), "run `make` (npm ci) first"
    possible_types = tmp_path / "possibleTypes.json"
    printing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "possible-types", "--schema", "schema.graphql",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    printed, _ = await asyncio.wait_for(printing.communicate(), timeout=60)
    assert printing.returncode == 0
    possible_types.write_bytes(printed)
    (tmp_path / "none.json").write_text("{}", encoding="utf-8")

    async def walk(server: Any, types: Path) -> Any:
        process = await asyncio.create_subprocess_exec(
            node, str(WALK), f"{server.base}/graphql", str(types), "7",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, stderr.decode()
        return json.loads(stdout)

    async with live_server(database_url, tmp_path / "logs") as server:
        result = await walk(server, possible_types)
        without = await walk(server, tmp_path / "none.json")
    every = sorted(o["slug"] for o in dataset()["organizations"])
    assert result["totalCount"] == len(every)
    assert result["pages"] == -(-len(every) // 7)
    assert len(result["slugs"]) == len(set(result["slugs"])) == len(every)  # each once
    assert sorted(result["slugs"]) == every
    assert len(set(result["ids"])) == len(every)
    # the fragment on Node matches through possibleTypes, and only through them
    assert result["viaNode"] == {"__typename": "Organization", "id": result["ids"][0]}
    assert without["viaNode"] == {"__typename": "Organization"}  # the id went unmatched
    assert without["slugs"] == result["slugs"]
