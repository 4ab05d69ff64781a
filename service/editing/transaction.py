"""One edit, one transaction: lock the record, check the version the editor read, work out
the record after the edit, validate it as the loader validates a file, write it with the
loader's writes, refresh the search index and the ties, move the revision and append the
audit entry. Any refusal or failure rolls all of it back, the audit entry included.

What an edit costs does not grow with the directory: it reads the records it checks
against, writes one record, indexes again only the search documents that record changes,
and replaces only the ties with an end among the bodies it may affect (`tie_ends`, read
before the write for the old references and after it for the new).

Concurrent edits queue on the record's row (PostgreSQL: `SELECT ... FOR UPDATE`, then the
revision row) or on SQLite's write lock (`BEGIN IMMEDIATE`), so the version an edit checks
is the latest committed one: of twenty edits from the same version, exactly one succeeds.
"""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.changes import CHANGE, Entry, append
from service.data.dataset import field_problems, record_problems
from service.data.engine import for_edits, for_reads, for_writes
from service.data.loader import (
    SECTIONS,
    Plan,
    SectionPlan,
    refresh_derived,
    snapshot_from_database,
    write_records,
)
from service.data.models import RECORD_TABLES, ChangeOperation
from service.data.records import TYPE_OF_SECTION, file_shape, record_of, values_of
from service.data.search_index import forget_documents
from service.data.ties import tie_ends
from service.editing.evidence import Cited, Evidence, attach, check
from service.editing.problems import (
    Problem,
    Refusal,
    UserErrorCode,
    code_of,
    input_path,
    refuse,
)
from service.editing.references import documents, known_for, referrers
from service.editing.turns import RandomTurns

Shape = dict[str, Any]
# The record after the edit, from the record before it (None: absent), on the edit's
# connection; None deletes it. Raises Refusal for what the editor can fix.
NextState = Callable[[AsyncConnection, Shape | None], Awaitable[Shape | None]]


@dataclass(frozen=True)
class Edit:
    section: str
    slug: str
    operation: ChangeOperation
    next_state: NextState
    expected_version: int | None = None  # None: the edit does not name one (create, restore)
    evidence: Evidence | None = None  # required for a state that is not None, except revert
    note: str | None = None  # why, for a deletion or a revert
    reverts: int | None = None


@dataclass(frozen=True)
class Outcome:
    record_type: str
    slug: str
    version: int | None  # after the edit; the deleted version for a deletion
    change_id: int
    revision: int


async def commit(engine: AsyncEngine, edit: Edit, *, actor: str, request_id: str | None) -> Outcome:
    """Apply `edit` as `actor` in one transaction, or raise Refusal having changed nothing.

    An edit from a version already gone is refused before it queues for the write lock:
    the check inside the transaction is the one that counts, this one spares the editor a
    wait (and, with many editors on one record, keeps the one that just won from winning
    every round while the others wait their turn only to learn they lost)."""
    if edit.expected_version is not None:
        async with for_reads(engine).connect() as conn:
            _check_version(edit, await _current_version(conn, edit.section, edit.slug))
    try:
        async with _turn(engine), for_edits(engine).connect() as conn, conn.begin():
            return await _apply(conn, edit, actor=actor, request_id=request_id)
    except IntegrityError as error:
        # Two creations of one slug at once: the second finds it taken only on insert.
        raise refuse(
            UserErrorCode.CONFLICT, f"{edit.slug!r} was just created by another edit", "slug"
        ) from error


_TURNS: "WeakKeyDictionary[Any, RandomTurns]" = WeakKeyDictionary()


def _turn(engine: AsyncEngine) -> contextlib.AbstractAsyncContextManager[Any]:
    """On SQLite, a process's edits take turns before they wait for the write lock
    (service/editing/turns.py); PostgreSQL queues them on the row locks itself."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    key = for_writes(engine).sync_engine
    turns = _TURNS.get(key)
    if turns is None:
        turns = _TURNS[key] = RandomTurns()
    return turns


def _check_version(edit: Edit, version: int | None) -> None:
    """The version the edit names, against the record's (None: no such record)."""
    if edit.expected_version is None:
        return
    if version is None:
        raise refuse(UserErrorCode.NOT_FOUND, "no such record", "id")
    if version == edit.expected_version:
        return
    if edit.reverts is not None:
        raise refuse(
            UserErrorCode.CONFLICT,
            f"the record changed since (it is at version {version}, the change left "
            f"it at {edit.expected_version}): revert the later changes first",
            "id",
        )
    raise refuse(
        UserErrorCode.CONFLICT,
        f"the record is at version {version}, not {edit.expected_version}: "
        "read it again and reapply the change",
        "expectedVersion",
    )


async def _current_version(
    conn: AsyncConnection, section: str, slug: str, *, lock: bool = False
) -> int | None:
    table = RECORD_TABLES[TYPE_OF_SECTION[section]]
    query = sa.select(table.c.version).where(table.c.slug == slug)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await conn.execute(query)).scalar()


