"""The hardening probes, now against the mutations, each sent with a valid editor's (or
admin's) token so that only the probe itself can be what refuses it: GET, batches, the
content types a cross-site form can send, alias overloading, depth and cost, oversized
input, and strangers (anonymous, a role too low, a revoked or never-issued token). Every
refusal leaves every table as it was (all of them dumped before and after, the audit trail
included); a revoked token and one never issued are answered byte for byte alike; and no
token ever reaches a server's log.
"""

import asyncio
import json
from typing import Any

import httpx
import pytest

from service.auth import tokens
from service.auth.principal import Role
from service.config import Settings
from service.data.engine import for_writes
from tests.utils import db_dump, global_id
from tests.utils.live import live_server, output_of

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
NOTE = '{editorialNote: "security probe"}'
FACT = global_id("Organization:fact")


def update(alias: str = "", description: str = "Probed.", selection: str = "version") -> str:
    label = f"{alias}: " if alias else ""
    return (
        f'{label}updateOrganization(input: {{id: "{FACT}", expectedVersion: 1, '
        f"description: {json.dumps(description)}, evidence: {NOTE}}}) "
        f"{{ organization {{ {selection} }} userErrors {{ code }} }}"
    )


UPDATE = "mutation { " + update() + " }"
DELETE = (
    f'mutation {{ deleteOrganization(input: {{id: "{FACT}", expectedVersion: 1}}) '
    "{ deletedId } }"
)


def everything(url: str) -> db_dump.Dump:
    return db_dump.dump(url, sorted(db_dump.data_tables(url)))


async def snapshot(url: str) -> db_dump.Dump:
    return await asyncio.to_thread(everything, url)


async def issue(app: Any, name: str, role: Role = Role.EDITOR) -> str:
    async with for_writes(app.state.engine).begin() as conn:
        return await tokens.issue(conn, name=name, role=role)


async def revoke(app: Any, name: str) -> None:
    async with for_writes(app.state.engine).begin() as conn:
        assert await tokens.revoke(conn, name)


@pytest.fixture
async def editor(app: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {await issue(app, 'probe editor')}"}


async def post(
    client: httpx.AsyncClient, body: Any, headers: dict[str, str], accept: str = JSON
) -> httpx.Response:
    return await client.post("/graphql", json=body, headers={"accept": accept, **headers})


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors") or []]


async def test_the_probe_mutation_itself_is_accepted(client, editor, database_url):
    """The control: without the probe's twist, the same mutation and token edit."""
    response = await post(client, {"query": UPDATE}, editor)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["updateOrganization"] == {
        "organization": {"version": 2},
        "userErrors": [],
    }


async def test_a_mutation_over_get_is_refused_and_changes_nothing(client, editor, database_url):
    before = await snapshot(database_url)
    response = await client.get("/graphql", params={"query": UPDATE}, headers=editor)
    assert response.status_code == 405, response.text
    assert "mutation" in response.text.lower()
    assert "etag" not in response.headers
    assert await snapshot(database_url) == before


async def test_a_batch_of_mutations_is_refused_and_changes_nothing(client, editor, database_url):
    before = await snapshot(database_url)
    batch = [{"query": "mutation { " + update(description=f"Batched {i}.") + " }"} for i in (1, 2)]
    response = await post(client, batch, editor)
    assert 400 <= response.status_code < 500, response.text
    assert "batch" in response.text.lower(), response.text
    assert await snapshot(database_url) == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"query=" + UPDATE.encode(), "application/x-www-form-urlencoded", id="form"),
        pytest.param(json.dumps({"query": UPDATE}).encode(), "text/plain", id="text"),
        pytest.param(
            b'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
            + UPDATE.encode()
            + b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            id="multipart",
        ),
    ],
)
async def test_a_mutation_in_a_cross_site_form_is_refused(
    client, editor, database_url, content, content_type
):
    """What a form on another site can send without a preflight (the browser adding the
    victim's credentials) never runs, even with a valid token."""
    before = await snapshot(database_url)
    response = await client.post(
        "/graphql", content=content, headers={**editor, "content-type": content_type}
    )
    assert response.status_code == 415, response.text
    assert codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]
    assert await snapshot(database_url) == before


