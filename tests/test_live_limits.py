"""WebSocket limits and hostile clients, against real servers: a client over its limits is
refused (no init, too many subscriptions, too many sockets, a huge message, a document over
the query limits, no credentials, a foreign Origin), and a hostile client (thousands of
subscriptions, a reader that never reads) cannot hurt the others: after each, a change
still reaches another subscriber within a second and a plain HTTP query still answers.
"""

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.utils.live import LiveServer, live_server, wait_until
from tests.utils.ws import (
    CHANGES,
    Socket,
    backlog,
    edit,
    errors_of,
    issue_token,
    metric,
    refused_status,
    socket,
)

pytestmark = pytest.mark.slow  # real servers

WITHIN_S = 1.0
LIVE = "subscription Live($query: String!) { live(query: $query) }"
USP = '{ organization(slug: "usp") { description } }'
BIG = "{ organizations(first: 100) { nodes { slug name description agreements { kind year } } } }"
ALLOWED = "https://partners.example.org"
DEEP_INNER = '{ organization(slug: "fact") { ' + "parent { " * 14 + "slug" + " }" * 14 + " } }"


class Bystander:
    """A well-behaved client of the server: a live query on USP, and a way to check that a
    change still reaches it within a second and that HTTP still answers."""

    def __init__(self, server: LiveServer, client: httpx.AsyncClient, token: str) -> None:
        self.server, self.client, self.token = server, client, token
        self.watchers: list[tuple[Socket, str]] = []
        self.edits = 0

    async def watch(self, sock: Socket) -> None:
        id_ = await sock.subscribe(LIVE, {"query": USP})
        assert (await sock.data(id_))["live"]["data"]["organization"]
        self.watchers.append((sock, id_))

    async def still_served(self) -> float:
        """Edit USP: every watcher gets the new answer within a second; the slowest lag."""
        self.edits += 1
        text = f"Edit {self.edits} while a hostile client is connected."
        started = time.monotonic()
        await edit(self.client, self.server.base, self.token, "usp", text)
        for sock, id_ in self.watchers:
            answer = (await sock.data(id_, within_s=5))["live"]
            assert answer == {"data": {"organization": {"description": text}}}
        lag = time.monotonic() - started
        assert lag < WITHIN_S, lag
        response = await self.client.post(f"{self.server.base}/graphql", json={"query": USP})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["organization"]["description"] == text
        return lag


@contextlib.asynccontextmanager
async def serving(database_url: str, tmp_path: Path, **env: str) -> Any:
    """A server, an HTTP client, an editor's token and a bystander watching on its own socket."""
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server", **env) as server,
        httpx.AsyncClient(timeout=30) as client,
        socket(server.base) as sock,
    ):
        bystander = Bystander(server, client, token)
        await bystander.watch(sock)
        yield server, bystander


async def test_a_socket_that_never_sends_connection_init_is_closed_4408(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path, WS_INIT_TIMEOUT_S="1") as (server, bystander):
        async with socket(server.base, init=False) as silent:
            started = time.monotonic()
            assert await silent.closed(within_s=5) == 4408
            assert time.monotonic() - started < 3  # 1 s and a scheduler's slack
        await bystander.still_served()


async def test_a_subscription_over_the_cap_is_refused_and_the_others_keep_working(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        serving(database_url, tmp_path, MAX_SUBSCRIPTIONS="3") as (server, bystander),
        socket(server.base) as sock,
    ):
        ids = [await sock.subscribe(LIVE, {"query": USP}) for _ in range(3)]
        for id_ in ids:
            assert (await sock.data(id_))["live"]["data"]["organization"]
        extra = await sock.subscribe(LIVE, {"query": USP})
        (error,) = errors_of(await sock.next(extra))
        assert "Subscription limit reached" in error["message"], error
        bystander.watchers += [(sock, id_) for id_ in ids]
        await bystander.still_served()
        await sock.quiet(extra, 0.3)


async def test_thousands_of_subscribe_messages_are_capped_and_hurt_no_one(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path) as (server, bystander):
        async with socket(server.base) as hostile:
            await bystander.still_served()
            for n in range(3000):
                payload = {"query": LIVE, "variables": {"query": BIG}}
                await hostile.send({"id": f"h{n}", "type": "subscribe", "payload": payload})
            lag = await bystander.still_served()
            refused = accepted = 0
            while refused + accepted < 3000:
                message = await hostile.receive()
                if message["type"] == "next" and "errors" not in message["payload"]:
                    accepted += 1
                elif "Subscription limit reached" in json.dumps(message):
                    refused += 1
            subscriptions = await metric(bystander.client, server.base, "live_query_subscribers")
        print(
            f"\n3000 subscribes: {accepted} accepted, {refused} refused; "
            f"bystander {lag * 1e3:.0f} ms"
        )
        assert accepted == 20  # MAX_SUBSCRIPTIONS
        assert subscriptions == 21  # and the bystander's
        await bystander.still_served()


async def test_the_socket_beyond_max_websockets_is_refused_and_http_still_answers(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        serving(database_url, tmp_path, MAX_WEBSOCKETS="3", MAX_CONCURRENCY="2") as (
            server,
            bystander,
        ),
        socket(server.base) as second,
        socket(server.base) as third,
    ):
        assert await refused_status(server.base) == 403
        for sock in (second, third):
            await bystander.watch(sock)
        await bystander.still_served()  # HTTP answers although 3 sockets > MAX_CONCURRENCY
        assert await metric(bystander.client, server.base, "live_websockets") == 3
        await third.connection.close()

        async def freed() -> bool:
            return await metric(bystander.client, server.base, "live_websockets") == 2

        await wait_until(freed, within_s=5, what="the closed socket to be counted out")
        bystander.watchers.pop()
        async with socket(server.base) as again:  # a place is free again
            await bystander.watch(again)
            await bystander.still_served()


