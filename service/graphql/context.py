"""What every resolver can reach: the engine, this request's loaders, and the settings."""

from dataclasses import dataclass, field

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from service.config import Settings
from service.graphql.loaders import Loaders


@dataclass
class Context:
    engine: AsyncEngine
    settings: Settings
    response: Response | None = None  # headers and status of this request's HTTP response
    operation_name: str | None = None  # the operationName the request sent, if any
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # Built per request: a loader's cache must never outlive the request that filled it.
        self.loaders = Loaders.create(self.engine)


Info = strawberry.Info[Context, None]
