"""Single sign-on: bearer JWTs from an OpenID Connect provider.

The provider is made here (tests/utils/auth.py): RSA and EC key pairs, their JWKS served by
a real HTTP server on a loopback port. Every token is sent with a served mutation to the
app over HTTP. Each refusal must be the one UNAUTHENTICATED answer that says nothing of
why, and must leave every data table as it was.
"""

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from service.app import create_app
from service.config import Settings
from tests.utils.auth import (
    AUDIENCE,
    BAD,
    GRAPHQL_RESPONSE,
    ISSUER,
    Provider,
    actor,
    admin_write,
    app_client,
    assert_refused,
    bearer,
    send,
    unchanged,
    unique_slug,
    write,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with Provider().serving() as serving:
        yield serving


def oidc_settings(database_url: str, provider: Provider, **changes: Any) -> Settings:
    return Settings(
        database_url=database_url,
        response_cache_bytes=0,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=provider.jwks_url,
        **changes,
    )


@contextlib.asynccontextmanager
async def signed_in(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with application.router.lifespan_context(application), app_client(application) as c:
        yield c


@pytest.fixture
async def sso(database_url: str, provider: Provider) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in(oidc_settings(database_url, provider)) as c:
        yield c


async def test_a_valid_token_signs_in_with_its_role(
    sso: httpx.AsyncClient, provider: Provider, database_url: str
) -> None:
    slug = unique_slug()
    response = await send(sso, bearer(provider.token()), write(slug))
    assert response.status_code == 200, response.text
    assert actor(response) == "oidc:alice@example.test"
    async with unchanged(database_url):
        refused = await send(sso, bearer(provider.token()), admin_write(slug))
    assert_refused(refused, "FORBIDDEN")


async def test_roles_may_be_a_list_in_any_case_and_the_highest_wins(
    sso: httpx.AsyncClient, provider: Provider
) -> None:
    token = provider.token(alg="ES256", kid="ec-1", role=["viewer", "Editor", "ADMIN"])
    slug = unique_slug()
    assert actor(await send(sso, bearer(token), write(slug))) == "oidc:alice@example.test"
    response = await send(sso, bearer(token), admin_write(slug))
    assert actor(response) == "oidc:alice@example.test"


async def test_a_token_without_a_role_signs_in_but_may_not_write(
    sso: httpx.AsyncClient, provider: Provider, database_url: str
) -> None:
    roles: tuple[Any, ...] = (None, "viewer", [], 7)
    for role in roles:
        async with unchanged(database_url):
            refused = await send(sso, bearer(provider.token(role=role)))
        assert_refused(refused, "FORBIDDEN")
        assert refused.json()["errors"][0]["message"] == "This needs the editor role."


async def test_the_role_and_name_claims_are_settings(database_url: str, provider: Provider) -> None:
    settings = oidc_settings(
        database_url,
        provider,
        oidc_role_claim="realm_access.roles",
        oidc_name_claim="preferred_username",
    )
    token = provider.token(
        role=None, realm_access={"roles": ["admin"]}, preferred_username="a.lovelace"
    )
    async with signed_in(settings) as c:
        slug = unique_slug()
        assert actor(await send(c, bearer(token), write(slug))) == "oidc:a.lovelace"
        response = await send(c, bearer(token), admin_write(slug))
        assert actor(response) == "oidc:a.lovelace"
        async with unchanged(database_url):  # no preferred_username
            assert_refused(await send(c, bearer(provider.token())))


def _forged_tokens(provider: Provider) -> dict[str, tuple[str, str]]:
    """What each forgery is, its token, and what the log must give as the reason."""
    now = int(time.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "expired": (provider.token(iat=now - 900, nbf=now - 900, exp=now - 600), "Expired"),
        "not yet valid": (provider.token(nbf=now + 600, exp=now + 900), "(nbf)"),
        "issued in the future": (provider.token(iat=now + 600, exp=now + 900), "(iat)"),
        "without exp": (provider.token(exp=None), '"exp"'),
        "signed by another key": (provider.token(key=stranger), "InvalidSignature"),
        "for another audience": (provider.token(aud="another-service"), "Audience"),
        "from another issuer": (provider.token(iss=ISSUER + "/other"), "InvalidIssuer"),
        "alg none": (provider.unsigned(), "'none' is not allowed"),
        "HS256 keyed with the public key": (provider.hmac_with_public_key(), "'HS256' is not"),
        "an unknown kid": (provider.token(kid="rsa-unknown"), "no key of the provider"),
        "an RSA key claimed as ES256": (provider.token(kid="rsa-1", alg="ES256"), "match"),
        "garbage in three parts": ("abc.def.ghi", "DecodeError"),
    }


async def test_every_forgery_gets_the_same_refusal_and_the_log_says_why(
    sso: httpx.AsyncClient,
    provider: Provider,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for what, (token, reason) in _forged_tokens(provider).items():
        async with unchanged(database_url):
            caplog.clear()
            response = await send(sso, bearer(token))
            logged = [r.getMessage() for r in caplog.records if r.name == "service.auth"]
            records = list(caplog.records)
        assert response.status_code == 401, what
        assert_refused(response)
        assert response.json()["errors"][0]["message"] == BAD, what
        assert len(logged) == 1, (what, logged)
        assert reason in logged[0], (what, logged)
        for record in records:  # neither the token nor its signature is ever logged
            text = record.getMessage() + repr(record.__dict__)
            assert token not in text, what
            assert token.rsplit(".", 1)[-1] not in text or token.endswith("."), what


async def test_api_tokens_still_work_beside_single_sign_on(
    database_url: str, provider: Provider
) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "service", "token", "create", "--name", "bot", "--role", "editor"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    async with signed_in(oidc_settings(database_url, provider)) as c:
        response = await send(c, bearer(result.stdout.strip()))
        assert actor(response) == "bot"


async def test_unknown_kids_cannot_make_the_server_hammer_the_provider(
    database_url: str, provider: Provider
) -> None:
    async with signed_in(oidc_settings(database_url, provider, oidc_jwks_refetch_s=60)) as c:
        assert actor(await send(c, bearer(provider.token()))) == "oidc:alice@example.test"
        before = provider.fetches
        forged = [bearer(provider.token(kid=f"made-up-{n}")) for n in range(30)]
        async with unchanged(database_url):
            responses = await asyncio.gather(*(send(c, header) for header in forged))
        assert {response.status_code for response in responses} == {401}
        assert provider.fetches - before <= 1


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    database_url: str, provider: Provider
) -> None:
    async with signed_in(oidc_settings(database_url, provider, oidc_jwks_refetch_s=0)) as c:
        assert actor(await send(c, bearer(provider.token()))) == "oidc:alice@example.test"
        rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        provider.published.append(Provider.jwk(rotated, "rsa-2", "RS256"))
        try:
            response = await send(c, bearer(provider.token(key=rotated, kid="rsa-2")))
            assert actor(response) == "oidc:alice@example.test"
        finally:
            provider.published.pop()


async def test_a_jwt_is_refused_when_single_sign_on_is_off(
    client: httpx.AsyncClient, provider: Provider, database_url: str
) -> None:
    async with unchanged(database_url):
        assert_refused(await send(client, bearer(provider.token())))


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"OIDC_ALGORITHMS": "RS256,HS256"}, "OIDC_ALGORITHMS: HS256: use some of"),
        ({"OIDC_ALGORITHMS": "none"}, "OIDC_ALGORITHMS: none: use some of"),
        ({"OIDC_ISSUER": ISSUER}, "set OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL together"),
    ],
)
def test_unsafe_or_incomplete_settings_stop_the_server_from_starting(
    variables: dict[str, str], said: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "token", "list"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert said in result.stderr


async def test_a_served_write_records_the_single_sign_on_name(
    database_url: str, provider: Provider
) -> None:
    """Through the served schema (not the probe): the actor the audit trail keeps."""
    application = create_app(oidc_settings(database_url, provider))
    headers = {"authorization": bearer(provider.token()), "accept": GRAPHQL_RESPONSE}
    no_role = {**headers, "authorization": bearer(provider.token(role=None))}
    create = """mutation($input: CreateOrganizationInput!) {
      createOrganization(input: $input) { userErrors { message } } }"""
    new = {
        "slug": "sso-test-body",
        "name": "SSO test body",
        "category": "PARTNER",
        "evidence": {"editorialNote": "added by the single sign-on tests"},
    }
    body = {"query": create, "variables": {"input": new}}
    changes = (
        '{ changes(first: 5, filter: {actor: "oidc:alice@example.test"}) { nodes { actor } } }'
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            created = (await c.post("/graphql", json=body, headers=headers)).json()
            assert created["data"] == {"createOrganization": {"userErrors": []}}, created
            listed = (await c.post("/graphql", json={"query": changes}, headers=headers)).json()
            assert listed["data"]["changes"]["nodes"] == [{"actor": "oidc:alice@example.test"}]
            new["slug"] = "sso-test-body-2"
            async with unchanged(database_url):
                refused = await c.post("/graphql", json=body, headers=no_role)
            assert_refused(refused, "FORBIDDEN")
