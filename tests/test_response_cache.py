"""Whole answers kept per process, seen from the outside: a repeated request is answered
without a statement, with the same bytes and the same ETag as a fresh answer; the cache
shows its hits, misses and size on /metrics and stays within RESPONSE_CACHE_BYTES; errors,
refusals and requests with credentials are never kept; and a change to the data reaches
every answer within a second."""

import gzip
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.config import Settings
from service.data.dataset import DEFAULT_DATASET, read_dataset
from service.data.engine import create_engine
from service.data.loader import load, snapshot_of
from tests.conftest import StatementCounter, serving
from tests.utils.live import wait_until
from tests.utils.statement_log import statement_log

PAGE = "query Page($n: Int) { organizations(first: $n) { totalCount nodes { id slug name } } }"
USP = 'query Usp { organization(slug: "usp") { id name description } }'
TYPO = 'query Typo { organization(slug: "usp") { nme } }'


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The defaults, the response cache included (the suite's own fixture turns it off)."""
    return Settings(database_url=database_url)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, StatementCounter]]:
    async with serving(settings) as pair:
        yield pair


async def cache_metrics(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("response_cache_")
    }


async def post(client: httpx.AsyncClient, query: str, **extra: Any) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, **extra})


async def test_a_repeated_request_is_answered_from_memory(served):
    """Kept from its second request (the first is remembered, not kept: most requests asked
    once are never asked again), and answered from memory from its third."""
    client, statements = served
    start = await cache_metrics(client)
    first = await post(client, PAGE, variables={"n": 5})
    assert first.status_code == 200
    used = statements.count
    assert used >= 1
    seen = await cache_metrics(client)
    assert (
        seen["response_cache_first_sights_total"] == start["response_cache_first_sights_total"] + 1
    )
    assert seen["response_cache_entries"] == start["response_cache_entries"]

    second = await post(client, PAGE, variables={"n": 5})
    assert second.content == first.content
    assert statements.count == 2 * used, "the second request runs its statement, and is kept"
    before = await cache_metrics(client)
    assert before["response_cache_entries"] == start["response_cache_entries"] + 1

    again = await post(client, PAGE, variables={"n": 5})
    assert again.status_code == 200
    assert again.content == first.content
    assert statements.count == 2 * used, "a hit sends no statement"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    after = await cache_metrics(client)
    assert after["response_cache_hits_total"] == before["response_cache_hits_total"] + 1
    assert after["response_cache_entries"] >= 1
    assert 0 < after["response_cache_bytes"] <= after["response_cache_max_bytes"]

    other = await post(client, PAGE, variables={"n": 6})  # other variables: another answer
    assert len(other.json()["data"]["organizations"]["nodes"]) == 6
    assert statements.count > used


async def test_a_hit_carries_the_etag_and_encoding_of_a_fresh_answer(served):
    client, _ = served
    params = {"query": USP}
    fresh = await client.get("/graphql", params=params, headers={"accept-encoding": "identity"})
    hit = await client.get("/graphql", params=params, headers={"accept-encoding": "identity"})
    assert hit.headers["etag"] == fresh.headers["etag"]
    assert hit.content == fresh.content
    zipped = await client.get("/graphql", params=params, headers={"accept-encoding": "gzip"})
    assert zipped.json() == fresh.json()
    assert zipped.headers.get("content-encoding") == (
        "gzip" if len(fresh.content) >= 1000 else None
    )
    page = {"query": PAGE, "variables": {"n": 30}}
    # A large answer, gzipped each time: on its way out the first time, then once for the
    # client and the cache together (kept from the second request), then from that copy.
    for _ in range(3):
        big = await client.post("/graphql", json=page, headers={"accept-encoding": "gzip"})
        assert big.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in big.headers["vary"].lower()
        assert len(big.json()["data"]["organizations"]["nodes"]) == 30
    assert zipped.headers["etag"] == fresh.headers["etag"]
    # Each media type is its own answer.
    typed = await client.get(
        "/graphql", params=params, headers={"accept": "application/graphql-response+json"}
    )
    assert typed.headers["content-type"].startswith("application/graphql-response+json")
    assert fresh.headers["content-type"].startswith("application/json")


async def test_errors_refusals_and_credentials_are_never_kept(served):
    client, _ = served
    before = await cache_metrics(client)
    for _ in range(2):
        typo = await post(client, TYPO)
        assert typo.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        over = await post(client, PAGE, variables={"n": 100_000})  # past MAX_COST
        assert over.json()["errors"]
        bad = await client.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert bad.status_code == 400
    after = await cache_metrics(client)
    assert after["response_cache_entries"] == before["response_cache_entries"]
    assert after["response_cache_hits_total"] == before["response_cache_hits_total"]

    for header in ({"authorization": "Bearer abc"}, {"cookie": "session=abc"}):
        for _ in range(2):
            answer = await client.post("/graphql", json={"query": USP}, headers=header)
            assert answer.status_code == 200
    final = await cache_metrics(client)
    assert final["response_cache_entries"] == after["response_cache_entries"]
    assert final["response_cache_hits_total"] == after["response_cache_hits_total"]


