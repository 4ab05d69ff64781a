"""Organization: ISCT, the bodies it co-founded, its partners, and every body they contain."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from service.graphql.context import Info
from service.graphql.types.change import HISTORY_DESCRIPTION, history
from service.graphql.types.editorial import EDITORIAL_NOTE, VERSION, EditorialNote
from service.graphql.types.enums import AgreementKind, PartnerCategory
from service.graphql.types.node import Node
from service.graphql.types.source import SourceExcerpt

if TYPE_CHECKING:
    from service.graphql.types.agreement import Agreement
    from service.graphql.types.initiative import Initiative
    from service.graphql.types.representation import Representation

AgreementType = Annotated["Agreement", strawberry.lazy("service.graphql.types.agreement")]
InitiativeType = Annotated["Initiative", strawberry.lazy("service.graphql.types.initiative")]
RepresentationType = Annotated[
    "Representation", strawberry.lazy("service.graphql.types.representation")
]


@strawberry.type(description="An organization: ISCT, a co-founded body, a partner, or a body "
                 "one of them contains (a committee, forum, programme...).")  # fmt: skip
class Organization(Node):
    db_id: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]
    slug: str = strawberry.field(
        description='Stable, URL-safe, lowercase key, e.g. "fact", "jacie", "isct".'
    )
    name: str = strawberry.field(description="Full name, as the source writes it.")
    acronym: str | None = strawberry.field(description="Acronym, where the source gives one.")
    category: PartnerCategory = strawberry.field(description="How the body relates to ISCT.")
    description: str | None = strawberry.field(
        description="What the source says about the body, in its own words."
    )
    founded_year: int | None = strawberry.field(
        description="The year the body was founded or established, where the source states it."
    )
    website: str | None = strawberry.field(
        description="Website address, where the source gives one (it currently gives none)."
    )
    version: int = strawberry.field(description=VERSION)
    editorial_note: EditorialNote | None = strawberry.field(description=EDITORIAL_NOTE)
    history = strawberry.field(resolver=history, description=HISTORY_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            db_id=row.id,
            parent_id=row.parent_id,
            slug=row.slug,
            name=row.name,
            acronym=row.acronym,
            category=PartnerCategory(row.category),
            description=row.description,
            founded_year=row.founded_year,
            website=row.website,
            version=row.version,
            editorial_note=EditorialNote.of(row),
        )

    @strawberry.field(description="Regions the source names for this body, in its order.")
    async def regions(self, info: Info) -> list[str]:
        return [
            row.region
            for row in await info.context.loaders.of("Organization", "regions", self.db_id)
        ]

    @strawberry.field(description="The larger body this one sits inside, if any.")
    async def parent(self, info: Info) -> "Organization | None":
        row = await info.context.loaders.reference("Organization", "parent", self.parent_id)
        return Organization.from_row(row) if row else None

    @strawberry.field(description="Bodies that sit inside this one (committees, forums...).")
    async def units(self, info: Info) -> list["Organization"]:
        return Organization.from_rows(
            await info.context.loaders.of("Organization", "units", self.db_id)
        )

    @strawberry.field(description="The organizations that co-founded this one.")
    async def cofounders(self, info: Info) -> list["Organization"]:
        return Organization.from_rows(
            await info.context.loaders.of("Organization", "cofounders", self.db_id)
        )

    @strawberry.field(description="The organizations this one co-founded.")
    async def cofounded(self, info: Info) -> list["Organization"]:
        return Organization.from_rows(
            await info.context.loaders.of("Organization", "cofounded", self.db_id)
        )

    @strawberry.field(
        description="Agreements this body, or one of its units, is a party to; oldest first, "
        "undated last."
    )
    async def agreements(
        self,
        info: Info,
        kind: Annotated[
            AgreementKind | None, strawberry.argument(description="Only agreements of this kind.")
        ] = None,
        as_of: Annotated[
            int | None,
            strawberry.argument(
                description="Only agreements standing at the end of this year; undated ones "
                "stand in every year (docs/graph.md)."
            ),
        ] = None,
    ) -> list[AgreementType]:
        from service.graphql.types.agreement import Agreement

        loaders = info.context.loaders
        rows = await loaders.of(
            "Organization", "agreements", self.db_id, kind=kind and kind.name, asOf=as_of
        )
        return Agreement.from_rows(rows)

    @strawberry.field(description="People seated at this body or at one of its units.")
    async def representatives(self, info: Info) -> list[RepresentationType]:
        from service.graphql.types.representation import Representation

        return Representation.from_rows(
            await info.context.loaders.of("Organization", "representatives", self.db_id)
        )

    @strawberry.field(
        description="Seats held on behalf of this body, wherever they are (e.g. CARM's "
        "representative on ISCT's Commercialization Committee)."
    )
    async def delegates(self, info: Info) -> list[RepresentationType]:
        from service.graphql.types.representation import Representation

        return Representation.from_rows(
            await info.context.loaders.of("Organization", "delegates", self.db_id)
        )

    @strawberry.field(
        description="Joint initiatives this body or one of its units takes part in, in any "
        "role (organizer, host or recipient: see `Initiative.participants`)."
    )
    async def initiatives(self, info: Info) -> list[InitiativeType]:
        from service.graphql.types.initiative import Initiative

        return Initiative.from_rows(
            await info.context.loaders.of("Organization", "initiatives", self.db_id)
        )

    @strawberry.field(description="The source excerpts that state this body's facts.")
    async def sources(self, info: Info) -> list[SourceExcerpt]:
        rows = await info.context.loaders.of("Organization", "sources", self.db_id)
        return [SourceExcerpt(document=row.document, quote=row.quote) for row in rows]
