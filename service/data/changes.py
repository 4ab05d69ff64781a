"""The audit trail: every change to a record, appended in the same transaction as the change
(so an entry exists exactly when its change does), by the API and by the seed loader alike.

Entries are never updated or deleted (the database refuses to: migration 0007). They are
the history of every record, what `revertChange` and `restoreRecord` rebuild from, and the
log live updates follow.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.models import CHANGE_TABLE, ChangeOperation

CHANGE = CHANGE_TABLE
LOADER = "loader"  # the actor of the seed loader's changes


@dataclass(frozen=True)
class Entry:
    """One change to one record, as it is appended."""

    operation: ChangeOperation
    record_type: str
    record_slug: str
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    evidence_document: str | None = None
    evidence_quote: str | None = None
    editorial_note: str | None = None
    reverts: int | None = None


async def append(
    conn: AsyncConnection,
    entries: Sequence[Entry],
    *,
    actor: str,
    request_id: str | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Append `entries` in the caller's transaction; their ids, in order."""
    if not entries:
        return []
    when = at or datetime.now(UTC)
    rows = [
        {
            "at": when,
            "actor": actor,
            "operation": entry.operation.value,
            "record_type": entry.record_type,
            "record_slug": entry.record_slug,
            "version": entry.version,
            "before": entry.before,
            "after": entry.after,
            "evidence_document": entry.evidence_document,
            "evidence_quote": entry.evidence_quote,
            "editorial_note": entry.editorial_note,
            "request_id": request_id,
            "reverts": entry.reverts,
        }
        for entry in entries
    ]
    if len(rows) == 1:
        inserted = await conn.execute(sa.insert(CHANGE).returning(CHANGE.c.id), rows[0])
        return [inserted.scalar_one()]
    await conn.execute(sa.insert(CHANGE), rows)
    return []


async def edited_since_loaded(conn: AsyncConnection) -> list[tuple[str, str, str, str]]:
    """Records whose latest change came through the API rather than the loader:
    (record type, slug, operation, actor) of that change, by type and slug. A load that
    would overwrite or prune one of them needs --force."""
    latest = (
        sa.select(CHANGE.c.record_type, CHANGE.c.record_slug, sa.func.max(CHANGE.c.id).label("id"))
        .group_by(CHANGE.c.record_type, CHANGE.c.record_slug)
        .subquery()
    )
    rows = await conn.execute(
        sa.select(CHANGE.c.record_type, CHANGE.c.record_slug, CHANGE.c.operation, CHANGE.c.actor)
        .join(latest, latest.c.id == CHANGE.c.id)
        .where(CHANGE.c.operation != ChangeOperation.LOAD.value)
        .order_by(CHANGE.c.record_type, CHANGE.c.record_slug)
    )
    return [(t, s, o, a) for t, s, o, a in rows.all()]
