"""A repeated GraphQL document is parsed and validated once per app, seen from the outside:
the /metrics counters `graphql_documents_parsed_total` and
`graphql_documents_validated_total` move once per distinct text, while every answer (data,
validation errors, limit refusals, syntax errors) stays what it would be without the cache.
"""

import json
from itertools import pairwise
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from service.config import Settings
from tests.conftest import serving, without_cost

pytestmark = pytest.mark.read_only

PAGE = "query Page($n: Int) { organizations(first: $n) { totalCount nodes { slug } } }"
OTHER = 'query One { organization(slug: "fact") { name } }'
UNKNOWN_FIELD = 'query Typo { organization(slug: "fact") { nme } }'
DEEP = '{ organization(slug: "fact") { ' + "parent { " * 14 + "slug" + " }" * 14 + " } }"
SYNTAX_ERROR = "qwerty cop { abc }"
INTROSPECTION = "{ __schema { queryType { name } } }"
HUGE_PAGE = 100_000  # `first` this large makes PAGE cost more than the default MAX_COST


class Counts:
    """The document counters on /metrics, and how far they moved since the last look."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.seen = (0.0, 0.0)

    async def read(self) -> tuple[float, float]:
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        values = {
            sample.name: sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }
        return (
            values["graphql_documents_parsed_total"],
            values["graphql_documents_validated_total"],
        )

    async def start(self) -> None:
        self.seen = await self.read()

    async def moved(self) -> tuple[float, float]:
        """(parsed, validated) since the previous call (or start)."""
        now = await self.read()
        moved = (now[0] - self.seen[0], now[1] - self.seen[1])
        self.seen = now
        return moved


@pytest.fixture
async def counts(client: httpx.AsyncClient) -> Counts:
    counter = Counts(client)
    await counter.start()
    return counter


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return without_cost(response.json())


async def get(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    params = {"query": query, **({"variables": json.dumps(variables)} if variables else {})}
    response = await client.get("/graphql", params=params)
    assert response.status_code == 200, response.text
    return without_cost(response.json())


def page_of(body: dict[str, Any], n: int) -> list[str]:
    """The slugs of a PAGE answer, after checking it is a full, error-free page of `n`."""
    assert "errors" not in body, body["errors"]
    organizations = body["data"]["organizations"]
    slugs = [node["slug"] for node in organizations["nodes"]]
    assert len(slugs) == min(n, organizations["totalCount"]), body
    return slugs


def codes(body: dict[str, Any]) -> set[str]:
    assert body.get("data") is None, body
    return {error["extensions"]["code"] for error in body["errors"]}


async def test_the_counters_are_on_the_metrics_page(client):
    text = (await client.get("/metrics")).text
    assert "# TYPE graphql_documents_parsed_total counter" in text
    assert "# TYPE graphql_documents_validated_total counter" in text


async def test_one_document_sent_20_times_is_parsed_and_validated_once(client, counts):
    first = await post(client, PAGE, {"n": 1})
    assert await counts.moved() == (1, 1)
    answers = [page_of(first, 1)]
    for n in range(2, 21):  # other variables each time: still the same document
        answers.append(page_of(await post(client, PAGE, {"n": n}), n))
    assert await counts.moved() == (0, 0)
    assert all(shorter == longer[: len(shorter)] for shorter, longer in pairwise(answers))


async def test_get_and_post_share_the_parsed_document(client, counts):
    for n in range(1, 21):
        send = get if n % 2 else post
        page_of(await send(client, PAGE, {"n": n}), n)
    assert await counts.moved() == (1, 1)


async def test_a_different_document_is_parsed_and_validated_again(client, counts):
    await post(client, PAGE, {"n": 2})
    assert await counts.moved() == (1, 1)
    for _ in range(5):
        body = await post(client, OTHER)
        assert body["data"]["organization"]["name"].startswith("Foundation"), body
    assert await counts.moved() == (1, 1)
    await post(client, PAGE, {"n": 3})  # the first is still known
    assert await counts.moved() == (0, 0)


async def test_an_invalid_document_gets_the_same_errors_every_time(client, counts):
    bodies = [await post(client, UNKNOWN_FIELD) for _ in range(10)]
    assert codes(bodies[0]) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "nme" in bodies[0]["errors"][0]["message"]
    assert all(body == bodies[0] for body in bodies), bodies
    assert await counts.moved() == (1, 1)


async def test_a_syntax_error_is_reported_every_time_and_parsed_every_time(client, counts):
    """A text that does not parse is not stored: each copy is parsed (and fails) again."""
    bodies = [await post(client, SYNTAX_ERROR) for _ in range(3)]
    assert codes(bodies[0]) == {"GRAPHQL_PARSE_FAILED"}
    assert bodies[0]["errors"][0]["message"].startswith("Syntax Error")
    assert all(body == bodies[0] for body in bodies), bodies
    assert await counts.moved() == (3, 0)


async def test_cost_limits_depend_on_the_variables_not_on_the_cache(client, counts):
    """Refused first (before anything about PAGE is known), then answered, then refused and
    answered in turn: the refusal is never remembered, as an error or as a pass."""
    assert codes(await post(client, PAGE, {"n": HUGE_PAGE})) == {"QUERY_TOO_COMPLEX"}
    assert await counts.moved() == (1, 0)  # refused by the limits: validation did not run
    page_of(await post(client, PAGE, {"n": 2}), 2)
    assert await counts.moved() == (0, 1)
    for _ in range(5):
        assert codes(await post(client, PAGE, {"n": HUGE_PAGE})) == {"QUERY_TOO_COMPLEX"}
        assert codes(await get(client, PAGE, {"n": HUGE_PAGE})) == {"QUERY_TOO_COMPLEX"}
        page_of(await post(client, PAGE, {"n": 3}), 3)
    assert await counts.moved() == (0, 0)


async def test_each_request_reports_the_cost_of_its_own_variables(client):
    """A measure is remembered per text, operation and variables' values: the same text
    with other variables reports its own cost, and the same variables the same cost, in
    any order, whichever path (kept statement or not) answers."""
    costs: dict[int, set[int]] = {}
    for n in (2, 3, 2, 1, 3, 2, 1):
        response = await client.post("/graphql", json={"query": PAGE, "variables": {"n": n}})
        body = response.json()
        costs.setdefault(n, set()).add(body["extensions"]["cost"]["requested"])
        page_of(without_cost(body), n)
    assert [len(seen) for seen in costs.values()] == [1, 1, 1], costs
    assert costs[1] != costs[2] != costs[3] != costs[1], costs


async def test_a_cost_follows_every_variable_the_measure_reads_even_one_read_later(client):
    """A measure is kept by the values of the variables it read: a slug does not count, a
    page size does. `last` is read only where `first` is null, so a document first measured
    with `first` must not answer for `last` from what it kept: each reports its own cost,
    repeated alike, and whichever slug a request names costs the same."""
    paged = (
        "query Paged($f: Int, $l: Int, $slug: String!) { organization(slug: $slug) { name } "
        "organizations(first: $f, last: $l) { nodes { slug agreements { title } } } }"
    )
    asked = [(2, None, "fact"), (2, None, "jacie"), (None, 3, "fact"), (None, 1, "isct"),
             (None, 3, "usp"), (2, None, "isct"), (None, 1, "fact")]  # fmt: skip
    costs: dict[tuple[int | None, int | None], set[int]] = {}
    for first, last, slug in asked:
        variables = {"f": first, "l": last, "slug": slug}
        response = await client.post("/graphql", json={"query": paged, "variables": variables})
        body = response.json()
        assert "errors" not in body, body
        assert len(body["data"]["organizations"]["nodes"]) == (first or last)
        costs.setdefault((first, last), set()).add(body["extensions"]["cost"]["requested"])
    assert [len(seen) for seen in costs.values()] == [1, 1, 1], costs
    (two,), (three,), (one,) = costs.values()
    assert one < two < three, costs


async def test_a_document_over_the_depth_limit_is_refused_every_time(client, counts):
    for _ in range(5):
        assert codes(await post(client, DEEP)) == {"QUERY_TOO_DEEP"}
    assert await counts.moved() == (1, 0)


async def test_introspection_stays_refused_when_turned_off(settings):
    off = settings.model_copy(update={"introspection": False})
    async with serving(off) as (client, sql):
        counts = Counts(client)
        await counts.start()
        bodies = [await post(client, INTROSPECTION) for _ in range(5)]
        assert codes(bodies[0]) == {"GRAPHQL_VALIDATION_FAILED"}
        assert all(body == bodies[0] for body in bodies), bodies
        assert sql.count == 0, sql.statements
        assert await counts.moved() == (1, 1)
    async with serving(settings) as (client, _sql):  # another app: its own store
        body = await post(client, INTROSPECTION)
        assert body["data"]["__schema"]["queryType"]["name"] == "Query", body


async def test_a_small_cache_evicts_the_least_recently_used(settings):
    small = settings.model_copy(update={"document_cache_size": 2})
    documents = [PAGE, OTHER, UNKNOWN_FIELD]
    async with serving(small) as (client, _sql):
        counts = Counts(client)
        await counts.start()
        for _ in range(3):  # two fit: cycling through three misses every time
            page_of(await post(client, PAGE, {"n": 2}), 2)
            assert "errors" not in await post(client, OTHER)
            assert codes(await post(client, UNKNOWN_FIELD)) == {"GRAPHQL_VALIDATION_FAILED"}
        assert await counts.moved() == (9, 9)
        for _ in range(3):  # the last two used are still there
            await post(client, OTHER)
            await post(client, UNKNOWN_FIELD)
        assert await counts.moved() == (0, 0)
        for _ in range(3):
            assert codes(await post(client, SYNTAX_ERROR)) == {"GRAPHQL_PARSE_FAILED"}
        assert await counts.moved() == (3, 0)
        for query in documents[1:]:  # a failed parse takes no place in the cache
            await post(client, query)
        assert await counts.moved() == (0, 0)


async def test_a_cache_of_size_zero_keeps_nothing(settings):
    async with serving(settings.model_copy(update={"document_cache_size": 0})) as (client, _):
        counts = Counts(client)
        await counts.start()
        for n in range(1, 4):
            page_of(await post(client, PAGE, {"n": n}), n)
        assert await counts.moved() == (3, 3)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("many", "Input should be a valid integer"),
        ("-1", "Input should be greater than or equal to 0"),
        ("1.5", "Input should be a valid integer"),
    ],
)
def test_a_bad_document_cache_size_is_a_clear_error(monkeypatch, value, complaint):
    monkeypatch.setenv("DOCUMENT_CACHE_SIZE", value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    [error] = raised.value.errors()
    assert error["loc"] == ("document_cache_size",)
    assert complaint in str(raised.value)
    assert "document_cache_size" in str(raised.value)


def test_the_document_cache_size_is_read_from_the_environment(monkeypatch):
    assert Settings().document_cache_size == 1000
    monkeypatch.setenv("DOCUMENT_CACHE_SIZE", "7")
    assert Settings().document_cache_size == 7


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_prepared_answer_is_the_whole_ways_answer_headers_and_all(client, accept):
    """The first request goes Strawberry's whole way; the next ones, their statement kept,
    the prepared POST lane. A client cannot tell them apart: the same status, the same
    headers (but the request id), the same bytes, in either media type, gzip or not."""
    body = {"query": PAGE, "variables": {"n": 4}, "operationName": "Page"}
    for encoding in ("identity", "gzip"):
        answers = [
            await client.post(
                "/graphql", json=body, headers={"accept": accept, "accept-encoding": encoding}
            )
            for _ in range(3)
        ]
        shapes = [
            (a.status_code, {k: v for k, v in a.headers.items() if k != "x-request-id"}, a.content)
            for a in answers
        ]
        assert shapes[0][0] == 200, answers[0].text
        assert shapes[1] == shapes[0]
        assert shapes[2] == shapes[0]
