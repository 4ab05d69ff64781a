"""Changes reach WebSocket subscribers (graphql-transport-ws, a real `websockets` client)
of real servers at once, from the API and from the seed loader, through any replica; a
client that reconnects with a cursor, falls behind or outlives a restart misses nothing.

Latencies are from the change's own `at` (written inside its transaction, so before its
commit) to the message's arrival: an upper bound on commit-to-subscriber. They are printed
(run with -s).
"""

import asyncio
import base64
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_seed_cli import DatasetText, curated, edit_description, write_dataset
from tests.utils import global_id
from tests.utils.live import ROOT, env_for, live_server
from tests.utils.ws import CHANGES, Socket, backlog, edit, issue_token, socket

pytestmark = pytest.mark.slow  # real servers

WITHIN_S = 1.0  # the issue's bound: a change reaches a subscriber within a second
USP = '{ organization(slug: "usp") { description } }'
CHANGES_AT = CHANGES.replace("changes(after: $after) { id", "changes(after: $after) { id at")
LIVE = "subscription Live($query: String!) { live(query: $query) }"


def lag_s(change: dict[str, Any]) -> float:
    """Seconds from the change's `at` until now (one machine, one clock)."""
    at = datetime.fromisoformat(change["at"])
    return time.time() - (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


async def seed(url: str, path: Path) -> None:
    """`python -m service seed PATH`, as an operator runs it; it must succeed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "seed", str(path),
        cwd=ROOT, env=env_for(url), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


def edited_dataset(workdir: Path, slugs: list[str]) -> Path:
    """The curated file with each of `slugs`' descriptions edited, written under `workdir`."""
    text = DatasetText()
    for slug in slugs:
        edit_description(text, slug)
    return text.write(workdir)


def with_descriptions_edited(workdir: Path, count: int) -> Path:
    """The curated dataset with `count` organizations' descriptions edited (one load's
    worth of `count` changes), written under `workdir`."""
    data = curated()
    described = [o for o in data["organizations"] if "description" in o]
    assert len(described) >= count
    for organization in described[:count]:
        organization["description"] += " (edited)"
    return write_dataset(workdir, data)


async def both_hear(sock: Socket, changes: str, live: str, expected: str) -> dict[str, Any]:
    """The change, from the `changes` subscription, and the live answer that follows it."""
    change: dict[str, Any] = (await sock.data(changes))["changes"]
    answer = (await sock.data(live))["live"]
    assert answer == {"data": {"organization": {"description": expected}}}, answer
    return change


async def test_a_change_through_the_api_and_one_by_the_loader_reach_subscribers_within_a_second(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server") as server,
        socket(server.base, token) as sock,
        httpx.AsyncClient(timeout=30) as client,
    ):
        changes = await sock.subscribe(CHANGES_AT)
        live = await sock.subscribe(LIVE, {"query": USP})
        first = (await sock.data(live))["live"]["data"]["organization"]["description"]

        path = edited_dataset(tmp_path / "dataset", ["usp"])
        await seed(database_url, path)
        loaded = await both_hear(sock, changes, live, f"{first} (edited)")
        loader_lag = lag_s(loaded)
        assert (loaded["operation"], loaded["actor"]) == ("LOAD", "loader")

        made = await edit(client, server.base, token, "usp", "Edited through the API.")
        changed = await both_hear(sock, changes, live, "Edited through the API.")
        api_lag = lag_s(changed)
        assert (changed["id"], changed["operation"]) == (made, "UPDATE")
        print(f"\ncommit to subscribers: loader {loader_lag * 1e3:.0f} ms, "
              f"API {api_lag * 1e3:.0f} ms")  # fmt: skip
        assert loader_lag < WITHIN_S
        assert api_lag < WITHIN_S


async def test_a_change_through_one_replica_reaches_subscribers_of_the_other(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "a") as a,
        live_server(database_url, tmp_path / "b") as b,
        socket(a.base, token) as on_a,
        socket(b.base, token) as on_b,
        httpx.AsyncClient(timeout=30) as client,
    ):
        subscriptions = []
        for sock in (on_a, on_b):
            changes = await sock.subscribe(CHANGES_AT)
            live = await sock.subscribe(LIVE, {"query": USP})
            await sock.data(live)  # the answer now
            subscriptions.append((sock, changes, live))
        lags = []
        for writer, text in ((a, "Edited through A."), (b, "Edited through B.")):
            made = await edit(client, writer.base, token, "usp", text)
            for sock, changes, live in subscriptions:
                change = await both_hear(sock, changes, live, text)
                assert change["id"] == made
                lags.append(lag_s(change))
        print("\ncommit to subscribers (A on A, A on B, B on A, B on B): "
              + ", ".join(f"{lag * 1e3:.0f} ms" for lag in lags))  # fmt: skip
        assert max(lags) < WITHIN_S


