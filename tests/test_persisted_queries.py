"""Automatic persisted queries (the Apollo protocol) and safelist mode, over HTTP."""

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import Settings
from tests.conftest import serving, without_cost

pytestmark = pytest.mark.read_only

FACT = '{ organization(slug: "fact") { name } }'
JACIE = '{ organization(slug: "jacie") { name } }'
USP = '{ organization(slug: "usp") { name } }'
FACT_NAME = "Foundation for Accreditation of Cellular Therapy"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(document)}}


async def by_hash(client: httpx.AsyncClient, document: str) -> httpx.Response:
    return await client.post("/graphql", json={"extensions": persisted(document)})


async def register(client: httpx.AsyncClient, document: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": document, "extensions": persisted(document)}
    )


def error_code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    code: str = errors[0]["extensions"]["code"]
    return code


def data(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = without_cost(response.json())
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


# --- APQ ---------------------------------------------------------------------------------


async def test_an_unknown_hash_is_persisted_query_not_found(settings):
    async with serving(settings) as (client, sql):
        response = await by_hash(client, FACT)
        assert response.status_code == 200  # what Apollo clients expect, to resend the query
        assert error_code(response) == "PERSISTED_QUERY_NOT_FOUND"
        assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        assert "data" not in response.json()
        assert sql.count == 0


async def test_hash_and_query_run_and_register(settings):
    async with serving(settings) as (client, _sql):
        assert data(await register(client, FACT)) == {"organization": {"name": FACT_NAME}}
        assert data(await by_hash(client, FACT)) == {"organization": {"name": FACT_NAME}}


async def test_a_persisted_query_key_spelled_with_json_escapes_is_still_one(settings):
    """JSON may escape any character of a key: `\\u0070ersistedQuery` is `persistedQuery`, so
    a body that spells it so is resolved by its hash like any other, never run as a request
    without a query."""
    escaped = json.dumps({"extensions": persisted(FACT)}).replace("persisted", "\\u0070ersisted")
    assert "persistedQuery" not in escaped
    headers = {"content-type": "application/json"}
    async with serving(settings) as (client, _sql):
        response = await client.post("/graphql", content=escaped, headers=headers)
        assert error_code(response) == "PERSISTED_QUERY_NOT_FOUND"
        await register(client, FACT)
        response = await client.post("/graphql", content=escaped, headers=headers)
        assert data(response) == {"organization": {"name": FACT_NAME}}


async def test_a_registered_hash_runs_over_get_with_an_etag(settings):
    async with serving(settings) as (client, sql):
        data(await register(client, FACT))
        params = {"extensions": json.dumps(persisted(FACT))}
        first = await client.get("/graphql", params=params)
        assert "query" not in str(first.request.url)  # the short, CDN-cacheable URL
        assert data(first) == {"organization": {"name": FACT_NAME}}
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"

        sql.statements.clear()
        again = await client.get("/graphql", params=params, headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert sql.count <= 1, sql.statements  # the revision lookup at most, not the query

        other = await client.get(
            "/graphql",
            params={"extensions": json.dumps(persisted(JACIE))},
            headers={"if-none-match": etag},
        )
        assert other.status_code == 200, "another document is another resource"
        assert error_code(other) == "PERSISTED_QUERY_NOT_FOUND"


async def test_hash_and_query_over_get_register_too(settings):
    async with serving(settings) as (client, _sql):
        response = await client.get(
            "/graphql", params={"query": FACT, "extensions": json.dumps(persisted(FACT))}
        )
        assert data(response) == {"organization": {"name": FACT_NAME}}
        assert data(await by_hash(client, FACT)) == {"organization": {"name": FACT_NAME}}


async def test_a_hash_that_does_not_match_the_query_is_refused_and_not_stored(settings):
    async with serving(settings) as (client, sql):
        response = await client.post(
            "/graphql", json={"query": JACIE, "extensions": persisted(FACT)}
        )
        assert response.status_code == 400
        assert error_code(response) == "BAD_USER_INPUT"
        assert "does not match" in response.json()["errors"][0]["message"]
        assert sql.count == 0
        # the claimed hash did not get the other document: no cache poisoning
        assert error_code(await by_hash(client, FACT)) == "PERSISTED_QUERY_NOT_FOUND"
        assert error_code(await by_hash(client, JACIE)) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extensions",
    [
        pytest.param({"persistedQuery": {"version": 2, "sha256Hash": sha256(FACT)}}, id="v2"),
        pytest.param({"persistedQuery": {"version": 1}}, id="no-hash"),
        pytest.param({"persistedQuery": {"version": 1, "sha256Hash": 12}}, id="hash-not-str"),
        pytest.param({"persistedQuery": "yes"}, id="not-an-object"),
    ],
)
async def test_a_malformed_persisted_query_is_bad_user_input(settings, extensions):
    async with serving(settings) as (client, sql):
        response = await client.post("/graphql", json={"query": FACT, "extensions": extensions})
        assert response.status_code == 400
        assert error_code(response) == "BAD_USER_INPUT"
        assert sql.count == 0


async def test_extensions_that_are_not_json_over_get_are_bad_user_input(settings):
    async with serving(settings) as (client, sql):
        response = await client.get("/graphql", params={"extensions": "{not json"})
        assert response.status_code == 400
        assert error_code(response) == "BAD_USER_INPUT"
        assert sql.count == 0


async def test_a_persisted_query_is_held_to_the_same_limits(settings):
    deep = '{ organization(slug: "fact") { ' + "parent { " * 14 + "slug" + " }" * 14 + " } }"
    async with serving(settings) as (client, sql):
        assert error_code(await register(client, deep)) == "QUERY_TOO_DEEP"
        assert error_code(await by_hash(client, deep)) in (
            "QUERY_TOO_DEEP",
            "PERSISTED_QUERY_NOT_FOUND",
        )
        assert sql.count == 0


async def test_the_store_forgets_the_least_recently_used_beyond_its_capacity(database_url):
    async with serving(Settings(database_url=database_url, apq_capacity=2)) as (client, _sql):
        for document in (FACT, JACIE, USP):
            data(await register(client, document))
        assert error_code(await by_hash(client, FACT)) == "PERSISTED_QUERY_NOT_FOUND"
        assert data(await by_hash(client, JACIE))["organization"]["name"]
        assert data(await by_hash(client, USP))["organization"]["name"]

        # using JACIE makes USP the least recently used: registering FACT again evicts USP
        data(await by_hash(client, JACIE))
        data(await register(client, FACT))
        assert error_code(await by_hash(client, USP)) == "PERSISTED_QUERY_NOT_FOUND"
        assert data(await by_hash(client, JACIE))["organization"]["name"]
        assert data(await by_hash(client, FACT))["organization"]["name"] == FACT_NAME


async def test_a_capacity_of_zero_registers_nothing(database_url):
    async with serving(Settings(database_url=database_url, apq_capacity=0)) as (client, _sql):
        assert data(await register(client, FACT)) == {"organization": {"name": FACT_NAME}}
        assert error_code(await by_hash(client, FACT)) == "PERSISTED_QUERY_NOT_FOUND"


# --- safelist mode -----------------------------------------------------------------------


@pytest.fixture(params=["object", "list"])
def safelist(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """FACT and JACIE, as a JSON object of name -> document or as a list of documents."""
    path = tmp_path / "safelist.json"
    documents = {"fact": FACT, "jacie": JACIE}
    content = documents if request.param == "object" else list(documents.values())
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


async def test_safelisted_documents_run_by_text_and_by_hash(database_url, safelist):
    async with serving(Settings(database_url=database_url, safelist_path=safelist)) as (
        client,
        _sql,
    ):
        expected = {"organization": {"name": FACT_NAME}}
        assert data(await client.post("/graphql", json={"query": FACT})) == expected
        assert data(await by_hash(client, FACT)) == expected
        assert data(await register(client, FACT)) == expected
        assert data(await client.get("/graphql", params={"query": FACT})) == expected
        get_by_hash = await client.get(
            "/graphql", params={"extensions": json.dumps(persisted(JACIE))}
        )
        assert data(get_by_hash)["organization"]["name"].startswith("Joint Accreditation")


FORBIDDEN_REQUESTS = [
    pytest.param("POST", {"query": USP}, id="other-text"),
    pytest.param("POST", {"query": FACT + " "}, id="safelisted-text-but-one-space"),
    pytest.param("POST", {"query": USP, "extensions": persisted(USP)}, id="apq-register"),
    pytest.param("POST", {"extensions": persisted(USP)}, id="unknown-hash"),
    pytest.param("POST", {"query": USP, "extensions": {"persistedQuery": None}}, id="null-pq"),
    pytest.param("GET", {"query": USP}, id="get-text"),
    pytest.param("GET", {"extensions": json.dumps(persisted(USP))}, id="get-hash"),
]


@pytest.mark.parametrize(("method", "payload"), FORBIDDEN_REQUESTS)
async def test_anything_else_is_forbidden_and_runs_no_sql(database_url, safelist, method, payload):
    async with serving(Settings(database_url=database_url, safelist_path=safelist)) as (
        client,
        sql,
    ):
        if method == "GET":
            response = await client.get("/graphql", params=payload)
        else:
            response = await client.post("/graphql", json=payload)
        assert response.status_code == 403, response.text
        assert error_code(response) == "FORBIDDEN"
        assert len(response.json()["errors"][0]["message"]) > 10
        assert "data" not in response.json()
        assert sql.count == 0, sql.statements


async def test_apq_cannot_register_new_documents_in_safelist_mode(database_url, safelist):
    async with serving(Settings(database_url=database_url, safelist_path=safelist)) as (
        client,
        sql,
    ):
        assert (await register(client, USP)).status_code == 403
        response = await by_hash(client, USP)
        assert response.status_code == 403
        assert error_code(response) == "FORBIDDEN"
        assert sql.count == 0
