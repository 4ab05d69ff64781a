"""A real Apollo Client (npm `@apollo/client` 4, pinned, and 3.13 as `apollo-client-3`)
against a real server, as the README tells clients to use it: a paging walk through the
cache's relayStylePagination() collects every organization exactly once, in the order a
plain HTTP request gives; records are normalized by `__typename:id`; possibleTypes from
`python -m service possible-types` let fragments on Node match in `search` and `node`; and
the `extensions.code` of each refusal reaches the application through the client's error.

Apollo Client 4 asks for `application/graphql-response+json` first, so it gets the spec's
statuses (400 for a request error, 404 for a persisted-query miss) and reads the errors of
every answer in that type, whatever its status, as CombinedGraphQLErrors. Apollo Client 3
sends `Accept: */*`, gets `application/json`, and finds the codes of a non-2xx refusal in
its ServerError's parsed `result`."""

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import Settings
from tests.utils import dataset
from tests.utils.live import ROOT, LiveServer, live_server

WALK = ROOT / "tests" / "apollo_walk.mjs"
PAGE_SIZE = 7  # several pages, the last one short
ATTEMPTS = 3  # RetryLink's, at a server over its time budget
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

PLAIN_PAGE = """query Organizations($first: Int, $after: String) {
  organizations(first: $first, after: $after) {
    totalCount
    edges { cursor node { id slug } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PLAIN_SEARCH = """query Search($query: String!, $id: ID!) {
  search(query: $query) {
    __typename
    ... on Node { id }
    ... on Organization { slug }
    ... on Initiative { name }
  }
  node(id: $id) { __typename ... on Node { id } ... on Organization { slug } }
}"""


def media_type(value: str | None) -> str:
    """The first media type of a Content-Type or Accept value, without parameters."""
    assert value is not None
    return value.split(",")[0].split(";")[0].strip()


async def plain(server: LiveServer, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"accept": JSON},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


async def plain_walk(server: LiveServer) -> tuple[int, list[dict[str, Any]]]:
    """Every organization by plain HTTP requests, page after page: (totalCount, nodes)."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await plain(server, PLAIN_PAGE, {"first": PAGE_SIZE, "after": after}))[
            "organizations"
        ]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes
        after = page["pageInfo"]["endCursor"]


CLIENTS = [pytest.param("4", id="apollo-client-4"), pytest.param("3", id="apollo-client-3")]


