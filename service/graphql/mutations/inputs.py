"""The mutations' inputs. Field names are the dataset file's, in camelCase, so a record
reads the same in the file, in an input and in the audit trail's `before`/`after`.

Update inputs leave out what they do not change (an omitted field keeps its value; `null`
clears an optional one); references are slugs, as in the file."""

from dataclasses import fields
from enum import Enum
from typing import Any

import strawberry

from service.graphql.types.enums import AgreementKind, Designation, PartnerCategory

UNSET: Any = strawberry.UNSET


@strawberry.input(
    description="What an edit rests on: a `quote` found verbatim in a registered source "
    "`document` (optional when only one is registered), or an `editorialNote` saying who "
    "asserts the fact and why (the signed-in editor is recorded as its author). One or the "
    "other, not both."
)
class EvidenceInput:
    document: str | None = None
    quote: str | None = None
    editorial_note: str | None = None


@strawberry.input(description="A new organization.")
class CreateOrganizationInput:
    slug: str = strawberry.field(description='Its key: lowercase words joined by "-".')
    name: str
    category: PartnerCategory
    acronym: str | None = None
    description: str | None = None
    founded_year: int | None = None
    website: str | None = None
    parent: str | None = strawberry.field(
        default=None, description="The slug of the body it is a unit of."
    )
    regions: list[str] | None = None
    evidence: EvidenceInput


@strawberry.input(description="Changes to an organization; omitted fields keep their value.")
class UpdateOrganizationInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(description="The `version` the change is based on.")
    evidence: EvidenceInput
    name: str | None = UNSET
    category: PartnerCategory | None = UNSET
    acronym: str | None = UNSET
    description: str | None = UNSET
    founded_year: int | None = UNSET
    website: str | None = UNSET
    parent: str | None = UNSET
    regions: list[str] | None = UNSET


@strawberry.input(description="A new agreement between organizations.")
class CreateAgreementInput:
    slug: str
    kind: AgreementKind
    title: str
    parties: list[str] = strawberry.field(description="The slugs of the bodies party to it.")
    year: int | None = None
    description: str | None = None
    establishes: str | None = strawberry.field(
        default=None, description="CO_FOUNDING only: the slug of the body it founds."
    )
    evidence: EvidenceInput


@strawberry.input(description="Changes to an agreement; omitted fields keep their value.")
class UpdateAgreementInput:
    id: strawberry.ID
    expected_version: int
    evidence: EvidenceInput
    kind: AgreementKind | None = UNSET
    title: str | None = UNSET
    parties: list[str] | None = UNSET
    year: int | None = UNSET
    description: str | None = UNSET
    establishes: str | None = UNSET


@strawberry.input(description="A new person.")
class CreatePersonInput:
    slug: str
    name: str
    credentials: list[str] | None = None
    evidence: EvidenceInput


@strawberry.input(description="Changes to a person; omitted fields keep their value.")
class UpdatePersonInput:
    id: strawberry.ID
    expected_version: int
    evidence: EvidenceInput
    name: str | None = UNSET
    credentials: list[str] | None = UNSET


@strawberry.input(
    description="A new seat: `person` sits at `organization` on behalf of `onBehalfOf` "
    "(slugs). A person holds at most one seat at a body."
)
class CreateRepresentationInput:
    person: str
    organization: str
    on_behalf_of: str
    role: str
    designation: Designation | None = None
    evidence: EvidenceInput


@strawberry.input(
    description="Changes to a seat. Its person and body are what it is: to move a seat, "
    "delete it and create another."
)
class UpdateRepresentationInput:
    id: strawberry.ID
    expected_version: int
    evidence: EvidenceInput
    on_behalf_of: str | None = UNSET
    role: str | None = UNSET
    designation: Designation | None = UNSET


@strawberry.input(description="A new joint initiative.")
class CreateInitiativeInput:
    slug: str
    name: str
    kind: str
    organizations: list[str] = strawberry.field(description="The slugs of the bodies behind it.")
    hosts: list[str] | None = None
    recipients: list[str] | None = None
    recurrence: str | None = None
    year: int | None = None
    description: str | None = None
    evidence: EvidenceInput


@strawberry.input(description="Changes to an initiative; omitted fields keep their value.")
class UpdateInitiativeInput:
    id: strawberry.ID
    expected_version: int
    evidence: EvidenceInput
    name: str | None = UNSET
    kind: str | None = UNSET
    organizations: list[str] | None = UNSET
    hosts: list[str] | None = UNSET
    recipients: list[str] | None = UNSET
    recurrence: str | None = UNSET
    year: int | None = UNSET
    description: str | None = UNSET


@strawberry.input(description="Which record to delete, and the `version` the deletion is based on.")
class DeleteInput:
    id: strawberry.ID
    expected_version: int
    reason: str | None = strawberry.field(default=None, description="Why, for the audit trail.")


@strawberry.input(description="A deleted record to bring back as its deletion found it.")
class RestoreInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.input(description="A change (`Change.id`) to undo.")
class RevertChangeInput:
    id: strawberry.ID
    reason: str | None = None


NOT_FIELDS = {"id", "expected_version", "evidence", "slug"}


def record_fields(data: Any) -> dict[str, Any]:
    """The record fields an input sets, as the dataset file names and spells them."""
    found: dict[str, Any] = {}
    for field in fields(data):
        value = getattr(data, field.name)
        if field.name in NOT_FIELDS or value is UNSET:
            continue
        found[field.name] = value.value if isinstance(value, Enum) else value
    return found
