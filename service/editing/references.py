"""What a record refers to and what refers to it, read for the one record being written:
the loader's reference checks need to know whether the organizations and the person it
names exist (and a new parent's ancestors, for cycles); a deletion needs to know whether
anything still points at it. Both read only what the record names, never the directory."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.dataset import (
    ROLE_FIELDS,
    AgreementRecord,
    InitiativeRecord,
    Known,
    OrganizationRecord,
    Record,
    RepresentationRecord,
    normalize_whitespace,
)
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


def _referenced(record: Record) -> set[str]:
    """The organizations a record names."""
    if isinstance(record, OrganizationRecord):
        return {record.parent} if record.parent else set()
    if isinstance(record, AgreementRecord):
        return {*record.parties, *([record.establishes] if record.establishes else [])}
    if isinstance(record, RepresentationRecord):
        return {record.organization, record.on_behalf_of}
    if isinstance(record, InitiativeRecord):
        return {slug for field, _role in ROLE_FIELDS for slug in getattr(record, field)}
    return set()


async def known_for(conn: AsyncConnection, record: Record, source: str | None) -> Known:
    """What the record checks need: the organizations it names that exist, each with its
    chain of ancestors (a new parent's chain is where a cycle would close), and the person
    a seat names if there is one. Its cost follows the record, not the directory."""
    named = sorted(_referenced(record))
    parents: dict[str, str | None] = {}
    if named:
        parent = ORG.alias("parent")
        start = sa.select(ORG.c.id, ORG.c.slug, ORG.c.parent_id).where(ORG.c.slug.in_(named))
        chain = start.cte("chain", recursive=True)
        above = ORG.alias("above")
        step = sa.select(above.c.id, above.c.slug, above.c.parent_id).join(
            chain, above.c.id == chain.c.parent_id
        )
        if isinstance(record, OrganizationRecord):  # a loop back to the record ends there
            step = step.where(chain.c.slug != record.slug)
        chain = chain.union(step)
        rows = await conn.execute(
            sa.select(chain.c.slug, parent.c.slug).outerjoin(
                parent, parent.c.id == chain.c.parent_id
            )
        )
        parents = {row[0]: row[1] for row in rows.all()}
    people: set[str] = set()
    if isinstance(record, RepresentationRecord):
        found = await conn.execute(sa.select(PERSON.c.slug).where(PERSON.c.slug == record.person))
        people = {slug for (slug,) in found.all()}
    return Known(
        parents=parents,
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
