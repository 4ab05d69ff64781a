"""The seed loader: plan the difference between a dataset and the database by natural key,
then apply it in the caller's transaction.

Both sides are reduced to the same snapshot (section -> slug -> comparable values, with
references as slugs), so "what changed" is a dictionary comparison and a second load of the
same file finds nothing to do.
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.changes import LOADER, Entry, append, edited_since_loaded
from service.data.dataset import Dataset, documents_of, read_dataset
from service.data.engine import for_writes
from service.data.migrate import upgrade
from service.data.models import (
    AGREEMENT_TABLE,
    DOCUMENT_TABLE,
    INITIATIVE_ORGANIZATION_TABLE,
    INITIATIVE_TABLE,
    ORGANIZATION_SOURCE_TABLE,
    ORGANIZATION_TABLE,
    PARTY_TABLE,
    PERSON_TABLE,
    RECORD_TABLES,
    REGION_TABLE,
    REPRESENTATION_TABLE,
    REVISION_TABLE,
    ChangeOperation,
)
from service.data.records import SECTION_OF_TYPE, TYPE_OF_SECTION, Values, file_shape, values_of
from service.data.revision import announce
from service.data.search_index import index_documents, rebuild_search_index
from service.data.text import fold
from service.data.ties import rebuild_ties, refresh_ties, settle_ties

SECTIONS = ("organizations", "people", "agreements", "representations", "initiatives")
Snapshot = dict[str, dict[str, Values]]
Progress = Callable[[str], None]

ORG = ORGANIZATION_TABLE
PERSON = PERSON_TABLE
AGREEMENT = AGREEMENT_TABLE
PARTY = PARTY_TABLE
REPRESENTATION = REPRESENTATION_TABLE
INITIATIVE = INITIATIVE_TABLE
INITIATIVE_ORG = INITIATIVE_ORGANIZATION_TABLE
REGION = REGION_TABLE
ORG_SOURCE = ORGANIZATION_SOURCE_TABLE
REVISION = REVISION_TABLE
DOCUMENT = DOCUMENT_TABLE


@dataclass(frozen=True)
class SectionPlan:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """A record changed through the API since the last load, which this load would
    overwrite, prune or re-create: the latest change to it."""

    section: str
    slug: str
    operation: str
    actor: str


@dataclass(frozen=True)
class Plan:
    """What a load does; `removed` holds what the file no longer has (deleted only by prune)."""

    sections: dict[str, SectionPlan]
    prune: bool
    target: Snapshot = field(repr=False)
    current: Snapshot = field(repr=False, default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()

    @property
    def has_changes(self) -> bool:
        return any(
            s.added or s.changed or (self.prune and s.removed) for s in self.sections.values()
        )

    def summary(self, *, dry_run: bool = False) -> str:
        verb = "would be" if dry_run else "were"
        lines = []
        for name, section in self.sections.items():
            removed = len(section.removed) if self.prune else 0
            kept = "" if self.prune or not section.removed else f", {len(section.removed)} kept"
            lines.append(
                f"{name}: {len(section.added)} added, {len(section.changed)} changed, "
                f"{removed} removed{kept}"
            )
            lines.extend(_listing("+", section.added))
            lines.extend(_listing("~", section.changed))
            if self.prune:
                lines.extend(_listing("-", section.removed))
        if self.conflicts:
            lines.append(
                f"{len(self.conflicts)} record(s) changed through the API since the last load "
                "would be overwritten:"
            )
            lines.extend(
                f"  ! {c.section}[{c.slug}]: {c.operation} by {c.actor}" for c in self.conflicts
            )
        tail = f"changes {verb} applied" if self.has_changes else "nothing to change"
        if not self.prune and any(s.removed for s in self.sections.values()):
            tail += " (records missing from the file are kept; --prune removes them)"
        return "\n".join([*lines, tail])


def _listing(mark: str, slugs: tuple[str, ...], limit: int = 10) -> list[str]:
    """Name the records touched, but not a hundred thousand of them."""
    lines = [f"  {mark} {slug}" for slug in slugs[:limit]]
    if len(slugs) > limit:
        lines.append(f"  {mark} ... and {len(slugs) - limit} more")
    return lines


def from_file(path: Path) -> tuple[Snapshot, dict[str, str]]:
    """A dataset file as a load's target, with the source documents it quotes."""
    dataset = read_dataset(path)
    return snapshot_of(dataset), documents_of(path, dataset)


