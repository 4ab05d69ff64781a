"""The edits the API offers, each as the record's next state: create, update, delete,
restore a deleted record, revert one change. The transaction (transaction.py) does the rest,
the same way for all of them."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.changes import CHANGE
from service.data.engine import for_reads
from service.data.models import ChangeOperation
from service.data.records import SECTION_OF_TYPE, TYPE_OF_SECTION
from service.editing.evidence import Evidence
from service.editing.problems import UserErrorCode, refuse
from service.editing.transaction import Edit, Shape

Fields = dict[str, Any]  # file-shaped fields; None clears an optional field


def create(section: str, slug: str, fields: Fields, evidence: Evidence) -> Edit:
    async def next_state(_conn: AsyncConnection, before: Shape | None) -> Shape | None:
        if before is not None:
            taken = "a seat at that body" if section == "representations" else "that slug"
            raise refuse(UserErrorCode.INVALID, f"a record already has {taken}: {slug!r}", "slug")
        shaped = dict(fields) if section == "representations" else {"slug": slug, **fields}
        return {key: value for key, value in shaped.items() if value is not None}

    return Edit(section, slug, ChangeOperation.CREATE, next_state, evidence=evidence)


def update(
    section: str, slug: str, expected_version: int, fields: Fields, evidence: Evidence
) -> Edit:
    async def next_state(_conn: AsyncConnection, before: Shape | None) -> Shape | None:
        assert before is not None  # the version check found it
        merged = {**before, **fields}
        return {key: value for key, value in merged.items() if value is not None}

    return Edit(
        section,
        slug,
        ChangeOperation.UPDATE,
        next_state,
        expected_version=expected_version,
        evidence=evidence,
    )


def delete(section: str, slug: str, expected_version: int, reason: str | None) -> Edit:
    async def next_state(_conn: AsyncConnection, _before: Shape | None) -> Shape | None:
        return None

    return Edit(
        section,
        slug,
        ChangeOperation.DELETE,
        next_state,
        expected_version=expected_version,
        note=reason,
    )


def restore(section: str, slug: str, reason: str | None) -> Edit:
    """The record as its latest deletion found it."""

    async def next_state(conn: AsyncConnection, before: Shape | None) -> Shape | None:
        if before is not None:
            raise refuse(UserErrorCode.INVALID, "the record is not deleted", "id")
        deleted = (
            await conn.execute(
                sa.select(CHANGE.c.before)
                .where(
                    CHANGE.c.record_type == TYPE_OF_SECTION[section],
                    CHANGE.c.record_slug == slug,
                    CHANGE.c.after.is_(None),
                    CHANGE.c.before.is_not(None),
                )
                .order_by(CHANGE.c.id.desc())
                .limit(1)
            )
        ).scalar()
        if deleted is None:
            raise refuse(UserErrorCode.NOT_FOUND, "no deleted record has this id", "id")
        return dict(deleted)

    return Edit(section, slug, ChangeOperation.RESTORE, next_state, note=reason)


async def revert(engine: AsyncEngine, change_id: int, reason: str | None) -> Edit:
    """Undo one change: the record goes back to the state before it, provided it is still
    in the state the change left it in (else CONFLICT: revert the later changes first)."""
    async with for_reads(engine).connect() as conn:
        entry = (
            await conn.execute(
                sa.select(
                    CHANGE.c.record_type, CHANGE.c.record_slug, CHANGE.c.version,
                    CHANGE.c.before, CHANGE.c.after,
                ).where(CHANGE.c.id == change_id)
            )
        ).first()  # fmt: skip
    if entry is None or entry.record_type not in SECTION_OF_TYPE:
        raise refuse(UserErrorCode.NOT_FOUND, "no such change", "id")
    section = SECTION_OF_TYPE[entry.record_type]
    earlier: Shape | None = None if entry.before is None else dict(entry.before)

    async def next_state(_conn: AsyncConnection, before: Shape | None) -> Shape | None:
        if entry.after is None and before is not None:
            raise refuse(
                UserErrorCode.CONFLICT,
                "the record was created again since this change; revert that first",
                "id",
            )
        return earlier

    return Edit(
        section,
        entry.record_slug,
        ChangeOperation.REVERT,
        next_state,
        expected_version=None if entry.after is None else entry.version,
        note=reason,
        reverts=change_id,
    )
