"""The tables. Natural keys (slugs) are what the dataset and global IDs refer to; integer ids
are internal and may change when rows are pruned and re-added.

No ORM relationships are declared: every read goes through explicit, batched queries, so
nothing can lazy-load in async code.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class PartnerCategory(StrEnum):
    SELF = "SELF"
    CO_FOUNDED = "CO_FOUNDED"
    PARTNER = "PARTNER"
    RELATED = "RELATED"


class AgreementKind(StrEnum):
    CO_FOUNDING = "CO_FOUNDING"
    MEMORANDUM_OF_UNDERSTANDING = "MEMORANDUM_OF_UNDERSTANDING"
    MEMBERSHIP = "MEMBERSHIP"
    LIAISON = "LIAISON"
    COLLABORATION = "COLLABORATION"
    AFFILIATION = "AFFILIATION"
    PARTICIPATION = "PARTICIPATION"


class Designation(StrEnum):
    PRIMARY = "PRIMARY"
    ALTERNATE = "ALTERNATE"


class InitiativeRole(StrEnum):
    """What an organization is to an initiative, as the source words it: it organizes it
    (collaborates on it, provides or leads it), hosts it ("at the University of Granada",
    "at ISCT Annual Meetings"), or receives it ("scholarships for 3 ISCT Europe Members")."""

    ORGANIZER = "ORGANIZER"
    HOST = "HOST"
    RECIPIENT = "RECIPIENT"


def _version() -> Any:
    """Bumped by every change to a record (through the API or by the loader), so an update
    can name the version it read and a stale one is refused (no lost updates)."""
    return Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False, server_default="1"))


def _fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key column that deletes with its parent, indexed for the loaders' batches."""
    return Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey(target, ondelete="CASCADE" if not nullable else "SET NULL"),
            nullable=nullable,
            index=index,
        )
    )


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(500), nullable=False, index=True))
    acronym: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    category: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    founded_year: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    website: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
    parent_id: int | None = _fk("organization.id", nullable=True)
    version: int = _version()
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(300)))


class OrganizationRegion(SQLModel, table=True):
    """A region as written, and its `fold` (service/data/text.py), which filters compare."""

    __tablename__ = "organization_region"
    __table_args__ = (
        sa.Index("ix_organization_region_region_key", "region_key", "organization_id"),
    )

    organization_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True))
    region: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    # Text: folding may lengthen a region ("ß" becomes "ss").
    region_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class OrganizationSource(SQLModel, table=True):
    __tablename__ = "organization_source"

    organization_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True))
    document: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    quote: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class Agreement(SQLModel, table=True):
    __tablename__ = "agreement"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    kind: str = Field(sa_column=sa.Column(sa.String(40), nullable=False, index=True))
    title: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    year: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, index=True))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    establishes_id: int | None = _fk("organization.id", nullable=True)
    source_document: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    source_quote: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    version: int = _version()
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(300)))


class AgreementParty(SQLModel, table=True):
    __tablename__ = "agreement_party"
    __table_args__ = (
        sa.Index("ix_agreement_party_organization", "organization_id", "agreement_id"),
    )

    agreement_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True
        )
    )
    organization_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(300), nullable=False, index=True))
    credentials: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    source_document: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    source_quote: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    version: int = _version()
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(300)))


class Representation(SQLModel, table=True):
    __tablename__ = "representation"
    __table_args__ = (
        sa.Index("ix_representation_person", "person_id", "id"),
        sa.Index("ix_representation_organization", "organization_id", "id"),
        sa.Index("ix_representation_on_behalf_of", "on_behalf_of_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(500), nullable=False, unique=True))
    person_id: int = _fk("person.id", index=False)
    organization_id: int = _fk("organization.id", index=False)
    on_behalf_of_id: int = _fk("organization.id", index=False)
    role: str = Field(sa_column=sa.Column(sa.String(300), nullable=False))
    designation: str | None = Field(default=None, sa_column=sa.Column(sa.String(20)))
    source_document: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    source_quote: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    version: int = _version()
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(300)))