def snapshot_of(dataset: Dataset) -> Snapshot:
    """The dataset as the loader compares it."""
    return {
        section: {
            record.slug: values_of(record, dataset.document) for record in getattr(dataset, section)
        }
        for section in SECTIONS
    }


async def _rows(conn: AsyncConnection, query: sa.Select[Any]) -> Sequence[Any]:
    rows: Sequence[Any] = (await conn.execute(query)).all()
    return rows


def _grouped(rows: Iterable[Any]) -> dict[str, tuple[Any, ...]]:
    """(owner slug, value) rows, ordered by position, as owner slug -> tuple of values."""
    grouped: dict[str, list[Any]] = {}
    for owner, value in rows:
        grouped.setdefault(owner, []).append(value)
    return {owner: tuple(values) for owner, values in grouped.items()}


def _note(text: str | None, by: str | None) -> tuple[str, str] | None:
    return None if text is None else (text, by or "")


Only = Mapping[str, Collection[str]] | None
"""Sections and slugs to read (the API reads the records it writes); None reads them all."""


def _scoped(query: sa.Select[Any], table: sa.Table, section: str, only: Only) -> sa.Select[Any]:
    if only is None:
        return query
    return query.where(table.c.slug.in_(list(only.get(section, ()))))


async def snapshot_from_database(conn: AsyncConnection, only: Only = None) -> Snapshot:
    """The database as the loader compares it, references read as slugs by joins
    (positional rows: this runs over every row of a directory on a load)."""
    parent, party_org, est = ORG.alias("parent"), ORG.alias("party_org"), ORG.alias("est")

    async def rows(query: sa.Select[Any], table: sa.Table, section: str) -> Sequence[Any]:
        return await _rows(conn, _scoped(query, table, section, only))

    orgs = await rows(
        sa.select(
            ORG.c.slug, ORG.c.name, ORG.c.acronym, ORG.c.category, ORG.c.description,
            ORG.c.founded_year, ORG.c.website, parent.c.slug, ORG.c.editorial_note,
            ORG.c.editorial_note_by,
        ).outerjoin(parent, parent.c.id == ORG.c.parent_id),
        ORG, "organizations",
    )  # fmt: skip
    regions = _grouped(
        await rows(
            sa.select(ORG.c.slug, REGION.c.region)
            .select_from(REGION)
            .join(ORG, ORG.c.id == REGION.c.organization_id)
            .order_by(REGION.c.organization_id, REGION.c.position),
            ORG, "organizations",
        )
    )  # fmt: skip
    sources = _grouped(
        (owner, (document, quote))
        for owner, document, quote in await rows(
            sa.select(ORG.c.slug, ORG_SOURCE.c.document, ORG_SOURCE.c.quote)
            .select_from(ORG_SOURCE)
            .join(ORG, ORG.c.id == ORG_SOURCE.c.organization_id)
            .order_by(ORG_SOURCE.c.organization_id, ORG_SOURCE.c.position),
            ORG, "organizations",
        )
    )  # fmt: skip
    people = await rows(
        sa.select(
            PERSON.c.slug, PERSON.c.name, PERSON.c.credentials, PERSON.c.source_document,
            PERSON.c.source_quote, PERSON.c.editorial_note, PERSON.c.editorial_note_by,
        ),
        PERSON, "people",
    )  # fmt: skip
    parties = _grouped(
        await rows(
            sa.select(AGREEMENT.c.slug, party_org.c.slug)
            .select_from(PARTY)
            .join(AGREEMENT, AGREEMENT.c.id == PARTY.c.agreement_id)
            .join(party_org, party_org.c.id == PARTY.c.organization_id)
            .order_by(PARTY.c.agreement_id, PARTY.c.position),
            AGREEMENT, "agreements",
        )
    )  # fmt: skip
    members = _grouped(
        (initiative, (member, role))
        for initiative, member, role in await rows(
            sa.select(INITIATIVE.c.slug, party_org.c.slug, INITIATIVE_ORG.c.role)
            .select_from(INITIATIVE_ORG)
            .join(INITIATIVE, INITIATIVE.c.id == INITIATIVE_ORG.c.initiative_id)
            .join(party_org, party_org.c.id == INITIATIVE_ORG.c.organization_id)
            .order_by(INITIATIVE_ORG.c.initiative_id, INITIATIVE_ORG.c.position),
            INITIATIVE, "initiatives",
        )
    )  # fmt: skip
    agreements = await rows(
        sa.select(
            AGREEMENT.c.slug, AGREEMENT.c.kind, AGREEMENT.c.title, AGREEMENT.c.year,
            AGREEMENT.c.description, est.c.slug, AGREEMENT.c.source_document,
            AGREEMENT.c.source_quote, AGREEMENT.c.editorial_note, AGREEMENT.c.editorial_note_by,
        ).outerjoin(est, est.c.id == AGREEMENT.c.establishes_id),
        AGREEMENT, "agreements",
    )  # fmt: skip
    person, at, behalf = PERSON.alias("who"), ORG.alias("at_org"), ORG.alias("behalf")
    representations = await rows(
        sa.select(
            REPRESENTATION.c.slug, person.c.slug, at.c.slug, behalf.c.slug,
            REPRESENTATION.c.role, REPRESENTATION.c.designation,
            REPRESENTATION.c.source_document, REPRESENTATION.c.source_quote,
            REPRESENTATION.c.editorial_note, REPRESENTATION.c.editorial_note_by,
        )
        .select_from(REPRESENTATION)
        .join(person, person.c.id == REPRESENTATION.c.person_id)
        .join(at, at.c.id == REPRESENTATION.c.organization_id)
        .join(behalf, behalf.c.id == REPRESENTATION.c.on_behalf_of_id),
        REPRESENTATION, "representations",
    )  # fmt: skip
    initiatives = await rows(
        sa.select(
            INITIATIVE.c.slug, INITIATIVE.c.name, INITIATIVE.c.kind, INITIATIVE.c.recurrence,
            INITIATIVE.c.year, INITIATIVE.c.description, INITIATIVE.c.source_document,
            INITIATIVE.c.source_quote, INITIATIVE.c.editorial_note,
            INITIATIVE.c.editorial_note_by,
        ),
        INITIATIVE, "initiatives",
    )  # fmt: skip
    return {
        "organizations": {
            slug: {
                "name": name, "acronym": acronym, "category": category,
                "description": description, "founded_year": founded, "website": website,
                "parent": parent_slug, "regions": regions.get(slug, ()),
                "sources": sources.get(slug, ()), "editorial_note": _note(note, by),
            }
            for slug, name, acronym, category, description, founded, website, parent_slug,
            note, by in orgs
        },
        "people": {
            slug: {
                "name": name, "credentials": tuple(credentials), "source_document": document,
                "source_quote": quote, "editorial_note": _note(note, by),
            }
            for slug, name, credentials, document, quote, note, by in people
        },
        "agreements": {
            slug: {
                "kind": kind, "title": title, "year": year, "description": description,
                "establishes": establishes, "parties": parties.get(slug, ()),
                "source_document": document, "source_quote": quote,
                "editorial_note": _note(note, by),
            }
            for slug, kind, title, year, description, establishes, document, quote, note, by
            in agreements
        },
        "representations": {
            slug: {
                "person": person_slug, "organization": org, "on_behalf_of": behalf_slug,
                "role": role, "designation": designation, "source_document": document,
                "source_quote": quote, "editorial_note": _note(note, by),
            }
            for slug, person_slug, org, behalf_slug, role, designation, document, quote, note,
            by in representations
        },
        "initiatives": {
            slug: {
                "name": name, "kind": kind, "recurrence": recurrence, "year": year,
                "description": description, "organizations": members.get(slug, ()),
                "source_document": document, "source_quote": quote,
                "editorial_note": _note(note, by),
            }
            for slug, name, kind, recurrence, year, description, document, quote, note, by
            in initiatives
        },
    }  # fmt: skip


