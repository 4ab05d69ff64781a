"""Filter and ordering inputs of the root connections and the audit trail."""

from datetime import datetime

import strawberry

from service.graphql.types.enums import (
    AgreementKind,
    ChangeOperation,
    OrderDirection,
    OrganizationOrderField,
    PartnerCategory,
    RecordType,
)


@strawberry.input(description="Narrow the organizations; all given conditions must hold.")
class OrganizationFilter:
    category: PartnerCategory | None = strawberry.field(
        default=None, description="Only this category."
    )
    region: str | None = strawberry.field(
        default=None, description='Only bodies the source ties to this region ("europe" matches '
        '"Europe"; the whole region name, case-insensitive).',
    )  # fmt: skip
    agreement_kind: AgreementKind | None = strawberry.field(
        default=None,
        description="Only bodies that, themselves or through a unit, are party to an "
        "agreement of this kind (as `Organization.agreements` counts them).",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Full-text search over name, acronym and description; every word must "
        "match, the last one as a prefix.",
    )


@strawberry.input(description="Sort order of organizations.")
class OrganizationOrder:
    field: OrganizationOrderField = strawberry.field(
        default=OrganizationOrderField.NAME, description="What to sort by."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )


@strawberry.input(description="Narrow the agreements; all given conditions must hold.")
class AgreementFilter:
    kind: AgreementKind | None = strawberry.field(default=None, description="Only this kind.")
    year_from: int | None = strawberry.field(
        default=None, description="Only agreements of this year or later (undated ones drop out)."
    )
    year_to: int | None = strawberry.field(
        default=None, description="Only agreements of this year or earlier."
    )
    party: str | None = strawberry.field(
        default=None, description='Only agreements this organization is party to (a slug: "arm").'
    )


@strawberry.input(description="Narrow the people; all given conditions must hold.")
class PersonFilter:
    organization: str | None = strawberry.field(
        default=None,
        description='Only people seated at this organization or its units (a slug: "fact").',
    )
    search: str | None = strawberry.field(
        default=None, description="Full-text search over names, credentials and roles."
    )


@strawberry.input(description="Narrow the audit trail; all given conditions must hold.")
class ChangeFilter:
    record_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes to this record (its ID, deleted or not)."
    )
    record_type: RecordType | None = strawberry.field(
        default=None, description="Only changes to records of this type."
    )
    actor: str | None = strawberry.field(
        default=None, description='Only changes by this account ("loader": the seed loader).'
    )
    operation: ChangeOperation | None = strawberry.field(
        default=None, description="Only changes of this kind."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only changes made at or after this time (UTC if no offset)."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only changes made before this time (UTC if no offset)."
    )
