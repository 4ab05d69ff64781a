"""What every resolver can reach: the engine, this request's loaders, the settings, and
who is asking."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from service.auth.caller import Accounts, BadCredentials, Caller
from service.auth.principal import Principal
from service.config import Settings
from service.graphql.errors import Unauthenticated
from service.graphql.loaders import Loaders

if TYPE_CHECKING:
    from service.graphql.compiler.execution import CompiledOutcome
    from service.live.hub import LiveHub


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
    live: "LiveHub | None" = None  # the app's live-update hub (lifespan state), for subscriptions
    # A WebSocket's connection_init payload (graphql-ws `connectionParams`): its
    # "Authorization" signs the connection in (service/graphql/view.py, on_ws_connect).
    connection_params: dict[str, object] | None = None
    # Set when the view's prepared path ran the compiled statement and it did not answer
    # cleanly: Strawberry's pipeline then takes that outcome rather than running it again.
    compiled_outcome: "CompiledOutcome | None" = None
    _loaders: Loaders | None = field(init=False, default=None)
    _caller: Caller = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = self.accounts or Accounts(self.engine, self.settings)
        self._caller = Caller(self.accounts, self.authorization)

    def sign_in(self, authorization: str | None) -> None:
        """Who the connection's operations run as, from its connection_init payload."""
        assert self.accounts is not None  # set on creation
        self.authorization = authorization
        self._caller = Caller(self.accounts, authorization)

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, built when the resolver path first needs them (a
        compiled answer never does, and a WebSocket waiting for a change holds none: a set
        costs about 46 KiB). Per request: a loader's cache must never outlive it."""
        if self._loaders is None:
            self._loaders = Loaders.create(self.engine)
        return self._loaders

    def refresh_loaders(self) -> None:
        """Forget the loaders, for a subscription's next event: one WebSocket context lives as
        long as its connection, and a loader's cache must not outlive the moment it filled."""
        self._loaders = None

    async def principal(self) -> Principal | None:
        """Who sent the request (None: anonymous); raises Unauthenticated on credentials
        that are not valid. Resolved once per request, only when something asks."""
        try:
            return await self._caller.resolve()
        except BadCredentials as refused:
            raise Unauthenticated(str(refused)) from None

    async def editing_enabled(self) -> bool:
        """Whether writes are switched on (EDITING; service/auth/switch.py)."""
        return await self._caller.editing_enabled()


Info = strawberry.Info[Context, None]
