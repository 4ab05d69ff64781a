"""The Mutation root. Editors create and update; admins also delete, restore and revert.
Each mutation is one transaction (service/editing/transaction.py); a refusal is a
`userErrors` entry and changes nothing, the audit trail included."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import strawberry

from service.auth.principal import Role
from service.data import queries
from service.data.engine import for_reads
from service.data.records import SECTION_OF_TYPE
from service.editing import operations
from service.editing.evidence import Evidence
from service.editing.problems import Problem, Refusal, UserErrorCode, refuse
from service.editing.transaction import Edit, Outcome, commit
from service.graphql.access import require
from service.graphql.context import Info
from service.graphql.errors import BadUserInput
from service.graphql.ids import decode_id, encode_id
from service.graphql.mutations.inputs import (
    CreateAgreementInput,
    CreateInitiativeInput,
    CreateOrganizationInput,
    CreatePersonInput,
    CreateRepresentationInput,
    DeleteInput,
    EvidenceInput,
    RestoreInput,
    RevertChangeInput,
    UpdateAgreementInput,
    UpdateInitiativeInput,
    UpdateOrganizationInput,
    UpdatePersonInput,
    UpdateRepresentationInput,
    record_fields,
)
from service.graphql.mutations.payloads import (
    AgreementPayload,
    DeletePayload,
    InitiativePayload,
    OrganizationPayload,
    PersonPayload,
    RepresentationPayload,
    RestorePayload,
    RevertChangePayload,
    UserError,
)
from service.graphql.query import BUILDERS
from service.http.observability import current_request

INPUT = strawberry.argument(description="The edit (see its input type).")


def _evidence(given: EvidenceInput) -> Evidence:
    return Evidence(document=given.document, quote=given.quote, note=given.editorial_note)


def _slug_of(global_id: str, type_name: str) -> str:
    """The slug an ID names, if it is an ID of `type_name`; a refusal otherwise."""
    try:
        found_type, slug = decode_id(global_id)
    except BadUserInput as error:
        raise refuse(UserErrorCode.INVALID, error.message, "id") from None
    if found_type != type_name:
        raise refuse(UserErrorCode.NOT_FOUND, f"no {type_name} has this ID", "id")
    return slug


class Done:
    """A mutation's result: the outcome, or the problems that refused it."""

    def __init__(self, outcome: Outcome | None, errors: list[UserError]) -> None:
        self.outcome = outcome
        self.errors = errors

    @property
    def reported(self) -> dict[str, Any]:
        """What every payload carries besides the record (payloads.Outcome)."""
        entry = None if self.outcome is None else self.outcome.change_id
        return {"change_entry": entry, "user_errors": self.errors}

    async def record(self, info: Info) -> Any:
        """The record as it now is, read after the commit (null if refused or deleted)."""
        if self.outcome is None or self.outcome.version is None:
            return None
        outcome = self.outcome
        async with for_reads(info.context.engine).connect() as conn:
            rows = await queries.by_slugs(conn, outcome.record_type, [outcome.slug])
        return BUILDERS[outcome.record_type](rows[0]) if rows else None


MAX_USER_ERRORS = 20


def _reported(problems: Sequence[Problem]) -> list[UserError]:
    """The first problems, and one line for the rest: an answer stays small whatever the
    input's length (a list of thousands of bad slugs)."""
    errors = [UserError.of(problem) for problem in problems[:MAX_USER_ERRORS]]
    rest = problems[MAX_USER_ERRORS:]
    if rest:
        summary = Problem(None, f"and {len(rest)} more problems like these", rest[0].code)
        errors.append(UserError.of(summary))
    return errors


async def _run(info: Info, role: Role, edit: Callable[[], Awaitable[Edit]]) -> Done:
    principal = await require(info, role)
    record = current_request()
    try:
        outcome = await commit(
            info.context.engine,
            await edit(),
            actor=principal.name,
            request_id=record.request_id if record else None,
        )
    except Refusal as refusal:
        return Done(None, _reported(refusal.problems))
    info.context.revision_committed(outcome.revision)
    return Done(outcome, [])


def _create(section: str, slug: str, data: Any) -> Callable[[], Awaitable[Edit]]:
    async def edit() -> Edit:
        return operations.create(section, slug, record_fields(data), _evidence(data.evidence))

    return edit


def _update(type_name: str, data: Any) -> Callable[[], Awaitable[Edit]]:
    async def edit() -> Edit:
        return operations.update(
            SECTION_OF_TYPE[type_name],
            _slug_of(data.id, type_name),
            data.expected_version,
            record_fields(data),
            _evidence(data.evidence),
        )

    return edit


def _delete(type_name: str, data: DeleteInput) -> Callable[[], Awaitable[Edit]]:
    async def edit() -> Edit:
        return operations.delete(
            SECTION_OF_TYPE[type_name],
            _slug_of(data.id, type_name),
            data.expected_version,
            data.reason,
        )

    return edit


async def _deleted(info: Info, type_name: str, data: DeleteInput) -> DeletePayload:
    done = await _run(info, Role.ADMIN, _delete(type_name, data))
    return DeletePayload(
        deleted_id=data.id if done.outcome else None,
        **done.reported,
    )


