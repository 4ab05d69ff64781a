"""Live queries on a real server: a change that alters a query's answer sends the new
answer, one that does not sends nothing, and every subscriber of the same query and
variables shares one execution per change (`live_query_executions_total` on /metrics),
however many there are.
"""

import contextlib
from pathlib import Path

import httpx
import pytest

from tests.utils import dataset
from tests.utils.live import live_server, wait_until
from tests.utils.ws import CHANGES, Socket, edit, issue_token, metric, socket

pytestmark = pytest.mark.slow  # real servers

LIVE = "subscription Live($query: String!, $variables: JSON) { live(query: $query, variables: $variables) }"  # noqa: E501
DESCRIPTION = "query Description($slug: String!) { organization(slug: $slug) { description } }"
EXECUTIONS = "live_query_executions_total"


def answer(text: str) -> dict[str, object]:
    return {"data": {"organization": {"description": text}}}


async def test_a_change_that_alters_the_answer_sends_it_and_one_that_does_not_sends_nothing(
    database_url: str, tmp_path: Path
) -> None:
    token = await issue_token(database_url)
    async with (
        live_server(database_url, tmp_path / "server") as server,
        socket(server.base, token) as sock,
        httpx.AsyncClient(timeout=30) as client,
    ):
        changes = await sock.subscribe(CHANGES)
        live = await sock.subscribe(LIVE, {"query": DESCRIPTION, "variables": {"slug": "usp"}})
        first = (await sock.data(live))["live"]
        assert first["data"]["organization"]["description"]

        runs = await metric(client, server.base, EXECUTIONS)
        made = await edit(client, server.base, token, "fact", "Unrelated to USP.")
        assert (await sock.data(changes))["changes"]["id"] == made  # the server heard it

        async def rerun() -> bool:  # the query ran again for the change...
            return await metric(client, server.base, EXECUTIONS) == runs + 1

        await wait_until(rerun, within_s=5, what="the live query to run again")
        await sock.quiet(live, 1.0)  # ...and its unchanged answer was not sent

        made = await edit(client, server.base, token, "usp", "Related to USP.")
        assert (await sock.data(changes))["changes"]["id"] == made
        assert (await sock.data(live))["live"] == answer("Related to USP.")
        await sock.quiet(live, 0.5)  # once


async def subscribe(
    sockets: list[Socket], variables: list[dict[str, str]], count: int
) -> list[tuple[Socket, str, str]]:
    """`count` subscriptions, spread over `sockets` and `variables` in turn, each first
    answer read: (socket, subscription id, slug) each."""
    subscribed = []
    for n in range(count):
        sock, given = sockets[n % len(sockets)], variables[n % len(variables)]
        id_ = await sock.subscribe(LIVE, {"query": DESCRIPTION, "variables": given})
        subscribed.append((sock, id_, given["slug"]))
    for sock, id_, _ in subscribed:
        assert (await sock.data(id_))["live"]["data"]["organization"]
    return subscribed


@pytest.mark.parametrize(
    ("queries", "per_query"),
    [
        pytest.param(1, 50, id="50-subscribers-of-one-query"),
        pytest.param(10, 5, id="50-subscribers-of-10-queries"),
    ],
)
async def test_subscribers_of_one_query_share_one_execution_per_change(
    database_url: str, tmp_path: Path, queries: int, per_query: int
) -> None:
    token = await issue_token(database_url)
    others = [o["slug"] for o in dataset()["organizations"] if o["slug"] != "usp"]
    slugs = ["usp", *others]
    variables = [{"slug": slug} for slug in slugs[:queries]]
    async with (
        live_server(database_url, tmp_path / "server") as server,
        httpx.AsyncClient(timeout=30) as client,
        contextlib.AsyncExitStack() as stack,
    ):
        # 5 sockets of 10 subscriptions each, under MAX_SUBSCRIPTIONS per socket
        sockets = [await stack.enter_async_context(socket(server.base)) for _ in range(5)]
        subscribed = await subscribe(sockets, variables, queries * per_query)
        assert await metric(client, server.base, "live_query_subscribers") == len(subscribed)
        runs = await metric(client, server.base, EXECUTIONS)

        await edit(client, server.base, token, "usp", "Shared by every subscriber.")
        for sock, id_, slug in subscribed:
            if slug == "usp":
                assert (await sock.data(id_))["live"] == answer("Shared by every subscriber.")

        async def ran() -> bool:
            return await metric(client, server.base, EXECUTIONS) >= runs + queries

        await wait_until(ran, within_s=5, what=f"{queries} executions")
        await sockets[0].quiet(subscribed[0][1], 0.3)  # a bound for any further execution to show
        assert await metric(client, server.base, EXECUTIONS) == runs + queries