class LoadConflict(Exception):
    """The load would overwrite records changed through the API; nothing was written."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__(
            f"{len(plan.conflicts)} record(s) were changed through the API since the last "
            "load; export the database (python -m service export) and merge, or load with "
            "--force to overwrite them"
        )


def _conflicts(plan: Plan, edited: Sequence[tuple[str, str, str, str]]) -> tuple[Conflict, ...]:
    """The API-edited records this plan touches: changes them, re-creates one the API
    deleted, or prunes one."""
    found = []
    for record_type, slug, operation, actor in edited:
        section = SECTION_OF_TYPE.get(record_type)
        if section is None:
            continue
        touched = plan.sections[section]
        if (
            slug in touched.changed
            or slug in touched.added
            or (plan.prune and slug in touched.removed)
        ):
            found.append(Conflict(section, slug, operation, actor))
    return tuple(found)


def plan(current: Snapshot, target: Snapshot, *, prune: bool) -> Plan:
    sections = {}
    for name in SECTIONS:
        have, want = current.get(name, {}), target[name]
        sections[name] = SectionPlan(
            added=tuple(sorted(want.keys() - have.keys())),
            changed=tuple(sorted(s for s in want.keys() & have.keys() if want[s] != have[s])),
            removed=tuple(sorted(have.keys() - want.keys())),
        )
    return Plan(sections=sections, prune=prune, target=target, current=current)


def _chunks(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    """IN lists stay under every engine's bound-parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _slug_ids(
    conn: AsyncConnection, table: sa.Table, slugs: Collection[str] | None = None
) -> dict[str, int]:
    """The ids of `slugs` (those that exist), or of the whole table: a whole-file load
    names so many that one scan is cheaper than chunks of IN lists."""
    query = sa.select(table.c.slug, table.c.id)
    if slugs is not None and len(slugs) <= 5000:
        query = query.where(table.c.slug.in_(sorted(slugs)))
    return {row.slug: row.id for row in await _rows(conn, query)}


