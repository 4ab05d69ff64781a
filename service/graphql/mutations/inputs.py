"""The mutations' inputs. Field names are the dataset file's, in camelCase, so a record
reads the same in the file, in an input and in the audit trail's `before`/`after`; each
field is described once (`FIELDS`) for the create and the update input alike.

Update inputs leave out what they do not change (an omitted field keeps its value; `null`
clears an optional one); references are slugs, as in the file."""

from dataclasses import fields
from enum import Enum
from typing import Any

import strawberry

from service.graphql.types.enums import AgreementKind, Designation, PartnerCategory

UNSET: Any = strawberry.UNSET

FIELDS = {
    "slug": 'Its key for good: lowercase words joined by "-" (it is part of its ID).',
    "id": "The record's ID.",
    "expected_version": "The `version` the change is based on: if the record has moved on "
    "since, the change is refused with CONFLICT and nothing changes.",
    "evidence": "What the change rests on: a quote from the source page or an editorial note.",
    "name": "Full name, as the source writes it.",
    "category": "How the body relates to ISCT.",
    "acronym": "Acronym, where the source gives one.",
    "description": "What the source says about it, in its own words.",
    "founded_year": "The year the body was founded (1800-2100).",
    "website": "Website address.",
    "parent": "The slug of the body it is a unit of (a committee of, a forum of...).",
    "regions": "Regions named for this body, in order (replaces the list).",
    "kind": "What kind of agreement (or, for an initiative, a short word: meeting, award...).",
    "title": "The agreement's title.",
    "parties": "The slugs of the bodies party to it, in order (replaces the list).",
    "year": "The year it began, where known (1800-2100).",
    "establishes": "CO_FOUNDING only: the slug of the body it founds.",
    "credentials": 'Degrees and credentials in order, e.g. ["MD", "PhD"] (replaces the list).',
    "person": "The slug of the person who holds the seat.",
    "organization": "The slug of the body the seat is at.",
    "on_behalf_of": "The slug of the body the person represents there.",
    "role": "The seat's role as the source words it.",
    "designation": "Primary or alternate, where the source says.",
    "organizations": "The slugs of the bodies behind it (replaces the list).",
    "hosts": "The slugs of bodies named only as where it takes place (replaces the list).",
    "recipients": "The slugs of bodies named only as whom it is for (replaces the list).",
    "recurrence": "How often it recurs, where the source says (annual, bi-ennial...).",
    "reason": "Why, for the audit trail.",
}


def described(name: str, default: Any = UNSET) -> Any:
    """An input field with its one description; required when `default` is `...`."""
    if default is ...:
        return strawberry.field(description=FIELDS[name])
    return strawberry.field(default=default, description=FIELDS[name])


@strawberry.input(
    description="What an edit rests on: a `quote` found verbatim in a registered source "
    "`document`, or an `editorialNote` saying who asserts the fact and why (the signed-in "
    "editor is recorded as its author). One or the other, not both."
)
class EvidenceInput:
    document: str | None = strawberry.field(
        default=None,
        description="The registered source document the quote is from; may be left out "
        "while only one is registered.",
    )
    quote: str | None = strawberry.field(
        default=None, description="Words found verbatim in the document (whitespace may vary)."
    )
    editorial_note: str | None = strawberry.field(
        default=None, description="Why the fact is true, for a fact the source does not carry."
    )


@strawberry.input(description="A new organization.")
class CreateOrganizationInput:
    slug: str = described("slug", ...)
    name: str = described("name", ...)
    category: PartnerCategory = described("category", ...)
    evidence: EvidenceInput = described("evidence", ...)
    acronym: str | None = described("acronym", None)
    description: str | None = described("description", None)
    founded_year: int | None = described("founded_year", None)
    website: str | None = described("website", None)
    parent: str | None = described("parent", None)
    regions: list[str] | None = described("regions", None)


