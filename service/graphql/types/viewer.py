"""Viewer: who the request's credentials say is asking."""

from typing import Self

import strawberry

from service.auth.principal import Principal
from service.graphql.types.enums import Role


@strawberry.type(description="The signed-in caller: who the request's token or sign-on names.")
class Viewer:
    name: str = strawberry.field(
        description="The account name: what the audit trail records as `Change.actor`."
    )
    role: Role = strawberry.field(description="What the caller may do.")

    @classmethod
    def of(cls, principal: Principal) -> Self:
        return cls(name=principal.name, role=Role[principal.role.name])