async def _apply(
    conn: AsyncConnection, edit: Edit, *, actor: str, request_id: str | None
) -> Outcome:
    section, slug = edit.section, edit.slug
    version = await _current_version(conn, section, slug, lock=True)
    _check_version(edit, version)
    current = (await snapshot_from_database(conn, {section: [slug]}))[section].get(slug)
    before = None if current is None else file_shape(section, slug, current)
    after = await edit.next_state(conn, before)
    registered = await documents(conn)
    cited: Cited | None = None
    evidence_problems: tuple[Problem, ...] = ()
    if after is not None and edit.evidence is not None:
        try:
            cited = check(edit.evidence, registered)
            after = attach(section, after, cited, actor)
        except Refusal as refusal:
            # Reported with the record's own problems, all at once; the record is checked
            # as if the evidence held, so it is not also said to lack any.
            evidence_problems = refusal.problems
            after = attach(section, after, Cited(None, None, "-"), actor)
    if after is None:
        if current is None:
            raise refuse(UserErrorCode.NOT_FOUND, "no such record", "id")
        in_use = await referrers(conn, section, slug)
        if in_use:
            listed = ", ".join(in_use[:5]) + (
                f" and {len(in_use) - 5} more" if len(in_use) > 5 else ""
            )
            raise refuse(UserErrorCode.IN_USE, f"still referred to by {listed}", "id")
        values = None
    else:
        document = _document_of(current, cited, registered)
        try:
            values = await _validated(
                conn, section, after, registered.get(document or ""), document
            )
        except Refusal as refusal:
            raise Refusal((*evidence_problems, *refusal.problems)) from None
        if evidence_problems:
            raise Refusal(evidence_problems)
        if values == current:
            raise refuse(UserErrorCode.INVALID, "the edit changes nothing")
    plan = _plan(section, slug, current, values)
    ends = await tie_ends(conn, section, slug, current, values)  # the old references
    changed = _documents(section, slug, current, values)
    await forget_documents(conn, changed)
    await write_records(conn, plan, lambda _step: None)
    ends |= await tie_ends(conn, section, slug, current, values)  # the new ones
    table = RECORD_TABLES[TYPE_OF_SECTION[section]]
    if values is not None and current is None:
        await _continue_versions(conn, section, slug)
    new_version = (
        version
        if values is None
        else (await conn.execute(sa.select(table.c.version).where(table.c.slug == slug))).scalar()
    )
    revision = await refresh_derived(
        conn, lambda _step: None, documents=changed, tie_ends=ends,
    )  # fmt: skip
    (change_id,) = await append(
        conn,
        [
            Entry(
                edit.operation,
                TYPE_OF_SECTION[section],
                slug,
                new_version,
                before,
                None if values is None else file_shape(section, slug, values),
                evidence_document=cited.document if cited else None,
                evidence_quote=cited.quote if cited else None,
                editorial_note=cited.note if cited and cited.note else edit.note,
                reverts=edit.reverts,
            )
        ],
        actor=actor,
        request_id=request_id,
    )
    return Outcome(TYPE_OF_SECTION[section], slug, new_version, change_id, revision)


async def _continue_versions(conn: AsyncConnection, section: str, slug: str) -> None:
    """A record created again (restored, or a deletion reverted) continues the versions it
    had, so that no version of one record ever names two different states."""
    last = (
        await conn.execute(
            sa.select(sa.func.max(CHANGE.c.version)).where(
                CHANGE.c.record_type == TYPE_OF_SECTION[section], CHANGE.c.record_slug == slug
            )
        )
    ).scalar()
    if last is not None:
        table = RECORD_TABLES[TYPE_OF_SECTION[section]]
        await conn.execute(sa.update(table).where(table.c.slug == slug).values(version=last + 1))


def _document_of(current: Any, cited: Cited | None, registered: dict[str, str]) -> str | None:
    """The document the record's quotes are from: the one just cited, else the one its
    quotes already name, else the only one registered."""
    if cited is not None and cited.document is not None:
        return cited.document
    if current is not None:
        named = current.get("source_document") or next(
            (document for document, _quote in current.get("sources", ())), None
        )
        if named:
            return str(named)
    return next(iter(registered)) if len(registered) == 1 else None


async def _validated(
    conn: AsyncConnection, section: str, shaped: Shape, source: str | None, document: str | None
) -> dict[str, Any]:
    """The record's values, if the loader would accept the record; else the refusal, with
    the loader's own words for each problem."""
    try:
        record = record_of(section, shaped)
    except ValidationError as error:
        raise Refusal(
            Problem(input_path(loc), message, UserErrorCode.INVALID)
            for loc, message in field_problems(error)
        ) from None
    problems = [
        Problem(input_path(loc), message, code_of(message))
        for loc, message in record_problems(section, record, await known_for(conn, record, source))
    ]
    if problems:
        raise Refusal(problems)
    return values_of(record, document or "")


def _documents(
    section: str, slug: str, current: Any, values: dict[str, Any] | None
) -> dict[str, set[str]]:
    """The search documents the edit changes: the record's own, and a seat's person's
    (whose document holds the roles of their seats), before and after."""
    found = {TYPE_OF_SECTION[section]: {slug}}
    if section == "representations":
        found["Person"] = {state["person"] for state in (current, values) if state is not None}
    return found


def _plan(section: str, slug: str, current: Any, values: dict[str, Any] | None) -> Plan:
    if values is None:
        one = SectionPlan(removed=(slug,))
    elif current is None:
        one = SectionPlan(added=(slug,))
    else:
        one = SectionPlan(changed=(slug,))
    sections = {name: one if name == section else SectionPlan() for name in SECTIONS}
    target: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    if values is not None:
        target[section] = {slug: values}
    return Plan(sections=sections, prune=values is None, target=target)
