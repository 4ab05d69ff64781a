"""What every resolver can reach: the engine, this request's loaders, the settings, and
who is asking."""

from dataclasses import dataclass, field

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from service.auth.caller import Caller
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
    loaders: Loaders = field(init=False)
    _caller: Caller = field(init=False)

    def __post_init__(self) -> None:
        # Built per request: a loader's cache must never outlive the request that filled it.
        self.loaders = Loaders.create(self.engine)
        self._caller = Caller(self.engine, self.settings, self.authorization)

    async def principal(self) -> Principal | None:
        """Who sent the request (None: anonymous); raises Unauthenticated on credentials
        that are not valid. Resolved once per request, only when something asks."""
        return await self._caller.resolve()


Info = strawberry.Info[Context, None]
