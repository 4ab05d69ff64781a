"""The caller of one request, from its Authorization header: resolved at most once, and only
if a field that needs a role asks (reads stay free of any lookup)."""

from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth.principal import Principal
from service.auth.tokens import principal_of
from service.config import Settings
from service.data.engine import for_reads
from service.graphql.errors import PublicError


class BadCredentials(PublicError):
    code = "UNAUTHENTICATED"


BAD = "The credentials are not valid."


class Caller:
    def __init__(self, engine: AsyncEngine, settings: Settings, authorization: str | None) -> None:
        self._engine = engine
        self._settings = settings
        self._authorization = authorization
        self._resolved = False
        self._principal: Principal | None = None

    async def resolve(self) -> Principal | None:
        if not self._resolved:
            self._principal = await self._authenticate()
            self._resolved = True
        return self._principal

    async def _authenticate(self) -> Principal | None:
        header = (self._authorization or "").strip()
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise BadCredentials(BAD)
        async with for_reads(self._engine).connect() as conn:
            principal = await principal_of(conn, credentials)
        if principal is None:
            raise BadCredentials(BAD)
        return principal