async def test_aliased_mutations_over_the_limit_are_refused_before_any_change(
    client, editor, database_url
):
    count = Settings().max_aliases + 1
    fields = " ".join(update(f"m{i}", f"Aliased {i}.") for i in range(count))
    before = await snapshot(database_url)
    response = await post(client, {"query": f"mutation {{ {fields} }}"}, editor)
    assert codes(response) == ["TOO_MANY_ALIASES"], response.text
    assert response.json().get("data") is None
    assert await snapshot(database_url) == before


DEEP_SELECTION = "parent { " * 14 + "slug" + " }" * 14
# About 10,000 each (each level multiplies by a list's assumed length): six over 50,000.
TREE = "agreements { parties { " * 4 + "slug" + " } }" * 4
COSTLY_SELECTION = " ".join(f"a{i}: {TREE}" for i in range(6))


@pytest.mark.parametrize(
    ("selection", "code"),
    [
        pytest.param(DEEP_SELECTION, "QUERY_TOO_DEEP", id="depth"),
        pytest.param(COSTLY_SELECTION, "QUERY_TOO_COMPLEX", id="cost"),
    ],
)
async def test_depth_and_cost_limits_refuse_a_mutation_before_it_runs(
    client, editor, database_url, selection, code
):
    before = await snapshot(database_url)
    query = "mutation { " + update(selection=selection) + " }"
    response = await post(client, {"query": query}, editor)
    assert codes(response) == [code], response.text
    assert response.json().get("data") is None
    assert await snapshot(database_url) == before


async def test_an_oversized_description_is_413_and_changes_nothing(client, editor, database_url):
    before = await snapshot(database_url)
    huge = "x" * (Settings().max_body_bytes + 1)
    response = await post(
        client, {"query": "mutation { " + update(description=huge) + " }"}, editor
    )
    assert response.status_code == 413, response.text[:500]
    assert await snapshot(database_url) == before


async def test_a_huge_list_of_parties_is_a_clear_error_and_changes_nothing(
    client, editor, database_url
):
    """Within the body limit, ten thousand parties: refused with a message, not a 500."""
    parties = json.dumps(["fact"] * 5_000 + [f"no-such-{i}" for i in range(2_000)])
    query = (
        'mutation { createAgreement(input: {slug: "probe-mou", kind: MEMORANDUM_OF_UNDERSTANDING, '
        f'title: "Probe", parties: {parties}, evidence: {NOTE}}}) '
        "{ agreement { slug } userErrors { field message code } } }"
    )
    assert len(query) < Settings().max_body_bytes
    before = await snapshot(database_url)
    response = await post(client, {"query": query}, editor)
    assert response.status_code != 500, response.text[:500]
    body = response.json()
    if body.get("data") and body["data"].get("createAgreement"):
        payload = body["data"]["createAgreement"]
        assert payload["agreement"] is None, payload
        assert payload["userErrors"], payload
        messages = [error["message"] for error in payload["userErrors"]]
    else:
        messages = [error["message"] for error in body["errors"]]
    assert all(len(message) < 2_000 for message in messages), "the error repeats the input"
    assert await snapshot(database_url) == before