class Initiative(SQLModel, table=True):
    __tablename__ = "initiative"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(500), nullable=False, index=True))
    kind: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    recurrence: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    year: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    source_document: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    source_quote: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    version: int = _version()
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(300)))


class InitiativeOrganization(SQLModel, table=True):
    __tablename__ = "initiative_organization"
    __table_args__ = (
        sa.Index("ix_initiative_organization_organization", "organization_id", "initiative_id"),
    )

    initiative_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
        )
    )
    organization_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    role: str = Field(
        default=InitiativeRole.ORGANIZER.value,
        sa_column=sa.Column(
            sa.String(20), nullable=False, server_default=InitiativeRole.ORGANIZER.value
        ),
    )


class DatasetRevision(SQLModel, table=True):
    """One row whose revision the seed loader bumps on every change (caches key on it), and
    when that load happened (null for loads before the time was kept)."""

    __tablename__ = "dataset_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    loaded_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True))
    )


class ChangeOperation(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    RESTORE = "RESTORE"
    REVERT = "REVERT"
    LOAD = "LOAD"


class Change(SQLModel, table=True):
    """One entry of the audit trail, written in the same transaction as the change it records.

    Append-only: no API call updates or deletes an entry, and the database refuses to (the
    triggers of migration 0007). `before` and `after` are the record as the dataset file
    writes it (null before a creation and after a deletion); `version` is the record's
    version after the change (the version deleted, for a deletion).
    """

    __tablename__ = "change"
    __table_args__ = (
        sa.Index("ix_change_record", "record_type", "record_slug", "id"),
        sa.Index("ix_change_actor", "actor", "id"),
        sa.Index("ix_change_at", "at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.String(300), nullable=False))
    operation: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    record_type: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    record_slug: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    version: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    before: Any = Field(default=None, sa_column=sa.Column(sa.JSON(none_as_null=True)))
    after: Any = Field(default=None, sa_column=sa.Column(sa.JSON(none_as_null=True)))
    evidence_document: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    evidence_quote: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    editorial_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    request_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    reverts: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))


class ApiToken(SQLModel, table=True):
    """An operator-issued API token: only its SHA-256 is kept (the token is shown once)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, unique=True))
    role: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True))
    )


class RegisteredDocument(SQLModel, table=True):
    """A source document quotes are checked against: the loader registers its dataset's
    page, so an edit's quote is checked as the loader checks one, and an export can write
    the page back beside the dataset."""

    __tablename__ = "registered_document"

    name: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


metadata = SQLModel.metadata


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a model, for Core queries (typed: SQLModel leaves it untyped)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


ORGANIZATION_TABLE = table_of(Organization)
REGION_TABLE = table_of(OrganizationRegion)
ORGANIZATION_SOURCE_TABLE = table_of(OrganizationSource)
AGREEMENT_TABLE = table_of(Agreement)
PARTY_TABLE = table_of(AgreementParty)
PERSON_TABLE = table_of(Person)
REPRESENTATION_TABLE = table_of(Representation)
INITIATIVE_TABLE = table_of(Initiative)
INITIATIVE_ORGANIZATION_TABLE = table_of(InitiativeOrganization)
REVISION_TABLE = table_of(DatasetRevision)
CHANGE_TABLE = table_of(Change)
API_TOKEN_TABLE = table_of(ApiToken)
DOCUMENT_TABLE = table_of(RegisteredDocument)
RECORD_TABLES = {
    "Organization": ORGANIZATION_TABLE,
    "Agreement": AGREEMENT_TABLE,
    "Person": PERSON_TABLE,
    "Representation": REPRESENTATION_TABLE,
    "Initiative": INITIATIVE_TABLE,
}
"""The editable records, by GraphQL type name: each has a slug, a version and a note."""