@strawberry.type(
    description="Edits. Each takes one `input` and answers a payload whose `userErrors` list "
    "what to fix when the edit was refused (nothing changes then). Needs "
    "`Authorization: Bearer <token>`: editors create and update, admins also delete, "
    "restore and revert."
)
class Mutation:
    @strawberry.mutation(description="Record a new organization.")
    async def create_organization(
        self, info: Info, input: Annotated[CreateOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        done = await _run(info, Role.EDITOR, _create("organizations", input.slug, input))
        return OrganizationPayload(
            organization=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Change an organization, from the version you read.")
    async def update_organization(
        self, info: Info, input: Annotated[UpdateOrganizationInput, INPUT]
    ) -> OrganizationPayload:
        done = await _run(info, Role.EDITOR, _update("Organization", input))
        return OrganizationPayload(
            organization=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Delete an organization nothing refers to any more.")
    async def delete_organization(
        self, info: Info, input: Annotated[DeleteInput, INPUT]
    ) -> DeletePayload:
        return await _deleted(info, "Organization", input)

    @strawberry.mutation(description="Record a new agreement.")
    async def create_agreement(
        self, info: Info, input: Annotated[CreateAgreementInput, INPUT]
    ) -> AgreementPayload:
        done = await _run(info, Role.EDITOR, _create("agreements", input.slug, input))
        return AgreementPayload(
            agreement=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Change an agreement, from the version you read.")
    async def update_agreement(
        self, info: Info, input: Annotated[UpdateAgreementInput, INPUT]
    ) -> AgreementPayload:
        done = await _run(info, Role.EDITOR, _update("Agreement", input))
        return AgreementPayload(
            agreement=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Delete an agreement.")
    async def delete_agreement(
        self, info: Info, input: Annotated[DeleteInput, INPUT]
    ) -> DeletePayload:
        return await _deleted(info, "Agreement", input)

    @strawberry.mutation(description="Record a new person.")
    async def create_person(
        self, info: Info, input: Annotated[CreatePersonInput, INPUT]
    ) -> PersonPayload:
        done = await _run(info, Role.EDITOR, _create("people", input.slug, input))
        return PersonPayload(person=await done.record(info), **done.reported)

    @strawberry.mutation(description="Change a person, from the version you read.")
    async def update_person(
        self, info: Info, input: Annotated[UpdatePersonInput, INPUT]
    ) -> PersonPayload:
        done = await _run(info, Role.EDITOR, _update("Person", input))
        return PersonPayload(person=await done.record(info), **done.reported)

    @strawberry.mutation(description="Delete a person who holds no seat any more.")
    async def delete_person(
        self, info: Info, input: Annotated[DeleteInput, INPUT]
    ) -> DeletePayload:
        return await _deleted(info, "Person", input)

    @strawberry.mutation(description="Record a new seat (representation).")
    async def create_representation(
        self, info: Info, input: Annotated[CreateRepresentationInput, INPUT]
    ) -> RepresentationPayload:
        slug = f"{input.person}--{input.organization}"
        done = await _run(info, Role.EDITOR, _create("representations", slug, input))
        return RepresentationPayload(
            representation=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Change a seat, from the version you read.")
    async def update_representation(
        self, info: Info, input: Annotated[UpdateRepresentationInput, INPUT]
    ) -> RepresentationPayload:
        done = await _run(info, Role.EDITOR, _update("Representation", input))
        return RepresentationPayload(
            representation=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Delete a seat.")
    async def delete_representation(
        self, info: Info, input: Annotated[DeleteInput, INPUT]
    ) -> DeletePayload:
        return await _deleted(info, "Representation", input)

    @strawberry.mutation(description="Record a new joint initiative.")
    async def create_initiative(
        self, info: Info, input: Annotated[CreateInitiativeInput, INPUT]
    ) -> InitiativePayload:
        done = await _run(info, Role.EDITOR, _create("initiatives", input.slug, input))
        return InitiativePayload(
            initiative=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Change an initiative, from the version you read.")
    async def update_initiative(
        self, info: Info, input: Annotated[UpdateInitiativeInput, INPUT]
    ) -> InitiativePayload:
        done = await _run(info, Role.EDITOR, _update("Initiative", input))
        return InitiativePayload(
            initiative=await done.record(info),
            **done.reported,
        )

    @strawberry.mutation(description="Delete an initiative.")
    async def delete_initiative(
        self, info: Info, input: Annotated[DeleteInput, INPUT]
    ) -> DeletePayload:
        return await _deleted(info, "Initiative", input)

    @strawberry.mutation(description="Bring back a deleted record as its deletion found it.")
    async def restore_record(
        self, info: Info, input: Annotated[RestoreInput, INPUT]
    ) -> RestorePayload:
        async def edit() -> Edit:
            try:
                type_name, slug = decode_id(input.id)
            except BadUserInput as error:
                raise refuse(UserErrorCode.INVALID, error.message, "id") from None
            if type_name not in SECTION_OF_TYPE:
                raise refuse(UserErrorCode.NOT_FOUND, "no deleted record has this ID", "id")
            return operations.restore(SECTION_OF_TYPE[type_name], slug, input.reason)

        done = await _run(info, Role.ADMIN, edit)
        return RestorePayload(record=await done.record(info), **done.reported)

    @strawberry.mutation(
        description="Undo one change (`Change.id`): the record goes back to its state before "
        "it. The undo is itself a change (REVERT); a record that changed again since is a "
        "CONFLICT."
    )
    async def revert_change(
        self, info: Info, input: Annotated[RevertChangeInput, INPUT]
    ) -> RevertChangePayload:
        async def edit() -> Edit:
            try:
                type_name, key = decode_id(input.id)
            except BadUserInput as error:
                raise refuse(UserErrorCode.INVALID, error.message, "id") from None
            if type_name != "Change" or not key.isdigit():
                raise refuse(UserErrorCode.NOT_FOUND, "no such change", "id")
            return await operations.revert(info.context.engine, int(key), input.reason)

        done = await _run(info, Role.ADMIN, edit)
        outcome = done.outcome
        return RevertChangePayload(
            record=await done.record(info),
            record_id=None
            if outcome is None
            else strawberry.ID(encode_id(outcome.record_type, outcome.slug)),
            **done.reported,
        )