def _referenced(plan: Plan) -> tuple[set[str] | None, set[str] | None]:
    """The organizations and people the plan's writes look up by slug: the records it
    touches and every reference in its target; None for a plan too large to list them
    (a whole file: its writes read every id at once)."""
    if sum(len(records) for records in plan.target.values()) > 5000:
        return None, None
    orgs = {*plan.sections["organizations"].added, *plan.sections["organizations"].changed}
    people = {*plan.sections["people"].added, *plan.sections["people"].changed}
    targets = plan.target
    orgs.update(v["parent"] for v in targets["organizations"].values() if v["parent"])
    for v in targets["agreements"].values():
        orgs.update(v["parties"])
        orgs.update([v["establishes"]] if v["establishes"] else [])
    for v in targets["representations"].values():
        orgs.update((v["organization"], v["on_behalf_of"]))
        people.add(v["person"])
    orgs.update(member for v in targets["initiatives"].values() for member, _ in v["organizations"])
    return orgs, people


async def _upsert(
    conn: AsyncConnection, table: sa.Table, rows: Mapping[str, Values], section: SectionPlan
) -> None:
    """Insert the added rows and update the changed ones, both as executemany batches."""
    if section.added:
        await conn.execute(sa.insert(table), [{"slug": s, **rows[s]} for s in section.added])
    if section.changed:
        columns = next(iter(rows.values())).keys()
        statement = (
            sa.update(table)
            .where(table.c.slug == sa.bindparam("key_slug"))
            .values({**{c: sa.bindparam(c) for c in columns}, "version": table.c.version + 1})
        )
        await conn.execute(statement, [{"key_slug": s, **rows[s]} for s in section.changed])


