"""OpenID Connect bearer JWTs: checked against the provider's published keys, never trusted
for what they say about themselves.

The allow-list of algorithms is the settings', and a key is used only with the algorithm
its JWK names (or, when it names none, the token's, which PyJWT then checks against the
key's type): `none` and HS* are refused before any key is looked at, so a public key can
never become an HMAC secret. The keys are fetched in a worker thread (PyJWT's own fetch, no
redirects followed), kept for OIDC_JWKS_TTL_S, and fetched again early when a token names a
key id the set lacks (a rotation), but never more often than every OIDC_JWKS_REFETCH_S:
a flood of made-up key ids costs the provider one request per interval.
"""

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import jwt

from service.auth.principal import Principal, Role
from service.config import Settings

LOG = logging.getLogger("service.auth")
FETCH_TIMEOUT_S = 5.0
MAX_NAME = 200
ROLES = {"editor": Role.EDITOR, "admin": Role.ADMIN}


class InvalidToken(Exception):
    """Why a JWT was refused: for the log only, never for the client."""


def looks_like_jwt(credentials: str) -> bool:
    """A compact JWS has three dot-separated parts (the last is empty for `alg: none`)."""
    return credentials.count(".") == 2


class KeySet:
    """The provider's signing keys by key id, fetched when stale or on an unknown id, at most
    once per `min_interval_s`; concurrent requests share one fetch."""

    def __init__(self, url: str, *, ttl_s: float, min_interval_s: float) -> None:
        self._client = jwt.PyJWKClient(
            url, cache_keys=False, cache_jwk_set=False, timeout=FETCH_TIMEOUT_S
        )
        self._ttl_s = ttl_s
        self._min_interval_s = min_interval_s
        self._keys: dict[str | None, dict[str, Any]] = {}
        self._fetched_at: float | None = None  # the last successful fetch
        self._tried_at: float | None = None  # the last attempt, successful or not
        self._lock = asyncio.Lock()

    async def jwk(self, kid: str | None) -> dict[str, Any] | None:
        """The JWK for `kid` (a token without one: the set's only key), or None."""
        if self._fetched_at is None or time.monotonic() - self._fetched_at >= self._ttl_s:
            await self._refresh()
        key = self._find(kid)
        if key is None:
            await self._refresh()  # a rotation, or a made-up id: rate-limited either way
            key = self._find(kid)
        return key

    def _find(self, kid: str | None) -> dict[str, Any] | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._tried_at is not None and now - self._tried_at < self._min_interval_s:
                return  # fetched (or tried) moments ago, perhaps by the request we waited on
            self._tried_at = now
            try:
                data = await asyncio.to_thread(self._client.fetch_data)
            except jwt.PyJWTError as error:  # kept: the keys we had, until the next attempt
                LOG.warning("could not fetch the OpenID Connect keys: %s", error)
                return
            self._keys = _signing_keys(data)
            self._fetched_at = time.monotonic()


def _signing_keys(data: Mapping[str, Any]) -> dict[str | None, dict[str, Any]]:
    keys = data.get("keys")
    if not isinstance(keys, list):
        LOG.warning("the OpenID Connect key set has no `keys` list")
        return {}
    return {
        key.get("kid"): key
        for key in keys
        if isinstance(key, dict) and key.get("use", "sig") == "sig"
    }


class Verifier:
    """Turns a provider's JWT into a principal, or raises InvalidToken."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_jwks_url is not None
        self.settings = settings
        self.keys = KeySet(
            settings.oidc_jwks_url,
            ttl_s=settings.oidc_jwks_ttl_s,
            min_interval_s=settings.oidc_jwks_refetch_s,
        )

    async def principal(self, token: str) -> Principal:
        claims = await self._claims(token)
        return Principal(name=self._name(claims), role=self._role(claims))

    async def _claims(self, token: str) -> dict[str, Any]:
        settings = self.settings
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            if algorithm not in settings.oidc_algorithms:
                raise InvalidToken(f"algorithm {str(algorithm)[:20]!r} is not allowed")
            kid = header.get("kid")
            jwk = await self.keys.jwk(kid if isinstance(kid, str) else None)
            if jwk is None:
                raise InvalidToken("no key of the provider has this token's key id")
            key = jwt.PyJWK(jwk, algorithm=None if "alg" in jwk else algorithm)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=settings.oidc_algorithms,
                audience=settings.oidc_audience,
                issuer=settings.oidc_issuer,
                leeway=settings.oidc_leeway_s,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(f"{type(error).__name__}: {error}") from None
        return claims

    def _name(self, claims: Mapping[str, Any]) -> str:
        value = _claim(claims, self.settings.oidc_name_claim)
        if not isinstance(value, str) or not value or len(value) > MAX_NAME:
            raise InvalidToken(f"the {self.settings.oidc_name_claim!r} claim is not a name")
        if not value.isprintable():
            raise InvalidToken(
                f"the {self.settings.oidc_name_claim!r} claim has control characters"
            )
        return f"oidc:{value}"

    def _role(self, claims: Mapping[str, Any]) -> Role:
        """The highest of the roles named; none: signed in, allowed to read only."""
        value = _claim(claims, self.settings.oidc_role_claim)
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        roles = [
            ROLES[name.lower()] for name in names if isinstance(name, str) and name.lower() in ROLES
        ]
        return max(roles, default=Role.READER)


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested claims (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
