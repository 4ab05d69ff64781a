"""Past MAX_CONCURRENCY requests at once, a server answers 503 `OVERLOADED` at once, shaped
like every other refusal (a GraphQL error in the negotiated media type, with Retry-After),
instead of queueing without bound; the health probes still answer, and the server serves
again as soon as the load drops."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from service.config import Settings
from service.http.admission import EXEMPT_PATHS, RETRY_AFTER_S, ConcurrencyLimitMiddleware
from service.http.media import GRAPHQL_RESPONSE, JSON
from tests.conftest import serving
from tests.queries import DEPTH_6_QUERY
from tests.utils.live import SentRequests, live_server, wait_until, wait_until_in_flight


def assert_overloaded(response: httpx.Response, media_type: str = JSON) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    body = response.json()
    assert set(body) == {"errors"}  # nothing ran: no `data`
    [error] = body["errors"]
    assert error["extensions"] == {"code": "OVERLOADED"}
    assert error["message"]


class HeldApp:
    """An app whose requests stay in flight until released; the exempt paths answer at once,
    and `/boom` fails."""

    def __init__(self) -> None:
        self.entered = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        if scope["path"] not in EXEMPT_PATHS:
            self.entered += 1
            await self.release.wait()
        await PlainTextResponse("done")(scope, receive, send)


async def test_past_the_limit_the_refusal_is_graphql_shaped():
    held = HeldApp()
    limited = ConcurrencyLimitMiddleware(held, limit=2)
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        in_flight = [asyncio.create_task(client.get("/graphql")) for _ in range(2)]
        await wait_until(lambda: held.entered == 2, within_s=5, what="two requests in flight")

        assert_overloaded(await client.post("/graphql", json={"query": "{ __typename }"}))
        assert_overloaded(
            await client.get("/graphql", headers={"Accept": GRAPHQL_RESPONSE}), GRAPHQL_RESPONSE
        )
        assert_overloaded(await client.get("/", headers={"Accept": "text/html"}))
        assert held.entered == 2, "a refused request never reaches the app"
        for probe in sorted(EXEMPT_PATHS):  # neither counted nor refused
            assert (await client.get(probe)).status_code == 200, probe

        held.release.set()
        assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200, 200]
        assert limited.in_flight == 0
        with pytest.raises(RuntimeError):
            await client.get("/boom")
        assert limited.in_flight == 0, "a failed request gives its place back"
        assert (await client.get("/graphql")).status_code == 200


async def test_the_app_refuses_past_max_concurrency_readably_from_another_origin(
    database_url: str,
):
    """The limit as the app wires it: inside CORS, so a page on an allowed origin can read
    the 503's code and its Retry-After. A request is held in flight by its body, which
    arrives only when the test says so."""
    origin = "http://localhost:5173"
    settings = Settings(database_url=database_url, max_concurrency=1, cors_origins=[origin])
    asked, release = asyncio.Event(), asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        asked.set()  # the app reads the body: the request is past the limit's check
        yield b'{"query": '
        await release.wait()
        yield b'"{ __typename }"}'

    async with serving(settings) as (client, _):
        held = asyncio.create_task(
            client.post("/graphql", content=slow_body(), headers={"content-type": JSON})
        )
        await wait_until(asked.is_set, within_s=10, what="one request in flight")
        refused = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": origin}
        )
        assert_overloaded(refused)
        assert refused.headers["access-control-allow-origin"] == origin
        assert "retry-after" in refused.headers["access-control-expose-headers"]
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        release.set()
        answer = await held
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == {"__typename": "Query"}
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200


@pytest.mark.slow  # a real server, and requests kept in flight for a second
@pytest.mark.dataset("synthetic:1000")
async def test_requests_beyond_the_concurrency_limit_get_503(database_url: str, tmp_path: Path):
    # the resolver path keeps each request in flight long enough to count (compiled: ~50 ms)
    async with live_server(
        database_url, tmp_path / "logs", MAX_CONCURRENCY="3", COMPILED_QUERIES="false"
    ) as server:
        body = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}  # ~1 s each
        sent = SentRequests()
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            in_flight = [
                asyncio.create_task(client.post("/graphql", json=body, extensions=sent.extensions))
                for _ in range(3)
            ]
            await wait_until_in_flight(sent, 3, server.port)  # admitted, before any other
            beyond = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(3)))
            for response in beyond:
                assert_overloaded(response)
            spec = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
            assert_overloaded(spec, GRAPHQL_RESPONSE)
            # the probes answer while the server is full: busy is neither dead nor unready
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            assert not any(task.done() for task in in_flight), "they were not slow enough"
            for response in await asyncio.gather(*in_flight):
                assert response.status_code == 200, response.text
                assert len(response.json()["data"]["organizations"]["nodes"]) == 100
            # the load is gone: the next request is served
            after = await client.post("/graphql", json={"query": "{ __typename }"})
            assert after.status_code == 200