async def _replace_children(
    conn: AsyncConnection,
    table: sa.Table,
    owner_column: str,
    owner_ids: Sequence[int],
    children: list[Values],
) -> None:
    for chunk in _chunks(owner_ids):
        await conn.execute(sa.delete(table).where(table.c[owner_column].in_(chunk)))
    if children:
        await conn.execute(sa.insert(table), children)


async def _delete(conn: AsyncConnection, table: sa.Table, slugs: Sequence[str]) -> None:
    for chunk in _chunks(slugs):
        await conn.execute(sa.delete(table).where(table.c.slug.in_(chunk)))


def _noted(values: Values) -> Values:
    """The editorial note's two columns."""
    note = values["editorial_note"]
    text, by = note if note else (None, None)
    return {"editorial_note": text, "editorial_note_by": by}


async def _write_organizations(conn: AsyncConnection, plan: Plan) -> dict[str, int]:
    target, section = plan.target["organizations"], plan.sections["organizations"]
    scalar = ("name", "acronym", "category", "description", "founded_year", "website")
    rows = {
        slug: {**{c: values[c] for c in scalar}, **_noted(values)}
        for slug, values in target.items()
    }
    await _upsert(conn, ORG, rows, section)
    ids = await _slug_ids(conn, ORG, _referenced(plan)[0])
    touched = [*section.added, *section.changed]
    # Added rows were inserted without a parent; only those with one need a second write.
    parented = [*(s for s in section.added if target[s]["parent"]), *section.changed]
    if parented:
        await conn.execute(
            sa.update(ORG)
            .where(ORG.c.id == sa.bindparam("key_id"))
            .values(parent_id=sa.bindparam("parent_id")),
            [{"key_id": ids[s], "parent_id": ids.get(target[s]["parent"] or "")} for s in parented],
        )
    touched_ids = [ids[s] for s in touched]
    await _replace_children(
        conn,
        REGION,
        "organization_id",
        touched_ids,
        [
            {"organization_id": ids[s], "position": n, "region": region, "region_key": fold(region)}
            for s in touched
            for n, region in enumerate(target[s]["regions"])
        ],
    )
    await _replace_children(
        conn,
        ORG_SOURCE,
        "organization_id",
        touched_ids,
        [
            {"organization_id": ids[s], "position": n, "document": doc, "quote": quote}
            for s in touched
            for n, (doc, quote) in enumerate(target[s]["sources"])
        ],
    )
    return ids


async def _write_people(conn: AsyncConnection, plan: Plan) -> dict[str, int]:
    rows = {
        slug: {
            "name": v["name"],
            "credentials": list(v["credentials"]),
            "source_document": v["source_document"],
            "source_quote": v["source_quote"],
            **_noted(v),
        }
        for slug, v in plan.target["people"].items()
    }
    await _upsert(conn, PERSON, rows, plan.sections["people"])
    return await _slug_ids(conn, PERSON, _referenced(plan)[1])


async def _write_agreements(conn: AsyncConnection, plan: Plan, orgs: dict[str, int]) -> None:
    target, section = plan.target["agreements"], plan.sections["agreements"]
    rows = {
        slug: {
            **{k: v[k] for k in ("kind", "title", "year", "description")},
            "establishes_id": orgs.get(v["establishes"] or ""),
            "source_document": v["source_document"],
            "source_quote": v["source_quote"],
            **_noted(v),
        }
        for slug, v in target.items()
    }
    await _upsert(conn, AGREEMENT, rows, section)
    touched = [*section.added, *section.changed]
    if not touched:
        return
    ids = await _slug_ids(conn, AGREEMENT, touched)
    await _replace_children(
        conn,
        PARTY,
        "agreement_id",
        [ids[s] for s in touched],
        [
            {"agreement_id": ids[s], "organization_id": orgs[party], "position": n}
            for s in touched
            for n, party in enumerate(target[s]["parties"])
        ],
    )


async def _write_representations(
    conn: AsyncConnection, plan: Plan, orgs: dict[str, int], people: dict[str, int]
) -> None:
    rows = {
        slug: {
            "person_id": people[v["person"]],
            "organization_id": orgs[v["organization"]],
            "on_behalf_of_id": orgs[v["on_behalf_of"]],
            **{k: v[k] for k in ("role", "designation", "source_document", "source_quote")},
            **_noted(v),
        }
        for slug, v in plan.target["representations"].items()
    }
    await _upsert(conn, REPRESENTATION, rows, plan.sections["representations"])


