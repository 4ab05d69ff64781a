"""InitiativeParticipant: an organization in one of its roles at an initiative."""

from typing import Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.errors import PublicError
from service.graphql.types.enums import InitiativeRole
from service.graphql.types.organization import Organization


@strawberry.type(description="An organization and what it is to an initiative.")
class InitiativeParticipant:
    organization_id: strawberry.Private[int]
    role: InitiativeRole = strawberry.field(
        description="Organizer, host or recipient, as the source words it."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(organization_id=row.organization_id, role=InitiativeRole(row.role))

    @strawberry.field(description="The organization.")
    async def organization(self, info: Info) -> Organization:
        row = await info.context.loaders.reference(
            "InitiativeParticipant", "organization", self.organization_id
        )
        if row is None:  # the foreign key guarantees it, unless the data changed mid-request
            raise PublicError("the data changed while this request ran; please retry")
        return Organization.from_row(row)
