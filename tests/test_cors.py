"""CORS as a front-end developer sets it up: one line of `CORS_ORIGINS`, preflights that
allow the headers real clients send, a clear one-line error for a value that is not an
origin list."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from service.app import CORS_REQUEST_HEADERS
from service.config import Settings
from tests.conftest import serving

pytestmark = pytest.mark.read_only

ROOT = Path(__file__).resolve().parent.parent
DEV_SERVER = "http://localhost:5173"


def from_environment(monkeypatch: pytest.MonkeyPatch, value: str, **overrides: str) -> Settings:
    monkeypatch.setenv("CORS_ORIGINS", value)
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


async def preflight(client: httpx.AsyncClient, origin: str, headers: str) -> httpx.Response:
    return await client.options(
        "/graphql",
        headers={"origin": origin, "access-control-request-method": "POST",
                 "access-control-request-headers": headers},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        (DEV_SERVER, [DEV_SERVER]),
        (
            "http://localhost:5173, https://partners.example.org",
            [DEV_SERVER, "https://partners.example.org"],
        ),
        ('["http://localhost:5173", "https://partners.example.org"]',
         [DEV_SERVER, "https://partners.example.org"]),
        ("HTTPS://Partners.Example.org:8443", ["https://partners.example.org:8443"]),
        ("*", ["*"]),
        ("", []),
    ],
)  # fmt: skip
def test_the_settings_read_a_comma_separated_list_and_a_json_list(monkeypatch, value, origins):
    assert from_environment(monkeypatch, value).cors_origins == origins


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://localhost:5173/", "'http://localhost:5173/' is not an origin"),
        ("localhost:5173", "'localhost:5173' is not an origin"),
        ("https://partners.example.org/app", "is not an origin"),
        ("http://localhost:port", "is not an origin"),
        ("*,http://localhost:5173", "'*' (any origin) must be given alone"),
        ('["http://localhost:5173"', "not a JSON list of origins"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(value, problem):
    result = subprocess.run(
        [sys.executable, "-m", "service", "export-schema"],
        cwd=ROOT,
        env={**os.environ, "CORS_ORIGINS": value},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: CORS_ORIGINS: "), result.stderr
    assert problem in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


async def test_a_preflight_from_the_dev_server_allows_what_clients_send(monkeypatch, database_url):
    settings = from_environment(monkeypatch, DEV_SERVER, database_url=database_url)
    async with serving(settings) as (client, _sql):
        sent = ", ".join(CORS_REQUEST_HEADERS)
        response = await preflight(client, DEV_SERVER, sent)
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == DEV_SERVER
        assert "access-control-allow-credentials" not in response.headers
        allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
        assert {
            "content-type", "authorization", "x-request-id", "if-none-match",
            "apollographql-client-name", "apollographql-client-version", "accept",
        } <= {h.lower() for h in allowed}  # fmt: skip
        assert set(response.headers["access-control-allow-methods"].split(", ")) >= {"GET", "POST"}

        answer = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": DEV_SERVER}
        )
        assert answer.headers["access-control-allow-origin"] == DEV_SERVER
        exposed = answer.headers["access-control-expose-headers"].lower()
        assert "etag" in exposed
        assert "x-request-id" in exposed


async def test_an_unlisted_origin_or_header_is_refused(monkeypatch, database_url):
    settings = from_environment(monkeypatch, DEV_SERVER, database_url=database_url)
    async with serving(settings) as (client, _sql):
        stranger = await preflight(client, "http://localhost:3000", "content-type")
        assert stranger.status_code == 400
        assert "access-control-allow-origin" not in stranger.headers
        odd_header = await preflight(client, DEV_SERVER, "content-type, x-secret")
        assert odd_header.status_code == 400
        answer = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": "http://evil.example"}
        )
        assert "access-control-allow-origin" not in answer.headers


async def test_any_origin_when_star_without_credentials(monkeypatch, database_url):
    settings = from_environment(monkeypatch, "*", database_url=database_url)
    async with serving(settings) as (client, _sql):
        response = await preflight(
            client, "https://anywhere.example", "content-type, authorization"
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