async def test_a_refusal_of_a_long_list_stays_small(client, editor):
    """The answer to a refused edit is bounded, whatever the input's length: a client
    cannot make the service write nine times what it sent."""
    parties = json.dumps(["fact"] * 5_000 + [f"no-such-{i}" for i in range(2_000)])
    query = (
        'mutation { createAgreement(input: {slug: "probe-mou", kind: MEMORANDUM_OF_UNDERSTANDING, '
        f'title: "Probe", parties: {parties}, evidence: {NOTE}}}) '
        "{ agreement { slug } userErrors { field message code } } }"
    )
    response = await post(client, {"query": query}, editor)
    errors = response.json()["data"]["createAgreement"]["userErrors"]
    assert 1 <= len(errors) <= 100, len(errors)
    assert len(response.content) < len(query), (len(response.content), len(query))


# --- strangers ---------------------------------------------------------------------------


async def test_strangers_are_refused_and_change_nothing(client, app, database_url):
    editor_token = await issue(app, "an editor")
    revoked_token = await issue(app, "a revoked editor", Role.ADMIN)
    await revoke(app, "a revoked editor")
    never_issued = tokens.new_token()
    before = await snapshot(database_url)
    cases = [
        ({}, UPDATE, "UNAUTHENTICATED", 401),
        ({"authorization": f"Bearer {revoked_token}"}, UPDATE, "UNAUTHENTICATED", 401),
        ({"authorization": f"Bearer {never_issued}"}, UPDATE, "UNAUTHENTICATED", 401),
        ({"authorization": "Basic dXNlcjpwYXNz"}, UPDATE, "UNAUTHENTICATED", 401),
        ({"authorization": f"Bearer {editor_token}"}, DELETE, "FORBIDDEN", 403),
    ]
    for headers, query, code, status in cases:
        response = await post(client, {"query": query}, headers, accept=GRAPHQL_RESPONSE)
        assert response.status_code == status, (headers, response.text)
        assert codes(response) == [code], response.text
        assert response.json()["data"] is None
    assert await snapshot(database_url) == before


def _comparable(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    """Status, headers and body, less what differs between any two requests."""
    varying = {"date", "x-request-id", "server-timing", "content-length"}
    headers = {k: v for k, v in response.headers.items() if k.lower() not in varying}
    body = response.json()
    for error in body.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    body.get("extensions", {}).pop("requestId", None)
    return response.status_code, headers, body


async def test_a_revoked_token_and_one_never_issued_are_answered_alike(client, app):
    revoked_token = await issue(app, "gone")
    await revoke(app, "gone")
    never_issued = tokens.new_token()
    for accept in (GRAPHQL_RESPONSE, JSON):
        answers = [
            await post(client, {"query": UPDATE}, {"authorization": f"Bearer {t}"}, accept)
            for t in (revoked_token, never_issued)
        ]
        assert _comparable(answers[0]) == _comparable(answers[1])
        assert len(answers[0].content) == len(answers[1].content)


async def test_no_token_reaches_the_server_log(app, database_url, tmp_path):
    """A real server, its output in files, one JSON line per request: a good token
    that edits, a revoked one, a never-issued one and a malformed one all leave no trace."""
    good = await issue(app, "logged editor")
    revoked_token = await issue(app, "logged revoked")
    await revoke(app, "logged revoked")
    sent = [good, revoked_token, tokens.new_token(), "not-a-token-" + "z" * 30]
    logs = tmp_path / "logs"
    async with (
        live_server(database_url, logs) as server,
        httpx.AsyncClient(base_url=server.base, timeout=30) as client,
    ):
        for token in sent:
            for query in (UPDATE, DELETE, "mutation { nope }"):
                await post(client, {"query": query}, {"authorization": f"Bearer {token}"})
            await client.get("/graphql", params={"query": UPDATE},
                             headers={"authorization": f"Bearer {token}"})  # fmt: skip
        edited = await client.post(
            "/graphql", json={"query": '{ organization(slug: "fact") { version } }'}
        )
        assert edited.json()["data"]["organization"]["version"] == 2  # the good token edited
    output = output_of(logs)
    assert output.strip(), "the server logged nothing at all: the check would be empty"
    for token in sent:
        assert token not in output
        assert token[-20:] not in output  # nor a recognisable part of one
