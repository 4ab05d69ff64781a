"""The caller of one request, from its Authorization header: resolved at most once, and only
if a field that needs a role asks (reads stay free of any lookup).

A bearer that looks like a JWT goes to the OpenID Connect verifier when single sign-on is
configured; anything else is looked up as an API token, in the database, on every request
that needs it, so a token issued or revoked takes effect at once, with no restart. Every
refusal says the same thing; the reason goes to the log (never the credentials).
"""

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth.oidc import InvalidToken, Verifier, looks_like_jwt
from service.auth.principal import Principal
from service.auth.switch import EditingSwitch
from service.auth.tokens import principal_of
from service.config import Settings
from service.data.engine import for_reads
from service.http.observability import current_request

LOG = logging.getLogger("service.auth")


class BadCredentials(Exception):
    """Credentials that are not valid; its message says no more than that (the GraphQL
    context turns it into an UNAUTHENTICATED error)."""


BAD = "The credentials are not valid."


class Accounts:
    """What outlives a request: the OpenID Connect keys and the editing switch (one per app,
    in its lifespan state)."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.verifier = Verifier(settings) if settings.oidc_enabled else None
        self.switch = EditingSwitch(engine, settings)

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal the header names; None without one; BadCredentials otherwise."""
        header = (authorization or "").strip()
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer":
            raise _refusal("not a Bearer authorization")
        if not credentials:
            raise _refusal("an empty bearer token")
        if self.verifier is not None and looks_like_jwt(credentials):
            try:
                return await self.verifier.principal(credentials)
            except InvalidToken as reason:
                raise _refusal(f"a single sign-on token: {reason}") from None
        async with for_reads(self.engine).connect() as conn:
            principal = await principal_of(conn, credentials)
        if principal is None:
            raise _refusal("no live API token has this value")
        return principal


def _refusal(reason: str) -> BadCredentials:
    record = current_request()
    LOG.info("credentials refused (request %s): %s", record.request_id if record else "-", reason)
    return BadCredentials(BAD)


class Caller:
    def __init__(self, accounts: Accounts, authorization: str | None) -> None:
        self._accounts = accounts
        self._authorization = authorization
        self._resolved = False
        self._principal: Principal | None = None

    async def resolve(self) -> Principal | None:
        if not self._resolved:
            self._principal = await self._accounts.authenticate(self._authorization)
            self._resolved = True
        return self._principal

    async def editing_enabled(self) -> bool:
        """Under `auto`, a caller who signed in proves an account exists: no query."""
        settings = self._accounts.settings
        if settings.editing == "auto" and await self.resolve() is not None:
            return True
        return await self._accounts.switch.enabled()
