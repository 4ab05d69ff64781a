"""Shared by the account tests: a write to refuse, and an OpenID Connect provider's keys.

`probe_client(app)` serves, beside the real app and sharing its lifespan state (engine,
settings, the accounts with their OpenID Connect keys), the real GraphQL view over a schema
of two writes guarded by `require`: `edit` (editor) and `administer` (admin), each
answering the actor's name. It stands in for the mutations until they are wired into the
served schema; then `WRITE`/`ADMIN_WRITE` become real mutations sent through the `client`
fixture, and `actor_of` reads the actor from the audit trail.

`Provider` is an identity provider as far as the service can tell: RSA and EC key pairs
made here, their public halves served as a JWKS by a real HTTP server on a loopback port
(a thread of the test process), counting the fetches, and a `token()` that signs claims.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import strawberry
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from service.auth.access import require
from service.auth.principal import Role
from service.graphql.context import Info
from service.graphql.view import GraphQLView
from service.http.observability import Metrics, ObservabilityMiddleware

WRITE = "mutation { edit }"  # needs the editor role
ADMIN_WRITE = "mutation { administer }"  # needs the admin role
GRAPHQL_RESPONSE = "application/graphql-response+json"
BAD = "The credentials are not valid."


@strawberry.type
class _Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class _Mutation:
    @strawberry.mutation
    async def edit(self, info: Info) -> str:
        return (await require(info, Role.EDITOR)).name

    @strawberry.mutation
    async def administer(self, info: Info) -> str:
        return (await require(info, Role.ADMIN)).name


@contextlib.asynccontextmanager
async def probe_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the guarded writes, over the real view, with the app's state."""
    probe = Starlette(
        routes=[Route("/graphql", GraphQLView(strawberry.Schema(_Query, _Mutation)))],
        middleware=[Middleware(ObservabilityMiddleware, metrics=Metrics())],
    )
    for name in ("engine", "settings", "accounts"):
        setattr(probe.state, name, getattr(app.state, name))
    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def send(
    client: httpx.AsyncClient,
    authorization: str | None,
    query: str = WRITE,
    *,
    accept: str = GRAPHQL_RESPONSE,
) -> httpx.Response:
    headers = {"accept": accept}
    if authorization is not None:
        headers["authorization"] = authorization
    return await client.post("/graphql", json={"query": query}, headers=headers)


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