@strawberry.input(description="Changes to an organization; omitted fields keep their value.")
class UpdateOrganizationInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    evidence: EvidenceInput = described("evidence", ...)
    name: str | None = described("name")
    category: PartnerCategory | None = described("category")
    acronym: str | None = described("acronym")
    description: str | None = described("description")
    founded_year: int | None = described("founded_year")
    website: str | None = described("website")
    parent: str | None = described("parent")
    regions: list[str] | None = described("regions")


@strawberry.input(description="A new agreement between organizations.")
class CreateAgreementInput:
    slug: str = described("slug", ...)
    kind: AgreementKind = described("kind", ...)
    title: str = described("title", ...)
    parties: list[str] = described("parties", ...)
    evidence: EvidenceInput = described("evidence", ...)
    year: int | None = described("year", None)
    description: str | None = described("description", None)
    establishes: str | None = described("establishes", None)


@strawberry.input(description="Changes to an agreement; omitted fields keep their value.")
class UpdateAgreementInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    evidence: EvidenceInput = described("evidence", ...)
    kind: AgreementKind | None = described("kind")
    title: str | None = described("title")
    parties: list[str] | None = described("parties")
    year: int | None = described("year")
    description: str | None = described("description")
    establishes: str | None = described("establishes")


@strawberry.input(description="A new person.")
class CreatePersonInput:
    slug: str = described("slug", ...)
    name: str = described("name", ...)
    evidence: EvidenceInput = described("evidence", ...)
    credentials: list[str] | None = described("credentials", None)


@strawberry.input(description="Changes to a person; omitted fields keep their value.")
class UpdatePersonInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    evidence: EvidenceInput = described("evidence", ...)
    name: str | None = described("name")
    credentials: list[str] | None = described("credentials")


@strawberry.input(
    description="A new seat: `person` sits at `organization` on behalf of `onBehalfOf`. "
    "A person holds at most one seat at a body."
)
class CreateRepresentationInput:
    person: str = described("person", ...)
    organization: str = described("organization", ...)
    on_behalf_of: str = described("on_behalf_of", ...)
    role: str = described("role", ...)
    evidence: EvidenceInput = described("evidence", ...)
    designation: Designation | None = described("designation", None)


@strawberry.input(
    description="Changes to a seat. Its person and body are what it is: to move a seat, "
    "delete it and create another."
)
class UpdateRepresentationInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    evidence: EvidenceInput = described("evidence", ...)
    on_behalf_of: str | None = described("on_behalf_of")
    role: str | None = described("role")
    designation: Designation | None = described("designation")


@strawberry.input(description="A new joint initiative.")
class CreateInitiativeInput:
    slug: str = described("slug", ...)
    name: str = described("name", ...)
    kind: str = described("kind", ...)
    organizations: list[str] = described("organizations", ...)
    evidence: EvidenceInput = described("evidence", ...)
    hosts: list[str] | None = described("hosts", None)
    recipients: list[str] | None = described("recipients", None)
    recurrence: str | None = described("recurrence", None)
    year: int | None = described("year", None)
    description: str | None = described("description", None)


@strawberry.input(description="Changes to an initiative; omitted fields keep their value.")
class UpdateInitiativeInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    evidence: EvidenceInput = described("evidence", ...)
    name: str | None = described("name")
    kind: str | None = described("kind")
    organizations: list[str] | None = described("organizations")
    hosts: list[str] | None = described("hosts")
    recipients: list[str] | None = described("recipients")
    recurrence: str | None = described("recurrence")
    year: int | None = described("year")
    description: str | None = described("description")


@strawberry.input(description="Which record to delete, and the version the deletion is based on.")
class DeleteInput:
    id: strawberry.ID = described("id", ...)
    expected_version: int = described("expected_version", ...)
    reason: str | None = described("reason", None)


@strawberry.input(description="A deleted record to bring back as its deletion found it.")
class RestoreInput:
    id: strawberry.ID = strawberry.field(description="The deleted record's ID.")
    reason: str | None = described("reason", None)


@strawberry.input(description="A change to undo.")
class RevertChangeInput:
    id: strawberry.ID = strawberry.field(description="The change's ID (`Change.id`).")
    reason: str | None = described("reason", None)


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
