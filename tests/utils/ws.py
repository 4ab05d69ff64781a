"""A small graphql-transport-ws client over the `websockets` library, for the live-update
tests against real servers, and the few things those tests do to a server (a token, an edit,
a metric).

`Socket` keeps each subscription's messages apart (several may share one socket), so a test
reads one subscription's next message while another's wait. Every read has a deadline: a
test waits for an outcome, never for a fixed time.
"""

import asyncio
import contextlib
import itertools
import json
import re
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from service.auth import tokens
from service.auth.principal import Role
from service.config import Settings
from service.data.engine import create_engine, for_writes
from tests.utils import global_id
from tests.utils.live import _tcp_sockets

PROTOCOL = "graphql-transport-ws"
WITHIN_S = 10.0  # upper bound on any one read: a failure, not a pace

CHANGES = """subscription Changes($after: String) {
  changes(after: $after) { id operation actor recordId version }
}"""


class Socket:
    """One graphql-transport-ws connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ids = (str(n) for n in itertools.count(1))
        self.inbox: dict[str, deque[dict[str, Any]]] = defaultdict(deque)

    async def init(self, token: str | None = None, *, within_s: float = WITHIN_S) -> None:
        """connection_init (signed in with `token` if given), and its acknowledgement."""
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        message = await self.receive(within_s)
        assert message["type"] == "connection_ack", message

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        """Start an operation; its id."""
        id_ = next(self.ids)
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        await self.send({"id": id_, "type": "subscribe", "payload": payload})
        return id_

    async def complete(self, id_: str) -> None:
        await self.send({"id": id_, "type": "complete"})

    async def receive(self, within_s: float = WITHIN_S) -> dict[str, Any]:
        """The socket's next message (a ping answered on the way); TimeoutError if none."""
        async with asyncio.timeout(within_s):
            while True:
                message: dict[str, Any] = json.loads(await self.connection.recv())
                if message["type"] == "ping":
                    await self.send({"type": "pong"})
                    continue
                return message

    async def next(self, id_: str, within_s: float = WITHIN_S) -> dict[str, Any]:
        """Subscription `id_`'s next message (next, error or complete), keeping the others'."""
        async with asyncio.timeout(within_s):
            while not self.inbox[id_]:
                message = await self.receive(within_s)
                self.inbox[message.get("id", "")].append(message)
        return self.inbox[id_].popleft()

    async def data(self, id_: str, within_s: float = WITHIN_S) -> dict[str, Any]:
        """The data of subscription `id_`'s next `next` message; it must be one, without errors."""
        message = await self.next(id_, within_s)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def quiet(self, id_: str, within_s: float) -> None:
        """Subscription `id_` is sent nothing for `within_s` (the test's claim, so a bound)."""
        with contextlib.suppress(TimeoutError):
            message = await self.next(id_, within_s)
            pytest.fail(f"subscription {id_} was sent {message}")

    async def closed(self, within_s: float = WITHIN_S) -> int | None:
        """The close code the server ends the connection with (messages until then dropped)."""
        async with asyncio.timeout(within_s):
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await self.connection.recv()
        await self.connection.wait_closed()
        return self.connection.close_code


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A subscription's errors, as an `error` message or a `next` message carrying them."""
    if message["type"] == "error":
        errors: list[dict[str, Any]] = message["payload"]
        return errors
    assert message["type"] == "next", message
    found: list[dict[str, Any]] = message["payload"].get("errors", [])
    return found


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/graphql"


@contextlib.asynccontextmanager
async def socket(
    base: str, token: str | None = None, *, init: bool = True, **options: Any
) -> AsyncIterator[Socket]:
    """A connection to `base`'s /graphql, initialised (signed in with `token`) unless `init`
    is false; `options` go to `websockets`' connect (origin, max_queue...)."""
    options.setdefault("open_timeout", WITHIN_S)
    async with connect(ws_url(base), subprotocols=[PROTOCOL], **options) as connection:  # type: ignore[list-item]
        assert connection.subprotocol == PROTOCOL
        opened = Socket(connection)
        if init:
            await opened.init(token)
        yield opened


async def refused_status(base: str, **options: Any) -> int:
    """The HTTP status a refused handshake answers; the test fails if it is accepted."""
    try:
        async with connect(ws_url(base), subprotocols=[PROTOCOL], **options):  # type: ignore[list-item]
            pytest.fail("the handshake was accepted")
    except InvalidStatus as refused:
        return refused.response.status_code
    raise AssertionError("unreachable")


# ------------------------------------------------------------- what the tests do to a server


async def issue_token(url: str, name: str = "live editor", role: Role = Role.EDITOR) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        async with for_writes(engine).begin() as conn:
            return await tokens.issue(conn, name=name, role=role)
    finally:
        await engine.dispose()


UPDATE = """mutation Edit($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { version } userErrors { code message } changeId
  }
}"""


async def edit(
    client: httpx.AsyncClient, base: str, token: str, slug: str, description: str
) -> str:
    """Set organization `slug`'s description through the API; the id of the Change made."""
    read = await client.post(
        f"{base}/graphql",
        json={"query": f'{{ organization(slug: "{slug}") {{ version }} }}'},
        headers={"authorization": f"Bearer {token}"},  # past the response cache
    )
    assert read.status_code == 200, read.text
    version = read.json()["data"]["organization"]["version"]
    variables = {
        "input": {
            "id": global_id(f"Organization:{slug}"),
            "expectedVersion": version,
            "description": description,
            "evidence": {"editorialNote": "live update test"},
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
    change: str = payload["changeId"]
    return change


async def metric(client: httpx.AsyncClient, base: str, name: str) -> float:
    """A sample's value from `base`'s /metrics (a counter's `_total` sample by its full name)."""
    text = (await client.get(f"{base}/metrics")).text
    found = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    assert found, f"{name} is not in /metrics"
    return float(found.group(1))


def backlog(client_port: int, server_port: int) -> tuple[int, int]:
    """Bytes of one connection the kernel holds: unread by the client, unsent by the server."""
    unread = unsent = 0
    for local, remote, _, sent, received, _inode in _tcp_sockets():
        if (local, remote) == (client_port, server_port):
            unread += received
        if (local, remote) == (server_port, client_port):
            unsent += sent
    return unread, unsent
