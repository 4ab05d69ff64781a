"""Past MAX_CONCURRENCY requests at once, a server answers 503 at once instead of queueing
without bound, and serves again as soon as the load drops."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.queries import DEPTH_6_QUERY
from tests.utils.live import SentRequests, live_server, wait_until_in_flight


@pytest.mark.slow  # a real server, and requests kept in flight for a second
@pytest.mark.dataset("synthetic:1000")
async def test_requests_beyond_the_concurrency_limit_get_503(database_url: str, tmp_path: Path):
    # uvicorn counts open connections: with a limit of 3, two in flight leave no room
    # the resolver path keeps each request in flight long enough to count (compiled: ~50 ms)
    async with live_server(
        database_url, tmp_path / "logs", MAX_CONCURRENCY="3", COMPILED_QUERIES="false"
    ) as server:
        body = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}  # ~1 s each
        sent = SentRequests()
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            in_flight = [
                asyncio.create_task(client.post("/graphql", json=body, extensions=sent.extensions))
                for _ in range(2)
            ]
            await wait_until_in_flight(sent, 2, server.port)  # admitted, before any other
            beyond = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(4)))
            assert [response.status_code for response in beyond] == [503] * 4
            assert not any(task.done() for task in in_flight), "they were not slow enough"
            for response in await asyncio.gather(*in_flight):
                assert response.status_code == 200, response.text
                assert len(response.json()["data"]["organizations"]["nodes"]) == 100
            # the load is gone: the next request is served
            after = await client.post("/graphql", json={"query": "{ __typename }"})
            assert after.status_code == 200
