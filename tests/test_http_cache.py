"""GET queries carry an ETag tied to the dataset revision; If-None-Match answers 304.

Each process holds the revision in memory (service/data/revision.py): a load shows in the
tags within a second, on every app over the database, without a statement per request.
"""

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from service.config import Settings
from service.data.dataset import DEFAULT_DATASET, read_dataset
from service.data.engine import create_engine
from service.data.loader import Snapshot, load, snapshot_of
from tests.conftest import ENGINE, serving
from tests.postgres import terminate_backends
from tests.utils.live import wait_until

QUERY = {"query": '{ organization(slug: "usp") { name description } }'}
WITHIN_S = 1.0  # how soon every process must tag answers with a load's new revision


def _edited(description: str = "Edited.") -> Snapshot:
    target = snapshot_of(read_dataset(DEFAULT_DATASET))
    target["organizations"]["usp"] = {**target["organizations"]["usp"], "description": description}
    return target


async def _load(settings: Settings, target: Snapshot) -> None:
    """A load as the seed command makes it: its own engine, its own transaction."""
    engine = create_engine(settings)
    try:
        await load(engine, target)
    finally:
        await engine.dispose()


async def _etag_moves(client: httpx.AsyncClient, old: str) -> None:
    async def moved() -> bool:
        response = await client.get("/graphql", params=QUERY, headers={"if-none-match": old})
        # untagged while the process re-establishes its watch: not yet moved
        return response.status_code == 200 and response.headers.get("etag", old) != old

    await wait_until(moved, within_s=WITHIN_S, what=f"a new ETag in place of {old}")


async def test_get_query_has_an_etag_and_revalidates_to_304(client):
    first = await client.get("/graphql", params=QUERY)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"

    again = await client.get("/graphql", params=QUERY, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    other = await client.get(
        "/graphql", params={"query": '{ organization(slug: "fact") { name } }'}
    )
    assert other.headers["etag"] != etag, "a different query is a different resource"


async def test_a_stale_etag_gets_the_full_answer(client):
    response = await client.get("/graphql", params=QUERY, headers={"if-none-match": '"r0-stale"'})
    assert response.status_code == 200
    assert (
        response.json()["data"]["organization"]["name"] == "United States Pharmacopeial Convention"
    )


async def test_the_etag_changes_when_a_load_changes_the_data(client, settings: Settings):
    before = await client.get("/graphql", params=QUERY)
    await _load(settings, _edited())

    await _etag_moves(client, before.headers["etag"])
    after = await client.get(
        "/graphql", params=QUERY, headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 200, "the old tag must not validate after the data changed"
    assert after.json()["data"]["organization"]["description"] == "Edited."
    again = await client.get(
        "/graphql", params=QUERY, headers={"if-none-match": after.headers["etag"]}
    )
    assert again.status_code == 304, "the new tag validates"


async def test_every_app_over_the_database_sees_a_load_within_a_second(settings: Settings):
    """Two apps (two replicas, as far as the database can tell) over one database: a load
    through the loader moves both apps' tags, to the same new tag."""
    async with serving(settings) as (first, _), serving(settings) as (second, _):
        before = [(await c.get("/graphql", params=QUERY)).headers["etag"] for c in (first, second)]
        assert before[0] == before[1]
        await _load(settings, _edited())
        await asyncio.gather(_etag_moves(first, before[0]), _etag_moves(second, before[1]))
        after = [(await c.get("/graphql", params=QUERY)).headers["etag"] for c in (first, second)]
        assert after[0] == after[1] != before[0]


@pytest.mark.skipif(ENGINE != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
async def test_a_dropped_listening_connection_is_reopened_and_misses_no_load(
    settings: Settings, database_url: str
):
    """Every connection of the app is killed (the revision listener's too) and a load made
    at once, maybe before the listener is back: it reads the revision again on reconnecting,
    so the load still shows within a second, and no request fails meanwhile."""
    async with serving(settings) as (client, _):
        before = await client.get("/graphql", params=QUERY)
        killed = await terminate_backends(database_url)
        assert killed >= 2, "the pooled connection and the listener should have been there"
        await _load(settings, _edited("Edited while nobody listened."))
        await _etag_moves(client, before.headers["etag"])
        after = await client.get("/graphql", params=QUERY)
        assert after.json()["data"]["organization"]["description"] == (
            "Edited while nobody listened."
        )


async def test_the_revision_watch_ends_with_the_app(settings: Settings):
    """Shutting the app down stops its revision task and closes its connection."""
    async with serving(settings) as (client, _):
        assert (await client.get("/graphql", params=QUERY)).status_code == 200
        assert [t for t in asyncio.all_tasks() if t.get_name() == "dataset-revision"]
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "dataset-revision"]
    if ENGINE == "postgresql":
        database = settings.database_url.rsplit("/", 1)[1]
        admin = create_async_engine(settings.database_url.rsplit("/", 1)[0] + "/postgres")
        try:
            async with admin.connect() as conn:
                left = await conn.scalar(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db"),
                    {"db": database},
                )
        finally:
            await admin.dispose()
        assert left == 0, "no connection of the app's may outlive it"


async def test_a_load_that_changes_nothing_keeps_the_etag(client, settings: Settings):
    before = await client.get("/graphql", params=QUERY)
    await _load(settings, snapshot_of(read_dataset(DEFAULT_DATASET)))
    after = await client.get(
        "/graphql", params=QUERY, headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 304


async def test_post_and_graphiql_are_not_tagged(client):
    post = await client.post("/graphql", json=QUERY)
    assert "etag" not in post.headers
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert "etag" not in page.headers


async def test_get_refusals_vary_by_accept_too(client):
    """A GET that fails validation is a 400 under graphql-response+json and a 200 under JSON:
    a shared cache must keep the two apart, so the refusal says Vary: Accept as well."""
    params = {"query": "{ nosuchfield }"}
    answers = {}
    for accept in ("application/graphql-response+json", "application/json"):
        response = await client.get("/graphql", params=params, headers={"accept": accept})
        vary = {name.strip().lower() for name in response.headers.get("vary", "").split(",")}
        assert "accept" in vary, (accept, response.headers.get("vary"))
        answers[accept] = response.status_code
        if response.status_code != 200:
            assert "etag" not in response.headers, "a refusal is not tagged"
    assert answers == {"application/graphql-response+json": 400, "application/json": 200}


async def test_a_load_through_the_apps_engine_keeps_its_one_transaction(app, client):
    """The app's engine reads outside transactions; a load handed it (as some callers do)
    still applies all of its changes or none: one that fails half-way leaves no trace."""
    before = await client.get("/graphql", params=QUERY)
    target = _edited("Written before the failure.")
    agreement = next(iter(target["agreements"].values()))
    agreement["parties"] = (*agreement["parties"], "no-such-organization")
    with pytest.raises(KeyError):
        await load(app.state.engine, target)
    after = await client.get("/graphql", params=QUERY)
    assert after.json() == before.json()