@pytest.mark.slow  # real servers and Node processes
@pytest.mark.parametrize("client", CLIENTS)
async def test_apollo_client_against_a_real_server(
    client: str, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the Apollo Client test (npm ci, via make)"
    package = "@apollo/client" if client == "4" else "apollo-client-3"
    installed = ROOT / "node_modules" / package / "package.json"
    assert installed.is_file(), "run `make` (npm ci) first"
    assert json.loads(installed.read_text())["version"].startswith(f"{client}.")
    possible_types = tmp_path / "possibleTypes.json"
    printing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "possible-types", "--schema", "schema.graphql",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    printed, _ = await asyncio.wait_for(printing.communicate(), timeout=60)
    assert printing.returncode == 0
    possible_types.write_bytes(printed)
    (tmp_path / "none.json").write_text("{}", encoding="utf-8")
    safelist = tmp_path / "safelist.json"
    safelist.write_text(json.dumps(["{ __typename }"]), encoding="utf-8")
    # the dataset's first organization (ISCT itself) is named by records of several types
    term = dataset()["organizations"][0]["acronym"]

    async def walk(config: dict[str, Any]) -> Any:
        config = {"client": client, "pageSize": PAGE_SIZE, "search": term, **config}
        process = await asyncio.create_subprocess_exec(
            node, str(WALK), json.dumps(config),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, stderr.decode()
        return json.loads(stdout)

    async with (
        live_server(database_url, tmp_path / "logs") as server,
        live_server(database_url, tmp_path / "listed", SAFELIST_PATH=str(safelist)) as listed,
        live_server(database_url, tmp_path / "slow", REQUEST_TIMEOUT_S="0.000001") as slow,
    ):
        url = f"{server.base}/graphql"
        result = await walk(
            {
                "url": url,
                "possibleTypes": str(possible_types),
                "refusals": True,
                "padding": settings.max_body_bytes + 1,
                "tooMany": settings.max_page_size + 1,
                "forbiddenUrl": f"{listed.base}/graphql",
                "slowUrl": f"{slow.base}/graphql",
                "attempts": ATTEMPTS,
            }
        )
        without = await walk(
            {"url": url, "possibleTypes": str(tmp_path / "none.json"), "refusals": False}
        )
        total, nodes = await plain_walk(server)
        answer = await plain(server, PLAIN_SEARCH, {"query": term, "id": nodes[-1]["id"]})

    # --- the walk: every organization once, in the server's order -------------------------
    walked = result["walk"]
    every = sorted(o["slug"] for o in dataset()["organizations"])
    assert walked["totalCount"] == total == len(every)
    assert walked["pages"] == -(-total // PAGE_SIZE)
    assert len(walked["slugs"]) == len(set(walked["slugs"])) == len(every)  # each once
    assert sorted(walked["slugs"]) == every
    assert walked["slugs"] == [n["slug"] for n in nodes]  # in order
    assert walked["ids"] == [n["id"] for n in nodes]
    assert without["walk"]["slugs"] == walked["slugs"]

    # --- normalization: one record per id, one cached list for the connection -------------
    keys = [f"Organization:{id}" for id in walked["ids"]]
    cache = result["cache"]
    assert sorted(k for k in cache["keys"] if k.startswith("Organization:")) == sorted(keys)
    assert [f for f in cache["rootFields"] if f.startswith("organizations")] == [
        "organizations:{}"  # keyed by filter and orderBy, neither given: the pages merged
    ]
    assert cache["edgeRefs"] == keys
    assert cache["identified"] == keys[0]

    # --- fragments on Node: they match through possibleTypes, and only through them -------
    assert result["viaNode"] == {"__typename": "Organization", "id": walked["ids"][0]}
    assert without["viaNode"] == {"__typename": "Organization"}  # the id went unmatched
    searched = result["search"]
    assert searched["error"] is None
    assert len({item["__typename"] for item in answer["search"]}) > 1, answer
    assert searched["search"] == answer["search"]
    last = {"__typename": "Organization", "id": walked["ids"][-1], "slug": walked["slugs"][-1]}
    assert searched["node"] == answer["node"] == last
    assert searched["identified"] == [f"{i['__typename']}:{i['id']}" for i in answer["search"]]
    unmatched = without["search"]
    assert [item["__typename"] for item in unmatched["search"]] == [
        item["__typename"] for item in answer["search"]
    ]
    assert all("id" not in item for item in unmatched["search"])
    assert unmatched["identified"] == [None] * len(answer["search"])  # not normalized

    # --- the media type: Apollo 4 asks for graphql-response+json first, and gets it -------
    asked, answered = (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE) if client == "4" else ("*/*", JSON)
    exchanges = [
        *walked["exchanges"],
        *searched["exchanges"],
        *(e for r in result["refusals"].values() for e in r.get("exchanges", [])),
        *result["refusals"]["persistedQueryMiss"]["recovered"]["exchanges"],
    ]
    assert len(walked["exchanges"]) == walked["pages"]
    for exchange in exchanges:
        assert media_type(exchange["accept"]) == asked, exchange
        assert media_type(exchange["contentType"]) == answered, exchange

    # --- refusals: extensions.code reaches the application -------------------------------
    refusals = result["refusals"]
    expected = {  # name: (code, status under graphql-response+json, under application/json)
        "validation": ("GRAPHQL_VALIDATION_FAILED", 400, 200),
        "tooLarge": ("PAYLOAD_TOO_LARGE", 413, 413),
        "notJson": ("UNSUPPORTED_MEDIA_TYPE", 415, 415),
        "forbidden": ("FORBIDDEN", 403, 403),
    }
    for name, (code, status_4, status_3) in expected.items():
        refused = refusals[name]
        status = status_4 if client == "4" else status_3
        assert [e["status"] for e in refused["exchanges"]] == [status], (name, refused)
        assert refused["codes"] == [code], (name, refused)
        if client == "4":  # every answer in the spec's type is read as GraphQL errors
            assert refused["name"] == "CombinedGraphQLErrors", (name, refused)
            assert refused.get("data") is None, (name, refused)
        elif status == 200:
            assert refused["name"] == "ApolloError", (name, refused)
        else:  # the code is in the ServerError's parsed body
            assert refused["name"] == "ApolloError.networkError:ServerError", (name, refused)
            assert refused["statusCode"] == status

    miss = refusals["persistedQueryMiss"]
    assert [s["codes"] for s in miss["seen"]] == [["PERSISTED_QUERY_NOT_FOUND"]], miss
    if client == "4":
        assert miss["seen"][0]["name"] == "CombinedGraphQLErrors"
    sent = [(e["sentQuery"], e["status"]) for e in miss["recovered"]["exchanges"]]
    assert sent == [(False, 404 if client == "4" else 200), (True, 200)]  # hash, then text
    assert miss["recovered"]["answered"]["data"]["organization"] == {
        "__typename": "Organization",
        "id": walked["ids"][0],
        "slug": walked["slugs"][0],
    }

    # A 503 TIMEOUT: Apollo 3's RetryLink retries its ServerError; Apollo 4 reads the answer
    # in graphql-response+json as a result with errors, which RetryLink lets through unless a
    # link (the README's) turns those codes into an error
    timeout = refusals["timeout"]
    assert timeout["codes"] == ["TIMEOUT"], timeout
    tries = [e["status"] for e in timeout["exchanges"]]
    if client == "4":
        assert timeout["name"] == "CombinedGraphQLErrors"
        assert tries == [503], timeout  # not retried
        retried = refusals["timeoutRetried"]
        assert retried["name"] == "CombinedGraphQLErrors"
        assert retried["codes"] == ["TIMEOUT"], retried
        assert [e["status"] for e in retried["exchanges"]] == [503] * ATTEMPTS, retried
    else:
        assert timeout["name"] == "ApolloError.networkError:ServerError"
        assert tries == [503] * ATTEMPTS, timeout

    partial = refusals["partial"]  # a bad argument: that field null, the others answered
    assert [e["status"] for e in partial["exchanges"]] == [200]
    assert partial["codes"] == ["BAD_USER_INPUT"]
    assert partial["paths"] == [["organizations"]]
    assert partial["data"]["organizations"] is None
    assert partial["data"]["people"]["totalCount"] == len(dataset()["people"])
    if client == "4":
        assert partial["name"] == "CombinedGraphQLErrors"
