"""What every resolver can reach: the engine, this request's loaders, the settings, and
who is asking."""

from collections.abc import Callable
from dataclasses import dataclass, field

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from service.auth.caller import Accounts, Caller
from service.auth.principal import Principal
from service.config import Settings
from service.graphql.loaders import Loaders


@dataclass
class Context:
    engine: AsyncEngine
    settings: Settings
    response: Response | None = None  # headers and status of this request's HTTP response
    operation_name: str | None = None  # the operationName the request sent, if any
    authorization: str | None = None  # the request's Authorization header, if any
    accounts: Accounts | None = None  # the app's (lifespan state); None: one of its own
    # Told each revision this request commits, so this process holds it at once and its own
    # next read is never answered from before the edit (service/data/revision.py).
    revision_committed: Callable[[int], None] = lambda _revision: None
    loaders: Loaders = field(init=False)
    _caller: Caller = field(init=False)

    def __post_init__(self) -> None:
        # Built per request: a loader's cache must never outlive the request that filled it.
        self.loaders = Loaders.create(self.engine)
        accounts = self.accounts or Accounts(self.engine, self.settings)
        self._caller = Caller(accounts, self.authorization)

    async def principal(self) -> Principal | None:
        """Who sent the request (None: anonymous); raises Unauthenticated on credentials
        that are not valid. Resolved once per request, only when something asks."""
        return await self._caller.resolve()

    async def editing_enabled(self) -> bool:
        """Whether writes are switched on (EDITING; service/auth/switch.py)."""
        return await self._caller.editing_enabled()


Info = strawberry.Info[Context, None]
