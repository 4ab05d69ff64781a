"""Past MAX_CONCURRENCY requests at once, a server answers 503 at once instead of queueing
without bound, and serves again as soon as the load drops."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.queries import DEPTH_6_QUERY
from tests.test_faults import env_for, free_port, serve_command, server_process, wait_until_serving


@pytest.mark.dataset("synthetic:1000")
async def test_requests_beyond_the_concurrency_limit_get_503(database_url: str, tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # uvicorn counts open connections: with a limit of 3, two in flight leave no room
    # the resolver path keeps each request in flight long enough to count (compiled: ~50 ms)
    env = env_for(database_url, MAX_CONCURRENCY="3", COMPILED_QUERIES="false")
    with server_process(serve_command(port), env, tmp_path / "logs") as process:
        await wait_until_serving(process, base, tmp_path / "logs")
        body = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}  # ~1 s each
        async with httpx.AsyncClient(timeout=60) as client:
            in_flight = [
                asyncio.create_task(client.post(f"{base}/graphql", json=body)) for _ in range(2)
            ]
            await asyncio.sleep(0.3)
            beyond = await asyncio.gather(
                *(client.post(f"{base}/graphql", json=body) for _ in range(4))
            )
            assert [response.status_code for response in beyond] == [503] * 4
            for response in await asyncio.gather(*in_flight):
                assert response.status_code == 200, response.text
                assert len(response.json()["data"]["organizations"]["nodes"]) == 100
            # the load is gone: the next request is served
            after = await client.post(f"{base}/graphql", json={"query": "{ __typename }"})
            assert after.status_code == 200
