"""What a record refers to and what refers to it, read for the one record being written:
the loader's reference checks need to know which organizations and people exist (and the
parents, for cycles); a deletion needs to know whether anything still points at it."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.dataset import Known, Record, RepresentationRecord, normalize_whitespace
from service.data.models import (
    AGREEMENT_TABLE,
    DOCUMENT_TABLE,
    INITIATIVE_ORGANIZATION_TABLE,
    INITIATIVE_TABLE,
    ORGANIZATION_TABLE,
    PARTY_TABLE,
    PERSON_TABLE,
    REPRESENTATION_TABLE,
)

ORG, PERSON, AGREEMENT, PARTY = ORGANIZATION_TABLE, PERSON_TABLE, AGREEMENT_TABLE, PARTY_TABLE
SEAT, INITIATIVE, MEMBER = REPRESENTATION_TABLE, INITIATIVE_TABLE, INITIATIVE_ORGANIZATION_TABLE


async def documents(conn: AsyncConnection) -> dict[str, str]:
    """The registered source documents, by name."""
    rows = await conn.execute(sa.select(DOCUMENT_TABLE.c.name, DOCUMENT_TABLE.c.text))
    return {row[0]: row[1] for row in rows.all()}


async def known_for(conn: AsyncConnection, record: Record, source: str | None) -> Known:
    """What the record checks need: every organization with its parent (a chain may run
    through any of them), and the person a seat names if there is one."""
    parent = ORG.alias("parent")
    rows = await conn.execute(
        sa.select(ORG.c.slug, parent.c.slug).outerjoin(parent, parent.c.id == ORG.c.parent_id)
    )
    people: set[str] = set()
    if isinstance(record, RepresentationRecord):
        found = await conn.execute(sa.select(PERSON.c.slug).where(PERSON.c.slug == record.person))
        people = {slug for (slug,) in found.all()}
    return Known(
        parents={row[0]: row[1] for row in rows.all()},
        people=people,
        source=None if source is None else normalize_whitespace(source),
    )


async def referrers(conn: AsyncConnection, section: str, slug: str) -> list[str]:
    """The records that still refer to an organization or a person, as `section[slug]`."""
    if section == "people":
        found = await conn.execute(
            sa.select(SEAT.c.slug).join(PERSON, PERSON.c.id == SEAT.c.person_id)
            .where(PERSON.c.slug == slug).order_by(SEAT.c.slug)
        )  # fmt: skip
        return [f"representations[{s}]" for (s,) in found.all()]
    if section != "organizations":
        return []
    org_id = sa.select(ORG.c.id).where(ORG.c.slug == slug).scalar_subquery()
    queries: Sequence[tuple[str, sa.Select[tuple[str]]]] = (
        ("organizations", sa.select(ORG.c.slug).where(ORG.c.parent_id == org_id)),
        (
            "agreements",
            sa.select(AGREEMENT.c.slug).where(
                sa.or_(
                    AGREEMENT.c.establishes_id == org_id,
                    AGREEMENT.c.id.in_(
                        sa.select(PARTY.c.agreement_id).where(PARTY.c.organization_id == org_id)
                    ),
                )
            ),
        ),
        (
            "representations",
            sa.select(SEAT.c.slug).where(
                sa.or_(SEAT.c.organization_id == org_id, SEAT.c.on_behalf_of_id == org_id)
            ),
        ),
        (
            "initiatives",
            sa.select(INITIATIVE.c.slug).where(
                INITIATIVE.c.id.in_(
                    sa.select(MEMBER.c.initiative_id).where(MEMBER.c.organization_id == org_id)
                )
            ),
        ),
    )
    found_all: list[str] = []
    for name, query in queries:
        rows = await conn.execute(query.order_by(query.selected_columns[0]))
        found_all.extend(f"{name}[{s}]" for (s,) in rows.all())
    return found_all
