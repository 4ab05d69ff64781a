"""What a mutation answers: the record as it now is (null if the edit was refused), and the
problems an editor can fix, each naming its input field."""

from enum import Enum

import strawberry

from service.editing.problems import Problem
from service.graphql.context import Info
from service.graphql.ids import encode_id
from service.graphql.types.agreement import Agreement
from service.graphql.types.change import Change
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
        description='The path to the input field, e.g. ["input", "parties", "1"]; null when '
        "the problem is the edit as a whole."
    )
    message: str = strawberry.field(description="What is wrong, in the loader's own words.")
    code: UserErrorCode = strawberry.field(description="The kind of problem.")

    @classmethod
    def of(cls, problem: Problem) -> "UserError":
        return cls(
            field=None if problem.field is None else list(problem.field),
            message=problem.message,
            code=UserErrorCode(problem.code.value),
        )


@strawberry.type(description="What every payload says besides the record.")
class Outcome:
    change_entry: strawberry.Private[int | None]
    user_errors: list[UserError] = strawberry.field(
        description="What to fix; empty when the edit was made."
    )

    @strawberry.field(
        description="The audit entry's ID (`Change.id`); null when the edit was refused."
    )
    def change_id(self) -> strawberry.ID | None:
        if self.change_entry is None:
            return None
        return strawberry.ID(encode_id("Change", str(self.change_entry)))

    @strawberry.field(description="The audit entry of the change; null when refused.")
    async def change(self, info: Info) -> Change | None:
        if self.change_entry is None:
            return None
        row = await info.context.loaders.changes.load(self.change_entry)
        return Change.from_row(row) if row else None


@strawberry.type(description="An organization as the edit left it.")
class OrganizationPayload(Outcome):
    organization: Organization | None = strawberry.field(
        description="The organization now; null when the edit was refused."
    )


@strawberry.type(description="An agreement as the edit left it.")
class AgreementPayload(Outcome):
    agreement: Agreement | None = strawberry.field(
        description="The agreement now; null when the edit was refused."
    )


@strawberry.type(description="A person as the edit left them.")
class PersonPayload(Outcome):
    person: Person | None = strawberry.field(
        description="The person now; null when the edit was refused."
    )


@strawberry.type(description="A seat as the edit left it.")
class RepresentationPayload(Outcome):
    representation: Representation | None = strawberry.field(
        description="The seat now; null when the edit was refused."
    )


@strawberry.type(description="An initiative as the edit left it.")
class InitiativePayload(Outcome):
    initiative: Initiative | None = strawberry.field(
        description="The initiative now; null when the edit was refused."
    )


@strawberry.type(description="A deletion.")
class DeletePayload(Outcome):
    deleted_id: strawberry.ID | None = strawberry.field(
        description="The deleted record's ID; null when the deletion was refused."
    )


@strawberry.type(description="A restored record, as its deletion found it.")
class RestorePayload(Outcome):
    record: Node | None = strawberry.field(
        description="The record now; null when the restore was refused."
    )


@strawberry.type(description="An undone change.")
class RevertChangePayload(Outcome):
    record: Node | None = strawberry.field(
        description="The record now; null when the undo deleted it or was refused."
    )
    record_id: strawberry.ID | None = strawberry.field(
        description="The record's ID, also when the undo deleted it."
    )