async def test_the_cache_stays_within_its_bound(database_url: str):
    bound = 96_000  # over 6,000 bytes (a sixteenth), an answer would be served, not kept
    settings = Settings(database_url=database_url, response_cache_bytes=bound)
    async with serving(settings) as (client, _):
        for n in range(1, 40):
            for _ in range(2):  # kept from the second request
                assert (await post(client, PAGE, variables={"n": n})).status_code == 200
        metrics = await cache_metrics(client)
        assert metrics["response_cache_max_bytes"] == bound
        assert 0 < metrics["response_cache_bytes"] <= bound
        assert metrics["response_cache_evictions_total"] > 0
        # The most recent answers are the ones kept.
        hits = metrics["response_cache_hits_total"]
        await post(client, PAGE, variables={"n": 39})
        assert (await cache_metrics(client))["response_cache_hits_total"] == hits + 1


async def test_a_miss_and_its_hit_send_the_same_encoded_bytes(served):
    """A miss leaves compressed once, in the bytes the cache then replays for a hit."""
    client, statements = served
    page = {"query": PAGE, "variables": '{"n": 33}'}
    identity = await client.get("/graphql", params=page, headers={"accept-encoding": "identity"})
    sent = []
    # The request differs by its operationName: its first sight (compressed on its way out,
    # not kept), a miss (kept, and compressed once for both), then a hit.
    for _ in range(3):
        before = statements.count
        async with client.stream(
            "GET", "/graphql", params={**page, "operationName": "Page"},
            headers={"accept-encoding": "gzip"},
        ) as answer:  # fmt: skip
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])
        assert answer.headers["content-encoding"] == "gzip"
        assert gzip.decompress(raw) == identity.content
        sent.append((raw, answer.headers["etag"], statements.count - before))
    (_, first_etag, first_statements), (miss, miss_etag, miss_statements) = sent[:2]
    hit, hit_etag, hit_statements = sent[2]
    assert (first_statements, miss_statements, hit_statements) == (1, 1, 0)
    assert hit == miss
    assert hit_etag == miss_etag == first_etag


async def test_an_answer_over_a_sixteenth_of_the_bound_is_served_not_kept(database_url: str):
    settings = Settings(database_url=database_url, response_cache_bytes=16_000)
    async with serving(settings) as (client, statements):
        small = await post(client, PAGE, variables={"n": 1})
        large = await post(client, PAGE, variables={"n": 30})
        for kept in ({"n": 1}, {"n": 30}):  # kept, if at all, from the second request
            await post(client, PAGE, variables=kept)
        assert len(small.content) < 1_000 < 2_000 < len(large.content)
        kept = await cache_metrics(client)
        assert kept["response_cache_entries"] == 1
        before = statements.count
        again = await post(client, PAGE, variables={"n": 30})
        assert again.content == large.content
        assert statements.count > before  # not from memory: it was never kept
        assert (await cache_metrics(client))["response_cache_entries"] == 1


async def test_zero_bytes_turns_the_cache_off(database_url: str):
    settings = Settings(database_url=database_url, response_cache_bytes=0)
    async with serving(settings) as (client, statements):
        await post(client, USP)
        used = statements.count
        await post(client, USP)
        assert statements.count == 2 * used
        assert (await cache_metrics(client))["response_cache_entries"] == 0


async def test_a_load_reaches_cached_answers_within_a_second(settings: Settings):
    async with serving(settings) as (client, _):
        before = (await post(client, USP)).json()["data"]["organization"]["description"]
        assert (await post(client, USP)).json()["data"]["organization"]["description"] == before

        target = snapshot_of(read_dataset(DEFAULT_DATASET))
        usp = target["organizations"]["usp"]
        target["organizations"]["usp"] = {**usp, "description": "Edited while cached."}
        engine = create_engine(settings)
        try:
            await load(engine, target)
        finally:
            await engine.dispose()

        async def edited() -> bool:
            answer = (await post(client, USP)).json()["data"]["organization"]
            return bool(answer["description"] == "Edited while cached.")

        await wait_until(edited, within_s=1.0, what="the cached answer to follow the load")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_hit_costs_no_statement_in_the_databases_own_log(database_url, method):
    """Counted on the database's side (SQLite's trace callback, PostgreSQL's statement log):
    the first request costs its one statement, and so does the second (which is kept); the
    next repeat costs none at all."""
    async with (
        statement_log(database_url) as log,
        serving(Settings(database_url=database_url)) as (client, _sql),
    ):
        log.mark()
        if method == "GET":
            first = await client.get("/graphql", params={"query": USP})
        else:
            first = await post(client, USP)
        assert first.status_code == 200
        assert len(log.since()) == 1, log.since()
        log.mark()
        if method == "GET":
            kept = await client.get("/graphql", params={"query": USP})
        else:
            kept = await post(client, USP)
        assert kept.content == first.content
        assert len(log.since()) == 1, log.since()
        log.mark()
        if method == "GET":
            again = await client.get("/graphql", params={"query": USP})
        else:
            again = await post(client, USP)
        assert again.content == first.content
        assert log.since() == []
