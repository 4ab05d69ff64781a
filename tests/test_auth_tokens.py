"""API tokens: issued, listed and revoked with `python -m service token`, and taking effect
on a running server at once, with no restart.

The commands run as subprocesses against a database of the test's own (either engine). The
writes they open are the served mutations, sent to the app over HTTP; a refused one must
leave every data table as it was.
"""

import asyncio
import hashlib
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.auth.switch import editing_enabled
from service.config import Settings
from tests.conftest import Databases
from tests.utils import db_dump
from tests.utils.auth import (
    BAD,
    GRAPHQL_RESPONSE,
    actor,
    admin_write,
    app_client,
    assert_refused,
    bearer,
    not_found,
    send,
    unchanged,
    unique_slug,
    write,
)
from tests.utils.cli import run_service
from tests.utils.live import wait_until

ROOT = Path(__file__).resolve().parent.parent


def token_command(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m service token ARGS` against the database at `url`."""
    return run_service(url, "token", *args)


async def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(token_command, url, *args)


async def issue(url: str, name: str, role: str = "editor") -> str:
    result = await run(url, "create", "--name", name, "--role", role)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_token_is_shown_once_and_only_its_hash_is_kept(databases: Databases) -> None:
    url = asyncio.run(databases.empty())  # no tables yet: the command migrates first
    created = token_command(url, "create", "--name", "alice", "--role", "admin")
    assert created.returncode == 0, created.stderr
    assert len(created.stdout.splitlines()) == 1  # the token alone on its line
    token = created.stdout.strip()
    assert token.startswith("ipg_")
    assert len(token) > 40
    assert "alice" in created.stderr
    assert token not in created.stderr

    stored = db_dump.dump(url, ["api_token"])["api_token"]
    assert len(stored) == 1
    row = dict(stored[0])
    assert row["name"] == "alice"
    assert row["role"] == "admin"
    assert row["revoked_at"] is None
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(db_dump.dump(url, sorted(db_dump.tables(url) - {"alembic_version"})))
    path = db_dump.sqlite_path(url)
    if path is not None:  # the file itself, and its write-ahead log
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert token.encode() not in file.read_bytes()

    listed = token_command(url, "list")
    assert listed.returncode == 0, listed.stderr
    header, line = listed.stdout.splitlines()
    assert header.split() == ["NAME", "ROLE", "CREATED", "(UTC)", "REVOKED", "(UTC)"]
    assert line.split()[:2] == ["alice", "admin"]
    assert line.split()[-1] == "-"
    assert token not in listed.stdout
    assert row["token_hash"] not in listed.stdout


def test_revoking_records_when_and_a_name_stays_taken(databases: Databases) -> None:
    url = asyncio.run(databases.fresh())
    assert token_command(url, "create", "--name", "bob", "--role", "editor").returncode == 0
    revoked = token_command(url, "revoke", "bob")
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout
    again = token_command(url, "revoke", "bob")
    assert again.returncode == 0
    assert "already" in again.stdout
    assert token_command(url, "list").stdout.splitlines()[1].split()[-1] != "-"
    duplicate = token_command(url, "create", "--name", "bob", "--role", "admin")
    assert duplicate.returncode == 1
    assert "exists already" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("revoke", "nobody"), "no token is named 'nobody'"),
        (("create", "--name", "", "--role", "editor"), "1 to 100 characters"),
        (("create", "--name", "x" * 101, "--role", "editor"), "1 to 100 characters"),
        (("create", "--name", "tab\there", "--role", "editor"), "no control characters"),
        (("create", "--name", " padded", "--role", "editor"), "no control characters"),
    ],
)
def test_a_mistake_is_said_plainly_and_exits_1(
    databases: Databases, args: tuple[str, ...], said: str
) -> None:
    url = asyncio.run(databases.fresh())
    result = token_command(url, *args)
    assert result.returncode == 1, result
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert db_dump.count(url, "api_token") == 0


def test_a_role_other_than_editor_or_admin_is_refused(databases: Databases) -> None:
    url = asyncio.run(databases.fresh())
    result = token_command(url, "create", "--name", "eve", "--role", "root")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


# ---------------------------------------------------------------- over HTTP


async def test_a_token_works_at_once_and_stops_within_two_seconds_of_its_revocation(
    settings: Settings, database_url: str
) -> None:
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        token = await issue(database_url, "carol")  # issued while the server runs
        accepted = await send(c, bearer(token))
        assert accepted.status_code == 200, accepted.text
        assert actor(accepted) == "carol"

        revoked = await run(database_url, "revoke", "carol")
        assert revoked.returncode == 0, revoked.stderr

        async def refused() -> bool:
            return (await send(c, bearer(token))).status_code == 401

        await wait_until(refused, within_s=2, what="the revoked token refused")
        async with unchanged(database_url):
            assert_refused(await send(c, bearer(token)))


async def test_an_editor_may_edit_but_not_administer(settings: Settings, database_url: str) -> None:
    editor, admin = await asyncio.gather(
        issue(database_url, "ed", "editor"), issue(database_url, "ad", "admin")
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        slug = unique_slug()
        assert actor(await send(c, bearer(editor), write(slug))) == "ed"
        async with unchanged(database_url):
            refused = await send(c, bearer(editor), admin_write(slug))
            assert_refused(refused, "FORBIDDEN")
            assert refused.json()["errors"][0]["message"] == "This needs the admin role."
        assert not_found(await send(c, bearer(admin), admin_write()))  # past the role check
        assert actor(await send(c, bearer(admin), admin_write(slug))) == "ad"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic YWxpY2U6c2VjcmV0",  # another scheme
        "Bearer",  # no token
        "Bearer    ",  # an empty one
        "Bearer ipg_thisTokenWasNeverIssuedByAnyoneAtAllXXXXXXXX",  # unknown
        "Bearer a.b.c",  # JWT-shaped, with single sign-on off
    ],
)
async def test_bad_credentials_are_refused_alike(
    settings: Settings, database_url: str, authorization: str
) -> None:
    await issue(database_url, "someone")
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        async with unchanged(database_url):
            response = await send(c, authorization)
            legacy = await send(c, authorization, accept="application/json")
        assert_refused(response)
        assert response.json()["errors"][0]["message"] == BAD
        assert legacy.status_code == 200  # application/json: GraphQL over HTTP's legacy rule
        assert legacy.json()["errors"] == response.json()["errors"]


async def test_no_credentials_are_told_to_sign_in(settings: Settings, database_url: str) -> None:
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        async with unchanged(database_url):
            response = await send(c, None)
        assert_refused(response)
        assert "Sign in" in response.json()["errors"][0]["message"]


async def test_reads_need_no_credentials_and_ignore_bad_ones(client: Any) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ organizations(first: 1) { totalCount } }"},
        headers={"authorization": "Bearer not-a-token", "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert "errors" not in response.json()


# ---------------------------------------------------------------- the editing switch


async def test_editing_turns_on_with_the_first_live_token(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        engine = application.state.engine
        assert not await editing_enabled(engine, settings)
        await issue(database_url, "first")
        assert await editing_enabled(engine, settings)
        await run(database_url, "revoke", "first")
        assert not await editing_enabled(engine, settings)
        assert await editing_enabled(engine, settings.model_copy(update={"editing": "on"}))


async def test_switched_off_editing_refuses_even_an_admin(database_url: str) -> None:
    token = await issue(database_url, "root", "admin")
    settings = Settings(database_url=database_url, editing="off")
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        async with unchanged(database_url):
            refused = await send(c, bearer(token), admin_write())
            written = await send(c, bearer(token))  # nor may it write as an editor
            anonymous = await send(c, None)
        assert_refused(refused, "FORBIDDEN")
        assert refused.json()["errors"][0]["message"] == "Editing is switched off on this server."
        assert_refused(written, "FORBIDDEN")
        assert_refused(anonymous)  # anonymous: still told to sign in first


# ---------------------------------------------------------------- never logged


async def test_no_log_record_holds_a_credential(
    settings: Settings, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = await issue(database_url, "dora")
    caplog.set_level(logging.DEBUG)
    unknown = "ipg_" + "Z" * 43
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        assert actor(await send(c, bearer(token))) == "dora"
        async with unchanged(database_url):
            assert (await send(c, bearer(unknown))).status_code == 401
            assert (await send(c, f"Basic {token}")).status_code == 401
    records = caplog.records
    assert any(r.name == "service.access" for r in records)  # the access log was captured
    assert any(r.name == "service.auth" for r in records)  # and the reasons for refusing
    for record in records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.__dict__)
        for secret in (token, unknown, token[4:20]):
            assert secret not in text, record.name


# ---------------------------------------------------------------- the served mutations

CREATE = """
mutation Create($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { slug } changeId userErrors { code message } }
}"""
DELETE = """
mutation Delete($input: DeleteInput!) {
  deleteOrganization(input: $input) { userErrors { code } }
}"""
CHANGES = """
query Changes($actor: String) {
  changes(first: 5, filter: {actor: $actor}) { nodes { actor operation } }
}"""


def new_organization(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": f"Account test body {slug}",
        "category": "PARTNER",
        "evidence": {"editorialNote": "added by the account tests"},
    }


async def post(
    client: Any, query: str, variables: dict[str, Any], authorization: str | None = None
) -> Any:
    headers = {"accept": GRAPHQL_RESPONSE}
    if authorization is not None:
        headers["authorization"] = authorization
    body = {"query": query, "variables": variables}
    return await client.post("/graphql", json=body, headers=headers)


async def test_the_served_writes_refuse_strangers_and_record_the_holder(
    client: Any, database_url: str
) -> None:
    create = {"input": new_organization("account-test-body")}
    async with unchanged(database_url):
        assert_refused(await post(client, CREATE, create))
        assert_refused(await post(client, CREATE, create, "Bearer ipg_unknown"))
        assert_refused(await post(client, CHANGES, {}))  # the audit trail is for editors only

    token = await issue(database_url, "erin")
    created = await post(client, CREATE, create, bearer(token))
    assert created.status_code == 200, created.text
    payload = created.json()["data"]["createOrganization"]
    assert payload["userErrors"] == [], payload
    assert payload["organization"] == {"slug": "account-test-body"}
    changes = await post(client, CHANGES, {"actor": "erin"}, bearer(token))
    assert changes.json()["data"]["changes"]["nodes"] == [{"actor": "erin", "operation": "CREATE"}]

    delete = {"input": {"id": payload["changeId"], "expectedVersion": 1}}
    async with unchanged(database_url):  # admins only
        assert_refused(await post(client, DELETE, delete, bearer(token)), "FORBIDDEN")
