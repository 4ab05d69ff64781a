"""Shared by the account tests: the served writes to refuse or allow, and an OpenID Connect
provider's keys.

`write()` is a real editor mutation (a person created under a slug of its own) and
`admin_write(slug)` a real admin one (that person deleted); each payload names its actor in
`change { actor }`, which `actor()` reads. They go to the app itself through `app_client`,
and `unchanged(url)` checks that a refused one left every data table as it was.

`Provider` is an identity provider as far as the service can tell: RSA and EC key pairs
made here, their public halves served as a JWKS by a real HTTP server on a loopback port
(a thread of the test process), counting the fetches, and a `token()` that signs claims.
"""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette

from service.graphql.ids import encode_id
from tests.utils import db_dump

GRAPHQL_RESPONSE = "application/graphql-response+json"
BAD = "The credentials are not valid."
NOBODY = "no-such-person"  # a person slug no database has


def unique_slug() -> str:
    return f"probe-{uuid.uuid4().hex[:12]}"


def write(slug: str | None = None) -> str:
    """Creating a person (under a new slug unless told): needs the editor role."""
    return (
        f'mutation {{ createPerson(input: {{slug: "{slug or unique_slug()}", name: "Probe", '
        'evidence: {editorialNote: "probe"}}) '
        "{ person { slug } change { actor } userErrors { code } } }"
    )


def admin_write(slug: str = NOBODY) -> str:
    """Deleting the person `slug`: needs the admin role. For a person that does not exist
    the payload says NOT_FOUND, which only a caller past the role check is told."""
    person = encode_id("Person", slug)
    return (
        f'mutation {{ deletePerson(input: {{id: "{person}", expectedVersion: 1}}) '
        "{ deletedId change { actor } userErrors { code } } }"
    )


def actor(response: httpx.Response) -> str:
    """The actor of the one write `response` answers, which must have been made."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    ((_name, payload),) = body["data"].items()
    assert payload["userErrors"] == [], body
    name: str = payload["change"]["actor"]
    return name


def not_found(response: httpx.Response) -> bool:
    """Whether `response` is a deletion past the role check that found nothing to delete."""
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        return False
    ((_name, payload),) = body["data"].items()
    return [error["code"] for error in payload["userErrors"]] == ["NOT_FOUND"]


@contextlib.asynccontextmanager
async def app_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the app (its lifespan entered by the caller)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def everything(url: str) -> db_dump.Dump:
    """Every row of every data table (read on a thread: the dump runs its own event loop)."""
    return await asyncio.to_thread(lambda: db_dump.dump(url, sorted(db_dump.data_tables(url))))


@contextlib.asynccontextmanager
async def unchanged(url: str) -> AsyncIterator[None]:
    """Asserts that what runs inside changed no row of any data table."""
    before = await everything(url)
    yield
    assert await everything(url) == before


async def send(
    client: httpx.AsyncClient,
    authorization: str | None,
    query: str | None = None,
    *,
    accept: str = GRAPHQL_RESPONSE,
) -> httpx.Response:
    """POST `query` (default: a new `write()`) with `authorization`, if any."""
    headers = {"accept": accept}
    if authorization is not None:
        headers["authorization"] = authorization
    return await client.post("/graphql", json={"query": query or write()}, headers=headers)


def error_code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def assert_refused(response: httpx.Response, code: str = "UNAUTHENTICATED") -> None:
    """Refused with `code`, the status graphql-response+json gives it, and the one message
    for bad credentials that says nothing of why."""
    body = response.json()
    assert not any((body["data"] or {}).values()), body  # null, or every root field null
    assert [error["extensions"]["code"] for error in body["errors"]] == [code], body
    if code == "UNAUTHENTICATED":
        assert response.status_code == 401, body
        assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert response.status_code == 403, body


def bearer(token: str) -> str:
    return f"Bearer {token}"


# ---------------------------------------------------------------- an identity provider

ISSUER = "https://login.example.test/realm"
AUDIENCE = "isct-partner-graph"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """Key pairs, their JWKS served over HTTP, and tokens signed with them."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.published: list[dict[str, Any]] = [
            self.jwk(self.rsa, "rsa-1", "RS256"),
            self.jwk(self.ec, "ec-1", "ES256"),
        ]
        self.fetches = 0
        self._server: ThreadingHTTPServer | None = None

    @staticmethod
    def jwk(private: Any, kid: str, alg: str) -> dict[str, Any]:
        kind = RSAAlgorithm if alg.startswith(("RS", "PS")) else ECAlgorithm
        key: dict[str, Any] = kind.to_jwk(private.public_key(), as_dict=True)
        return {**key, "kid": kid, "alg": alg, "use": "sig"}

    @property
    def jwks_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"

    @contextlib.contextmanager
    def serving(self) -> Iterator["Provider"]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": provider.published}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "alice@example.test",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "role": "editor",
        }
        claims.update(changes)
        return {key: value for key, value in claims.items() if value is not None}

    def token(
        self, *, key: Any = None, kid: str | None = "rsa-1", alg: str = "RS256", **changes: Any
    ) -> str:
        """Claims (`changes` set or, as None, remove one) signed with `key` (default: the
        provider's key of that algorithm)."""
        key = key or (self.rsa if alg.startswith("RS") else self.ec)
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(self.claims(**changes), key, algorithm=alg, headers=headers)

    def unsigned(self, **changes: Any) -> str:
        """`alg: none`, no signature."""
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "rsa-1"}).encode())
        return f"{header}.{_b64(json.dumps(self.claims(**changes)).encode())}."

    def hmac_with_public_key(self, **changes: Any) -> str:
        """HS256 keyed with the provider's public key (PEM), the classic confusion attack."""
        secret = self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
        payload = _b64(json.dumps(self.claims(**changes)).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"
