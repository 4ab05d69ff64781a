"""One record in its two shapes: as the dataset file writes it (a `Record`), and as the
loader compares it (`Values`: flat, references as slugs, quotes with their document).

The loader reduces a whole file to values; the API reduces the one record it writes; the
audit trail and the export turn values back into the file's shape. Each direction is
written once, here, so a record survives any round trip through them unchanged.
"""

from typing import Any

from service.data.dataset import (
    RECORD_CLASSES,
    ROLE_FIELDS,
    AgreementRecord,
    InitiativeRecord,
    OrganizationRecord,
    PersonRecord,
    Record,
    RepresentationRecord,
)

Values = dict[str, Any]

TYPE_OF_SECTION = {
    "organizations": "Organization",
    "agreements": "Agreement",
    "people": "Person",
    "representations": "Representation",
    "initiatives": "Initiative",
}
SECTION_OF_TYPE = {type_name: section for section, type_name in TYPE_OF_SECTION.items()}


def _note(record: Record) -> tuple[str, str] | None:
    note = record.editorial_note
    return None if note is None else (note.note, note.by)


def values_of(record: Record, document: str) -> Values:
    """The record as the loader compares it; its quotes are from `document`."""
    quote = record.quoted()[0] if record.quoted() else None
    quoted = {"source_document": document if quote is not None else None, "source_quote": quote}
    common = {"editorial_note": _note(record)}
    if isinstance(record, OrganizationRecord):
        return {
            "name": record.name,
            "acronym": record.acronym,
            "category": record.category.value,
            "description": record.description,
            "founded_year": record.founded_year,
            "website": record.website,
            "parent": record.parent,
            "regions": tuple(record.regions),
            "sources": tuple((document, q) for q in record.quotes),
            **common,
        }
    if isinstance(record, PersonRecord):
        return {"name": record.name, "credentials": tuple(record.credentials), **quoted, **common}
    if isinstance(record, AgreementRecord):
        return {
            "kind": record.kind.value,
            "title": record.title,
            "year": record.year,
            "description": record.description,
            "establishes": record.establishes,
            "parties": tuple(record.parties),
            **quoted,
            **common,
        }
    if isinstance(record, RepresentationRecord):
        return {
            "person": record.person,
            "organization": record.organization,
            "on_behalf_of": record.on_behalf_of,
            "role": record.role,
            "designation": record.designation.value if record.designation else None,
            **quoted,
            **common,
        }
    assert isinstance(record, InitiativeRecord)
    return {
        "name": record.name,
        "kind": record.kind,
        "recurrence": record.recurrence,
        "year": record.year,
        "description": record.description,
        "organizations": tuple((slug, role.value) for _f, slug, role in record.participants()),
        **quoted,
        **common,
    }


def file_shape(section: str, slug: str, values: Values) -> dict[str, Any]:
    """The record as the dataset file writes it (JSON- and YAML-ready), from its values:
    what the audit trail shows as `before` and `after`, and what an export writes."""
    shaped: dict[str, Any] = {} if section == "representations" else {"slug": slug}
    for key, value in values.items():
        if key in ("source_document", "source_quote", "sources", "editorial_note"):
            continue
        if key == "organizations" and section == "initiatives":
            for field, role in ROLE_FIELDS:
                members = [member for member, its_role in value if its_role == role.value]
                if members or field == "organizations":
                    shaped[field] = members
            continue
        shaped[key] = list(value) if isinstance(value, tuple) else value
    if section == "organizations":
        shaped["quotes"] = [quote for _document, quote in values["sources"]]
    elif values.get("source_quote") is not None:
        shaped["quote"] = values["source_quote"]
    note = values.get("editorial_note")
    if note is not None:
        shaped["editorial_note"] = {"note": note[0], "by": note[1]}
    return {key: value for key, value in shaped.items() if value not in (None, [])}


def record_of(section: str, shaped: dict[str, Any]) -> Record:
    """A file-shaped record parsed and validated as the loader parses it (raises pydantic's
    ValidationError)."""
    return RECORD_CLASSES[section].model_validate(shaped)
