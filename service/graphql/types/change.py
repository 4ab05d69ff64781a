"""Change: one entry of the audit trail, and the connections that read it.

Only editors and admins read the trail: `Query.changes`, each record's `history` and
`node(id:)` of a Change first `require` the editor role, so an anonymous caller is refused
the same way whether or not an entry exists. Entries are read oldest first (ascending id),
a log a client resumes with `after`; `last: N` gives the newest N. The resolver path alone
serves them: the compiler declines these fields and the request falls back whole.
"""

from datetime import UTC, datetime
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from service.auth.principal import Role
from service.data import queries
from service.graphql.access import require
from service.graphql.context import Info
from service.graphql.errors import BadUserInput, plain
from service.graphql.filters import ChangeFilter
from service.graphql.ids import NODE_TYPES, decode_id, encode_id
from service.graphql.paging import paginate
from service.graphql.types.connection import After, Before, Connection, First, Last
from service.graphql.types.enums import ChangeOperation
from service.graphql.types.node import Node
from service.graphql.types.source import SourceExcerpt


def utc(moment: datetime) -> datetime:
    """A time in UTC: SQLite hands stored times back without their zone (they are UTC), and a
    client's time without an offset is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@strawberry.type(
    description="One entry of the audit trail: a change to one record, who made it, when, "
    "and on what evidence. Editors and admins only."
)
class Change(Node):
    db_id: strawberry.Private[int]
    record_type: strawberry.Private[str]
    record_slug: strawberry.Private[str]
    reverts_id: strawberry.Private[int | None]
    at: datetime = strawberry.field(description="When the change was made (UTC).")
    actor: str = strawberry.field(
        description='Who made it: the account name of the token or sign-on, "loader" for the '
        "seed loader."
    )
    operation: ChangeOperation = strawberry.field(description="What the change did.")
    version: int | None = strawberry.field(
        description="The record's `version` after the change (for a deletion, the version deleted)."
    )
    before: JSON | None = strawberry.field(
        description="The record before the change, as the dataset file writes it; null for a "
        "creation (and the first load)."
    )
    after: JSON | None = strawberry.field(
        description="The record after the change, as the dataset file writes it; null for a "
        "deletion."
    )
    evidence: SourceExcerpt | None = strawberry.field(
        description="The quote the change rests on, verbatim from a registered source "
        "document; null when it rests on an editorial note (or for a load)."
    )
    editorial_note: str | None = strawberry.field(
        description="The editor's note the change rests on, where it gives one."
    )
    request_id: str | None = strawberry.field(
        description="The id of the HTTP request that made the change (its X-Request-ID), to "
        "find it in the logs; null for a load."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        evidence = None
        if row.evidence_quote is not None:
            evidence = SourceExcerpt(document=row.evidence_document or "", quote=row.evidence_quote)
        return cls(
            db_id=row.id,
            slug=str(row.id),
            record_type=row.record_type,
            record_slug=row.record_slug,
            reverts_id=row.reverts,
            at=utc(row.at),
            actor=row.actor,
            operation=ChangeOperation(row.operation),
            version=row.version,
            before=row.before,
            after=row.after,
            evidence=evidence,
            editorial_note=row.editorial_note,
            request_id=row.request_id,
        )

    @strawberry.field(
        description="The ID of the record changed: valid even once the record is deleted."
    )
    def record_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id(self.record_type, self.record_slug))

    @strawberry.field(description="The record changed, as it is now; null if it is deleted.")
    async def record(self, info: Info) -> Node | None:
        from service.graphql.query import BUILDERS

        row = await info.context.loaders.by_slug[self.record_type].load(self.record_slug)
        return BUILDERS[self.record_type](row) if row else None

    @strawberry.field(description="For a REVERT: the change it undid. Otherwise null.")
    async def reverts(self, info: Info) -> "Change | None":
        if self.reverts_id is None:
            return None
        row = await info.context.loaders.changes.load(self.reverts_id)
        return Change.from_row(row) if row else None


def change_conditions(given: ChangeFilter | None) -> dict[str, Any]:
    """A ChangeFilter as the audit trail query's conditions (`queries.changes_query`), shared
    by the `changes` connection and subscription; a filter that names no record, or ends
    before it begins, is the client's error."""
    f = given or ChangeFilter()
    record = None
    if f.record_id is not None:
        record = decode_id(f.record_id)
        if record[0] not in NODE_TYPES:
            raise BadUserInput("filter.recordId must be the ID of a record", argument="id")
    since, until = (utc(t) if t is not None else None for t in (f.since, f.until))
    if since is not None and until is not None and since > until:
        raise BadUserInput("filter.since must not be after filter.until")
    return {
        "record_type": str(f.record_type.value) if f.record_type else None,  # the type name
        "record": record,
        "actor": plain(f.actor, "filter.actor"),
        "operation": f.operation.name if f.operation else None,
        "since": since,
        "until": until,
    }


async def load_change(info: Info, slug: str) -> Change | None:
    """`node(id:)` of a Change: refused to all but editors before anything is read."""
    await require(info, Role.EDITOR)
    if not (slug.isascii() and slug.isdigit() and int(slug) < 2**31):
        return None
    row = await info.context.loaders.changes.load(int(slug))
    return Change.from_row(row) if row else None


async def history(
    root: Node,
    info: Info,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Change]:
    """A record's own entries of the audit trail (non-null, as the contract fixes it: an
    anonymous caller's refusal nulls the record that asked)."""
    await require(info, Role.EDITOR)
    query = queries.changes_query(record=(type(root).__name__, root.slug))
    return await paginate(
        info, query, queries.CHANGES_BY_ID, Change.from_row,
        first=first, after=after, last=last, before=before,
    )  # fmt: skip


HISTORY_DESCRIPTION = (
    "This record's audit trail, oldest first (`last: N` for the newest N): every load and "
    "edit that created or changed it. Editors and admins only."
)