async def _write_initiatives(conn: AsyncConnection, plan: Plan, orgs: dict[str, int]) -> None:
    target, section = plan.target["initiatives"], plan.sections["initiatives"]
    scalar = ("name", "kind", "recurrence", "year", "description")
    rows = {
        slug: {
            **{k: v[k] for k in scalar},
            "source_document": v["source_document"],
            "source_quote": v["source_quote"],
            **_noted(v),
        }
        for slug, v in target.items()
    }
    await _upsert(conn, INITIATIVE, rows, section)
    touched = [*section.added, *section.changed]
    if not touched:
        return
    ids = await _slug_ids(conn, INITIATIVE, touched)
    await _replace_children(
        conn,
        INITIATIVE_ORG,
        "initiative_id",
        [ids[s] for s in touched],
        [
            {"initiative_id": ids[s], "organization_id": orgs[member], "position": n, "role": role}
            for s in touched
            for n, (member, role) in enumerate(target[s]["organizations"])
        ],
    )


async def _prune(conn: AsyncConnection, plan: Plan) -> None:
    """Dependants first, so no foreign key is ever left dangling mid-transaction."""
    for name, table in (
        ("initiatives", INITIATIVE),
        ("representations", REPRESENTATION),
        ("agreements", AGREEMENT),
        ("people", PERSON),
        ("organizations", ORG),
    ):
        await _delete(conn, table, plan.sections[name].removed)


async def _versions(conn: AsyncConnection, section: str, plan: Plan) -> dict[str, int]:
    """The versions of the records the plan changes or removes, before it does."""
    wanted = [*plan.sections[section].changed, *plan.sections[section].removed]
    table = RECORD_TABLES[TYPE_OF_SECTION[section]]
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        rows = await conn.execute(
            sa.select(table.c.slug, table.c.version).where(table.c.slug.in_(chunk))
        )
        found.update({row[0]: row[1] for row in rows.all()})
    return found


def _load_entries(plan: Plan, versions: Mapping[str, Mapping[str, int]]) -> list[Entry]:
    """An audit entry for each record the load adds, changes or prunes."""
    entries: list[Entry] = []
    for name in SECTIONS:
        section, record_type = plan.sections[name], TYPE_OF_SECTION[name]
        before, after = plan.current.get(name, {}), plan.target[name]
        touched: list[tuple[str, int | None, Values | None, Values | None]] = [
            *((s, 1, None, after[s]) for s in section.added),
            *((s, versions[name][s] + 1, before[s], after[s]) for s in section.changed),
        ]
        if plan.prune:
            touched.extend((s, versions[name][s], before[s], None) for s in section.removed)
        entries.extend(
            Entry(
                ChangeOperation.LOAD,
                record_type,
                slug,
                version,
                None if old is None else file_shape(name, slug, old),
                None if new is None else file_shape(name, slug, new),
                evidence_document=new.get("source_document") if new else None,
                evidence_quote=new.get("source_quote") if new else None,
            )
            for slug, version, old, new in touched
        )
    return entries


async def register_documents(conn: AsyncConnection, documents: Mapping[str, str]) -> None:
    """Keep the text of each source document the dataset cites, for the API's quote checks
    and for an export."""
    for name, text in documents.items():
        updated = await conn.execute(
            sa.update(DOCUMENT).where(DOCUMENT.c.name == name).values(text=text)
        )
        if not updated.rowcount:
            await conn.execute(sa.insert(DOCUMENT).values(name=name, text=text))


async def bump_revision(conn: AsyncConnection) -> int:
    """A new revision, stamped with the time of this change (what "as of" means to a
    client); returns it. On PostgreSQL the row lock also queues concurrent writers."""
    now = datetime.now(UTC)
    updated = await conn.execute(
        sa.update(REVISION)
        .values(revision=REVISION.c.revision + 1, loaded_at=now)
        .returning(REVISION.c.revision)
    )
    revision = updated.scalar()
    if revision is None:
        await conn.execute(sa.insert(REVISION).values(id=1, revision=1, loaded_at=now))
        revision = 1
    await announce(conn)  # to every process holding the revision, once this commits
    return int(revision)