async def received(sock: Socket, id_: str, count: int) -> list[str]:
    """The ids of the next `count` changes subscription `id_` is sent."""
    return [(await sock.data(id_))["changes"]["id"] for _ in range(count)]


async def test_reconnecting_with_the_last_change_received_misses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server") as server,
        httpx.AsyncClient(timeout=30) as client,
    ):

        async def edits(count: int, label: str) -> list[str]:
            return [
                await edit(client, server.base, token, "usp", f"{label} {n}.") for n in range(count)
            ]

        async with socket(server.base, token) as sock:
            first = await sock.subscribe(CHANGES)
            made = await edits(3, "Before")
            got = await received(sock, first, 3)
        made += await edits(4, "While away")
        async with socket(server.base, token) as sock:
            again = await sock.subscribe(CHANGES, {"after": got[-1]})
            got += await received(sock, again, 4)
            made += await edits(2, "After")
            got += await received(sock, again, 2)
            await sock.quiet(again, 0.5)  # nothing twice: a bound, not a pace
        assert got == made


async def last_change(client: httpx.AsyncClient, base: str, token: str) -> str:
    """The id of the newest entry of the audit trail, read through the API."""
    response = await client.post(
        f"{base}/graphql",
        json={"query": "{ changes(last: 1) { nodes { id } } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    (node,) = response.json()["data"]["changes"]["nodes"]
    found: str = node["id"]
    return found


async def test_a_burst_larger_than_the_backlog_reaches_a_subscriber_whole_and_in_order(
    database_url: str, tmp_path: Path
) -> None:
    """More changes at once than a subscriber may queue (LIVE_BACKLOG): its queue is dropped
    and it reads on from the log, so it still gets every change, once, in order."""
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server", LIVE_BACKLOG="5") as server,
        socket(server.base, token) as sock,
        httpx.AsyncClient(timeout=30) as client,
    ):
        before = await last_change(client, server.base, token)
        following = await sock.subscribe(CHANGES)
        await sock.quiet(following, 0.3)  # subscribed before the load
        await seed(database_url, with_descriptions_edited(tmp_path / "dataset", 8))  # > 5
        got = await received(sock, following, 8)
        await sock.quiet(following, 0.5)
        async with socket(server.base, token) as fresh:  # the whole load, read from the start
            whole = await fresh.subscribe(CHANGES, {"after": before})
            assert await received(fresh, whole, 8) == got


BIG = "{ organizations(first: 100) { nodes { slug name description agreements { kind year } } } }"


async def test_a_subscriber_that_stops_reading_gets_every_change_once_it_reads_again(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(
            database_url, tmp_path / "server", LIVE_BACKLOG="5", MAX_SUBSCRIPTIONS="100"
        ) as server,
        # max_queue=1: the client library stops reading after one message. 90 subscriptions
        # to a big answer, uncompressed, then send megabytes per change: the kernel's buffers
        # fill, the server's writes to this socket wait, and its changes queue up past the
        # backlog, which the server then drops to read on from the log.
        socket(server.base, token, max_queue=1, compression=None) as slow,
        httpx.AsyncClient(timeout=30) as client,
    ):
        behind = await slow.subscribe(CHANGES)
        for _ in range(90):
            await slow.subscribe(LIVE, {"query": BIG})
        made = [await edit(client, server.base, token, "usp", f"Unread {n}.") for n in range(20)]
        unread, unsent = backlog(slow.connection.local_address[1], server.port)
        assert unsent > 0, (unread, unsent)  # the server could not send: it was not read
        got = await received(slow, behind, len(made))
        assert got == made
        await slow.quiet(behind, 0.3)


async def test_a_server_stopped_by_sigterm_tells_its_subscribers_and_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with httpx.AsyncClient(timeout=30) as client:
        async with (
            live_server(database_url, tmp_path / "first") as server,
            socket(server.base, token) as sock,
        ):
            subscription = await sock.subscribe(CHANGES)
            made = [await edit(client, server.base, token, "usp", f"Edit {n}.") for n in range(3)]
            (last,) = await received(sock, subscription, 1)  # the rest are left unread
            server.process.send_signal(signal.SIGTERM)
            asked = time.monotonic()
            code = await sock.closed(within_s=5)
            closing_s = time.monotonic() - asked
            assert code in (1012, 1001), code
            assert server.process.wait(timeout=15) == 0
        print(f"\nclosed {code} {closing_s * 1e3:.0f} ms after SIGTERM")
        assert closing_s < 5  # uvicorn's graceful timeout is 10 s
        async with (
            live_server(database_url, tmp_path / "second") as server,
            socket(server.base, token) as sock,
        ):
            again = await sock.subscribe(CHANGES, {"after": last})
            assert [last, *await received(sock, again, 2)] == made
            await sock.quiet(again, 0.5)


def entry(change_id: str) -> int:
    """The audit entry's number inside a Change's ID (`Change:N`, base64url)."""
    text = base64.urlsafe_b64decode(change_id + "=" * (-len(change_id) % 4)).decode()
    kind, number = text.split(":")
    assert kind == "Change", text
    return int(number)


async def test_racing_writers_on_two_replicas_reach_every_subscriber_once_in_commit_order(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "a") as a,
        live_server(database_url, tmp_path / "b") as b,
        socket(a.base, token) as on_a,
        socket(b.base, token) as on_b,
        httpx.AsyncClient(timeout=30) as client,
    ):
        start = await last_change(client, a.base, token)
        watching = [(on_a, await on_a.subscribe(CHANGES)), (on_b, await on_b.subscribe(CHANGES))]

        async def writer(base: str, slug: str) -> list[str]:
            return [await edit(client, base, token, slug, f"Race {n}.") for n in range(10)]

        made = [change for run in await asyncio.gather(
            writer(a.base, "usp"), writer(b.base, "fact")) for change in run]  # fmt: skip
        in_order = sorted(made, key=entry)
        for sock, id_ in watching:
            assert await received(sock, id_, len(made)) == in_order
            await sock.quiet(id_, 0.3)
        async with socket(b.base, token) as late:  # the same story, told again from a cursor
            again = await late.subscribe(CHANGES, {"after": start})
            assert await received(late, again, len(made)) == in_order


FILTERED = """subscription Filtered($after: String, $filter: ChangeFilter) {
  changes(after: $after, filter: $filter) { id recordId }
}"""


async def test_a_filtered_subscription_gets_the_same_changes_live_and_from_a_cursor(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    usp = global_id("Organization:usp")
    async with (
        live_server(database_url, tmp_path / "server") as server,
        socket(server.base, token) as sock,
        httpx.AsyncClient(timeout=30) as client,
    ):
        start = await last_change(client, server.base, token)
        live = await sock.subscribe(FILTERED, {"filter": {"recordId": usp}})
        made = []
        for n in range(3):
            made.append(await edit(client, server.base, token, "usp", f"USP {n}."))
            await edit(client, server.base, token, "fact", f"FACT {n}.")
        got = [(await sock.data(live))["changes"] for _ in made]
        assert [change["id"] for change in got] == made
        assert {change["recordId"] for change in got} == {usp}
        await sock.quiet(live, 0.3)
        again = await sock.subscribe(FILTERED, {"after": start, "filter": {"recordId": usp}})
        assert [(await sock.data(again))["changes"]["id"] for _ in made] == made
        await sock.quiet(again, 0.3)
