"""What a mutation answers: the record as it now is (null if the edit was refused), and the
problems an editor can fix, each naming its input field."""

from enum import Enum
from typing import Annotated

import strawberry

from service.editing.problems import Problem
from service.graphql.types.agreement import Agreement
from service.graphql.types.initiative import Initiative
from service.graphql.types.node import Node
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation


@strawberry.enum(description="Why an edit was refused.")
class UserErrorCode(Enum):
    INVALID = strawberry.enum_value(
        "INVALID", description="A value the record cannot take (as the loader would refuse it)."
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The record, or one it refers to, does not exist."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="The record changed since the version the edit names: read it again.",
    )
    EVIDENCE_NOT_FOUND = strawberry.enum_value(
        "EVIDENCE_NOT_FOUND",
        description="The quote is not in the source document, or the document is not registered.",
    )
    IN_USE = strawberry.enum_value(
        "IN_USE", description="Other records still refer to the record: change them first."
    )


@strawberry.type(description="A problem with an edit's input that the editor can fix.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='The path to the input field, e.g. ["input", "parties", "1"].'
    )
    message: str
    code: UserErrorCode

    @classmethod
    def of(cls, problem: Problem) -> "UserError":
        return cls(
            field=None if problem.field is None else list(problem.field),
            message=problem.message,
            code=UserErrorCode(problem.code.value),
        )


Errors = Annotated[list[UserError], strawberry.field(description="Empty when the edit was made.")]


@strawberry.type
class OrganizationPayload:
    organization: Organization | None
    change_id: strawberry.ID | None = strawberry.field(
        description="The audit entry of the change (`Change.id`); null when refused."
    )
    user_errors: Errors


@strawberry.type
class AgreementPayload:
    agreement: Agreement | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type
class PersonPayload:
    person: Person | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type
class RepresentationPayload:
    representation: Representation | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type
class InitiativePayload:
    initiative: Initiative | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type(description="A deletion: the deleted record's ID, when it was deleted.")
class DeletePayload:
    deleted_id: strawberry.ID | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type(description="A restored record, as its deletion found it.")
class RestorePayload:
    record: Node | None
    change_id: strawberry.ID | None
    user_errors: Errors


@strawberry.type(
    description="An undone change: the record as it now is (null when the undo deleted it)."
)
class RevertChangePayload:
    record: Node | None
    record_id: strawberry.ID | None
    change_id: strawberry.ID | None = strawberry.field(
        description="The new audit entry that records the revert."
    )
    user_errors: Errors