async def write_records(conn: AsyncConnection, plan: Plan, step: Progress) -> None:
    """The plan's records and their links, in the caller's transaction (no indexes)."""
    orgs = await _write_organizations(conn, plan)
    step("people")
    people = await _write_people(conn, plan)
    step("agreements")
    await _write_agreements(conn, plan, orgs)
    step("representations")
    await _write_representations(conn, plan, orgs, people)
    step("initiatives")
    await _write_initiatives(conn, plan, orgs)
    if plan.prune:
        step("prune")
        await _prune(conn, plan)


async def refresh_derived(
    conn: AsyncConnection,
    step: Progress,
    *,
    documents: Mapping[str, Collection[str]] | None = None,
    tie_ends: Collection[int] | None = None,
) -> int:
    """After records change: the search index and the ties follow them, and a new revision
    is announced; returns it. An edit names what it changed (the search documents, kind ->
    slugs, forgotten before it wrote; and the bodies at an end of every tie it may change,
    see service/data/ties.py) and only those are derived again; by default everything is."""
    step("search index")
    if documents is None:
        await rebuild_search_index(conn)
    else:
        await index_documents(conn, documents)
    step("ties")
    if tie_ends is None:
        await rebuild_ties(conn)
    else:
        await refresh_ties(conn, tie_ends)
    return await bump_revision(conn)


async def apply(conn: AsyncConnection, plan: Plan, progress: Progress | None = None) -> None:
    """Write the plan in the caller's transaction; the caller commits or rolls back."""
    if not plan.has_changes:
        return
    step = progress or (lambda _name: None)
    versions = {name: await _versions(conn, name, plan) for name in SECTIONS}
    step("organizations")
    await write_records(conn, plan, step)
    await refresh_derived(conn, step)
    # Appended after the revision's row is taken (refresh_derived bumps it), as an edit
    # appends: entries are then numbered in commit order across every writer, which is what
    # lets a live subscriber resume "after entry N" without a gap (service/live/feed.py).
    step("audit trail")
    await append(conn, _load_entries(plan, versions), actor=LOADER)
    # Fresh planner statistics: without them SQLite probes a low-selectivity index (kind)
    # instead of the batch key, and one loader batch took 0.8 s instead of 1 ms at 100k.
    await conn.execute(sa.text("ANALYZE"))


async def load(
    engine: AsyncEngine,
    target: Snapshot,
    *,
    documents: Mapping[str, str] | None = None,
    prune: bool = False,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Plan:
    """Migrate, plan and apply in one transaction; a dry run or any error rolls all of it back.

    `documents` are the source pages the dataset quotes (name -> text), kept for the API.
    A plan that would overwrite records changed through the API since the last load raises
    LoadConflict, unless `force`; a dry run reports them in the plan instead.
    """
    async with for_writes(engine).connect() as conn:
        transaction = await conn.begin()
        try:
            await upgrade(conn)
            the_plan = plan(await snapshot_from_database(conn), target, prune=prune)
            the_plan = replace(
                the_plan, conflicts=_conflicts(the_plan, await edited_since_loaded(conn))
            )
            if the_plan.conflicts and not (force or dry_run):
                raise LoadConflict(the_plan)
            if not dry_run:
                await register_documents(conn, documents or {})
                await apply(conn, the_plan, progress)
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
    if not dry_run and the_plan.has_changes:
        await settle_ties(for_writes(engine))
    return the_plan


async def is_empty(engine: AsyncEngine) -> bool:
    """True before the first load (including before the schema exists)."""
    async with engine.connect() as conn:
        has_table = await conn.run_sync(lambda sync: sa.inspect(sync).has_table("organization"))
        if not has_table:
            return True
        return not (await conn.execute(sa.select(ORG.c.id).limit(1))).first()
