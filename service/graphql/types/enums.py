"""The API's enums. Values equal the stored strings (see service/data/models.py), which a test
checks, so rows convert by value."""

from enum import Enum

import strawberry


@strawberry.enum(description="How an organization relates to ISCT.")
class PartnerCategory(Enum):
    SELF = strawberry.enum_value("SELF", description="ISCT itself.")
    CO_FOUNDED = strawberry.enum_value(
        "CO_FOUNDED", description='A body ISCT co-founded ("ISCT Co-Founded Organizations").'
    )
    PARTNER = strawberry.enum_value(
        "PARTNER", description='A partner listed under "Other Partner Organizations".'
    )
    RELATED = strawberry.enum_value(
        "RELATED",
        description="Any other body the source names: a committee, forum, programme, advisory "
        "group, university, journal or alliance.",
    )


@strawberry.enum(description="The kind of relationship an agreement records.")
class AgreementKind(Enum):
    CO_FOUNDING = strawberry.enum_value(
        "CO_FOUNDING", description="The parties founded a new body together (see `establishes`)."
    )
    MEMORANDUM_OF_UNDERSTANDING = strawberry.enum_value(
        "MEMORANDUM_OF_UNDERSTANDING", description="A signed memorandum of understanding (MOU)."
    )
    MEMBERSHIP = strawberry.enum_value(
        "MEMBERSHIP", description="One party is a member of the other."
    )
    LIAISON = strawberry.enum_value("LIAISON", description="A formal liaison relationship.")
    COLLABORATION = strawberry.enum_value(
        "COLLABORATION", description="A partnership or collaboration on joint projects."
    )
    AFFILIATION = strawberry.enum_value(
        "AFFILIATION", description="One party is an affiliate of the other."
    )
    PARTICIPATION = strawberry.enum_value(
        "PARTICIPATION", description="A party takes part in the other's work or consultations."
    )


@strawberry.enum(description="Whether a representative holds the seat or stands in for it.")
class Designation(Enum):
    PRIMARY = strawberry.enum_value("PRIMARY", description="The primary representative.")
    ALTERNATE = strawberry.enum_value("ALTERNATE", description="The alternate representative.")


@strawberry.enum(description="What an organization is to an initiative, as the source words it.")
class InitiativeRole(Enum):
    ORGANIZER = strawberry.enum_value(
        "ORGANIZER",
        description="Behind it: collaborates on it, provides or leads it (`Initiative."
        "organizations`).",
    )
    HOST = strawberry.enum_value(
        "HOST",
        description='Where it takes place ("at the University of Granada", "at ISCT Annual '
        'Meetings").',
    )
    RECIPIENT = strawberry.enum_value(
        "RECIPIENT",
        description='Whom it is for (scholarships "for 3 ISCT Europe Members").',
    )


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: A to Z, oldest first.")
    DESC = strawberry.enum_value("DESC", description="Descending: Z to A, newest first.")


@strawberry.enum(description="What organizations can be sorted by.")
class OrganizationOrderField(Enum):
    NAME = strawberry.enum_value("NAME", description="By name.")
    FOUNDED_YEAR = strawberry.enum_value(
        "FOUNDED_YEAR", description="By founding year; organizations without one come last."
    )


@strawberry.enum(description="What a change to a record did (`Change.operation`).")
class ChangeOperation(Enum):
    CREATE = strawberry.enum_value("CREATE", description="An editor created the record.")
    UPDATE = strawberry.enum_value("UPDATE", description="An editor changed the record.")
    DELETE = strawberry.enum_value("DELETE", description="An admin deleted the record.")
    RESTORE = strawberry.enum_value("RESTORE", description="An admin restored a deleted record.")
    REVERT = strawberry.enum_value(
        "REVERT", description="An admin undid an earlier change (see `Change.reverts`)."
    )
    LOAD = strawberry.enum_value(
        "LOAD",
        description='The seed loader wrote the record from the dataset file (actor "loader"): '
        "the first load creates every record, a later load changes or removes them.",
    )


@strawberry.enum(description="The kinds of record the audit trail follows.")
class RecordType(Enum):
    ORGANIZATION = strawberry.enum_value("Organization", description="An `Organization`.")
    AGREEMENT = strawberry.enum_value("Agreement", description="An `Agreement`.")
    PERSON = strawberry.enum_value("Person", description="A `Person`.")
    REPRESENTATION = strawberry.enum_value("Representation", description="A `Representation`.")
    INITIATIVE = strawberry.enum_value("Initiative", description="An `Initiative`.")


@strawberry.enum(description="What a signed-in caller may do.")
class Role(Enum):
    READER = strawberry.enum_value(
        "READER", description="Signed in (single sign-on without a role): may only read."
    )
    EDITOR = strawberry.enum_value(
        "EDITOR", description="May create and update records and read the audit trail."
    )
    ADMIN = strawberry.enum_value(
        "ADMIN", description="An editor who may also delete, restore and revert, and manage tokens."
    )