async def test_a_message_over_ws_message_bytes_closes_that_socket_1009_only(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path) as (server, bystander):
        async with socket(server.base) as hostile:
            huge = {"id": "1", "type": "subscribe", "payload": {"query": "{" + " " * 100_000 + "}"}}
            with contextlib.suppress(ConnectionClosed):
                await hostile.send(huge)
            assert await hostile.closed() == 1009
        await bystander.still_served()


DEEP = (
    "subscription { changes { record { ... on Organization { "
    + "parent { " * 14 + "slug" + " }" * 14 + " } } } }"
)  # fmt: skip
COSTLY = (  # 10 times a record's agreements' parties' agreements..., about 10,000 each
    "subscription { changes { "
    + " ".join(
        f"r{n}: record {{ ... on Organization {{ agreements {{ parties {{ agreements {{ parties "
        "{ agreements { parties { agreements { parties { slug } } } } } } } } } }"
        for n in range(10)
    )
    + " } }"
)
ALIASED = "subscription { changes { " + " ".join(f"a{n}: id" for n in range(60)) + " } }"
ALIASED_INNER = (
    "{ " + " ".join(f'a{n}: organization(slug: "fact") {{ slug }}' for n in range(60)) + " }"
)
COSTLY_INNER = (
    "{ organizations(first: 100) { nodes { agreements { parties { agreements { parties "
    "{ agreements { parties { slug } } } } } } } } }"
)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param(DEEP, "QUERY_TOO_DEEP", id="depth"),
        pytest.param(ALIASED, "TOO_MANY_ALIASES", id="aliases"),
        pytest.param(COSTLY, "QUERY_TOO_COMPLEX", id="cost"),
    ],
)
async def test_a_subscription_over_the_query_limits_is_refused(
    database_url: str, tmp_path: Path, document: str, code: str
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server") as server,
        socket(server.base, token) as sock,
    ):
        id_ = await sock.subscribe(document)
        message = await sock.next(id_)
        assert message["type"] == "error", message  # refused before it ran: no data
        assert [error["extensions"]["code"] for error in message["payload"]] == [code], message


@pytest.mark.parametrize(
    ("inner", "code"),
    [
        pytest.param(DEEP_INNER, "QUERY_TOO_DEEP", id="depth"),
        pytest.param(ALIASED_INNER, "TOO_MANY_ALIASES", id="aliases"),
        pytest.param(COSTLY_INNER, "QUERY_TOO_COMPLEX", id="cost"),
    ],
)
async def test_a_live_query_over_the_query_limits_answers_with_the_limit_error(
    database_url: str, tmp_path: Path, inner: str, code: str
) -> None:
    async with (
        live_server(database_url, tmp_path / "server") as server,
        socket(server.base) as sock,
    ):
        id_ = await sock.subscribe(LIVE, {"query": inner})
        answer = (await sock.data(id_))["live"]
        assert answer.get("data") is None, answer
        assert [error["extensions"]["code"] for error in answer["errors"]] == [code], answer


async def test_a_reader_that_never_reads_does_not_delay_anyone_else(
    database_url: str, tmp_path: Path
) -> None:
    # max_queue=1: the client library stops reading after one message, as a stuck browser
    # tab would. 90 subscriptions to a big answer, uncompressed, then send megabytes per
    # change: the kernel's buffers fill and the server's writes to that socket wait (its
    # unsent bytes show it), while the bystander's messages must not.
    async with (
        serving(database_url, tmp_path, MAX_SUBSCRIPTIONS="100") as (server, bystander),
        socket(server.base, bystander.token, max_queue=1, compression=None) as slow,
    ):
        await slow.subscribe(CHANGES)
        for _ in range(90):
            await slow.subscribe(LIVE, {"query": BIG})
        lags = [await bystander.still_served() for _ in range(8)]
        unread, unsent = backlog(slow.connection.local_address[1], server.port)
        assert unread > 0, "the slow reader read everything after all"
        assert unsent > 0, "the server was never held up by the slow reader"
        answers = 0  # ...nor did it keep every answer for it: only each query's newest
        with contextlib.suppress(TimeoutError):
            while True:
                message = await slow.receive(within_s=2)  # a bound on a drained socket
                answers += message["type"] == "next" and "live" in message["payload"]["data"]
        print(f"\nbystander beside a reader that never reads: "
              f"{', '.join(f'{lag * 1e3:.0f}' for lag in lags)} ms; {unread} bytes unread "
              f"by it, {unsent} unsent to it; it got {answers} of {90 * 9} answers")  # fmt: skip
        assert 90 <= answers < 90 * 9


async def test_anonymous_changes_is_unauthenticated_and_a_bad_bearer_is_closed_4403(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path) as (server, bystander):
        async with socket(server.base) as anonymous:
            id_ = await anonymous.subscribe(CHANGES)
            (error,) = errors_of(await anonymous.next(id_))
            assert error["extensions"]["code"] == "UNAUTHENTICATED", error
        async with socket(server.base, init=False) as stranger:
            await stranger.send(
                {"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}}
            )
            assert await stranger.closed() == 4403
        await bystander.still_served()


async def test_a_browser_origin_must_be_the_servers_own_or_listed_in_cors_origins(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(database_url, tmp_path, CORS_ORIGINS=ALLOWED) as (server, bystander):
        assert await refused_status(server.base, origin="https://evil.example") == 403
        assert await refused_status(server.base, origin="http://127.0.0.1.evil.example") == 403
        for origin in (server.base, ALLOWED):
            async with socket(server.base, origin=origin) as sock:
                await bystander.watch(sock)
                await bystander.still_served()
                bystander.watchers.pop()
