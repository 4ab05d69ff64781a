"""The curated dataset file: its schema, and validation that names the record, field and line.

A dataset is validated whole before anything touches the database, so a bad file can never
leave a half-applied load behind.
"""

import re
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationError

from service.data.models import AgreementKind, Designation, InitiativeRole, PartnerCategory

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Strict(), StringConstraints(pattern=SLUG_PATTERN, max_length=200)]
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]


# Text that fits its column (see service/data/models.py).
Name = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
Label = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Region = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Role = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]
PersonName = Role
Document = Region
Year = Annotated[int, Strict(), Field(ge=1800, le=2100)]
Quote = Annotated[str, Strict(), StringConstraints(min_length=3)]

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "seed" / "partners.yaml"


class EditorialNote(BaseModel):
    """Evidence for a fact the source page does not carry: who asserts it, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: Text
    by: Role


class Record(BaseModel):
    """Every record: unknown fields are errors (a typo must not be silently dropped).

    Each record rests on evidence: its quote(s) from the source page, or an editorial note
    (a fact an editor recorded through the API, exported with it), or both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notes: tuple[Text, ...] = ()
    editorial_note: EditorialNote | None = None

    def quoted(self) -> tuple[str, ...]:
        """The record's quotes from the source page."""
        quote = getattr(self, "quote", None)
        return (quote,) if quote is not None else ()


class OrganizationRecord(Record):
    slug: Slug
    name: Name
    acronym: Label | None = None
    category: PartnerCategory
    description: Text | None = None
    founded_year: Year | None = None
    regions: tuple[Region, ...] = ()
    website: Name | None = None
    parent: Slug | None = None
    quotes: tuple[Quote, ...] = ()

    def quoted(self) -> tuple[str, ...]:
        return self.quotes


class AgreementRecord(Record):
    slug: Slug
    kind: AgreementKind
    title: Name
    year: Year | None = None
    description: Text | None = None
    parties: tuple[Slug, ...] = Field(min_length=1)
    establishes: Slug | None = None
    quote: Quote | None = None


class PersonRecord(Record):
    slug: Slug
    name: PersonName
    credentials: tuple[Label, ...] = ()
    quote: Quote | None = None


class RepresentationRecord(Record):
    person: Slug
    organization: Slug
    on_behalf_of: Slug
    role: Role
    designation: Designation | None = None
    quote: Quote | None = None

    @property
    def slug(self) -> str:
        """The natural key: a person holds at most one seat at a body."""
        return f"{self.person}--{self.organization}"


class InitiativeRecord(Record):
    """`organizations` are the bodies behind it; `hosts` and `recipients` are those the source
    names only as where it takes place or whom it is for."""

    slug: Slug
    name: Name
    kind: Label
    recurrence: Label | None = None
    year: Year | None = None
    description: Text | None = None
    organizations: tuple[Slug, ...] = Field(min_length=1)
    hosts: tuple[Slug, ...] = ()
    recipients: tuple[Slug, ...] = ()
    quote: Quote | None = None

    def participants(self) -> Iterator[tuple[str, str, InitiativeRole]]:
        """(field, slug, role) of every organization linked to it, in the file's order."""
        for field, role in ROLE_FIELDS:
            for slug in getattr(self, field):
                yield field, slug, role


# An initiative's fields that link organizations to it, and the role each gives.
ROLE_FIELDS = (
    ("organizations", InitiativeRole.ORGANIZER),
    ("hosts", InitiativeRole.HOST),
    ("recipients", InitiativeRole.RECIPIENT),
)


class Dataset(BaseModel):
    """The whole file. `document` names the source page that every quote comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Document
    organizations: tuple[OrganizationRecord, ...] = ()
    agreements: tuple[AgreementRecord, ...] = ()
    people: tuple[PersonRecord, ...] = ()
    representations: tuple[RepresentationRecord, ...] = ()
    initiatives: tuple[InitiativeRecord, ...] = ()

    def quotes(self) -> Iterator[tuple[str, str]]:
        """Every quote in the file, with the record it belongs to."""
        for section in SECTIONS:
            for record in getattr(self, section):
                for quote in record.quoted():
                    yield f"{section}[{record.slug}]", quote


SECTIONS = ("organizations", "agreements", "people", "representations", "initiatives")
RECORD_CLASSES: dict[str, type[Record]] = {
    "organizations": OrganizationRecord,
    "agreements": AgreementRecord,
    "people": PersonRecord,
    "representations": RepresentationRecord,
    "initiatives": InitiativeRecord,
}


class DatasetError(Exception):
    """A dataset that cannot be loaded; each problem is one line naming where it is."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{listing}")


def normalize_whitespace(text: str) -> str:
    """Quotes may wrap differently from the source page; whitespace runs compare equal."""
    return re.sub(r"\s+", " ", text).strip()


def read_dataset(path: Path) -> Dataset:
    """Parse, validate and cross-check a dataset file, or raise DatasetError."""
    label = str(path)
    text = _read_text(path, label)
    return parse_dataset(text, label=label, source_text=lambda document: _source(path, document))


def documents_of(path: Path, dataset: Dataset) -> dict[str, str]:
    """The source documents a dataset file quotes, by name: the loader registers them, so
    the API checks an edit's quote as the loader checks the file's."""
    return {dataset.document: _source(path, dataset.document)}


def _read_text(path: Path, label: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise DatasetError(label, [f"cannot read the file: {error.strerror}"]) from error
    except UnicodeDecodeError as error:
        raise DatasetError(
            label, [f"the file is not UTF-8 text (byte {error.start}): save it as UTF-8"]
        ) from error


def _source(path: Path, document: str) -> str:
    """The source page a dataset names lives in `source/` beside it; quotes are checked
    against it, so a dataset without its source cannot be loaded."""
    source = path.parent / "source" / document
    return _read_text(source, str(source))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


SourceText = str | Callable[[str], str] | None


def parse_dataset(text: str, *, label: str, source_text: SourceText = None) -> Dataset:
    """Validate YAML text as a Dataset; every problem found is reported at once.

    `source_text` is the source page (or a function from the dataset's `document` to it);
    when given, every quote must be found in it.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise DatasetError(label, [f"{where}YAML error: {problem}"]) from error
    if not isinstance(data, dict):
        raise DatasetError(
            label, ["the file must be a YAML mapping with `document` and lists of records"]
        )
    try:
        dataset = Dataset.model_validate(data)
    except ValidationError as error:
        raise DatasetError(label, list(_describe(error, root, data))) from error
    source = source_text(dataset.document) if callable(source_text) else source_text
    problems = [_locate(root, data, loc, message) for loc, message in _cross_check(dataset, source)]
    if problems:
        raise DatasetError(label, problems)
    return dataset


def _locate(root: yaml.Node | None, data: Any, loc: tuple[Any, ...], message: str) -> str:
    """`line N: section[slug].field: message`, the line found by walking the YAML nodes."""
    line = line_of(root, loc)
    return f"{f'line {line}: ' if line else ''}{_path(loc, data)}: {message}"


def _describe(error: ValidationError, root: yaml.Node | None, data: Any) -> Iterator[str]:
    for loc, message in field_problems(error):
        yield _locate(root, data, loc, message)


def field_problems(error: ValidationError) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Each schema problem at its path, worded once for the file's and the API's errors."""
    for item in error.errors():
        message = item["msg"]
        if item["type"] not in ("missing", "extra_forbidden"):
            message += f" (got {item['input']!r:.60})"
        yield tuple(item["loc"]), message


def _path(loc: tuple[Any, ...], data: Any) -> str:
    """Name the record by its slug where it has one: `organizations[fact].name`."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{_slug_at(node, part) or part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts)


def _slug_at(node: Any, index: int) -> str | None:
    if isinstance(node, list) and index < len(node) and isinstance(node[index], dict):
        record = node[index]
        slug = record.get("slug")
        if isinstance(slug, str):
            return slug
        person, organization = record.get("person"), record.get("organization")
        if isinstance(person, str) and isinstance(organization, str):
            return f"{person}--{organization}"
    return None


def line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Walk the YAML node tree along a validation path; the deepest node found gives the line."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


Problem = tuple[tuple[Any, ...], str]


def _duplicates(values: Sequence[str]) -> Iterator[int]:
    """Indexes of the second and later occurrences of each value."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield index
        seen.add(value)


@dataclass(frozen=True)
class Known:
    """What a record may refer to: the organizations (with their parents, for cycles) and
    the people there are, and the source page its quotes must be found in."""

    parents: Mapping[str, str | None]
    people: Container[str]
    source: str | None = None  # whitespace-normalized; None skips the quote check


def _cross_check(dataset: Dataset, source_text: str | None) -> Iterator[Problem]:
    """What a schema cannot see: duplicate keys, dangling references, cycles, quotes."""
    for section in SECTIONS:
        slugs = [record.slug for record in getattr(dataset, section)]
        for index in _duplicates(slugs):
            yield (section, index), f"duplicate slug {slugs[index]!r}"
    known = Known(
        parents={o.slug: o.parent for o in dataset.organizations},
        people={p.slug for p in dataset.people},
        source=None if source_text is None else normalize_whitespace(source_text),
    )
    for section in SECTIONS:
        for index, record in enumerate(getattr(dataset, section)):
            for loc, message in record_problems(section, record, known):
                yield (section, index, *loc), message


def record_problems(section: str, record: Record, known: Known) -> Iterator[Problem]:
    """One record's problems, each at its field's path within the record: the loader checks
    every record of a file with this, and the API each record it writes."""
    yield from _evidence(record, known.source)
    orgs = known.parents

    def unknown(loc: tuple[Any, ...], slug: str | None, known: Container[str]) -> Iterator[Problem]:
        if slug is not None and slug not in known:
            yield loc, f"unknown reference {slug!r}"

    if isinstance(record, OrganizationRecord):
        yield from unknown(("parent",), record.parent, orgs)
        yield from _parent_cycle(record, orgs)
    elif isinstance(record, AgreementRecord):
        for j, party in enumerate(record.parties):
            yield from unknown(("parties", j), party, orgs)
        for j in _duplicates(record.parties):
            yield ("parties", j), f"{record.parties[j]!r} is listed twice"
        yield from unknown(("establishes",), record.establishes, orgs)
        if (record.kind == AgreementKind.CO_FOUNDING) != (record.establishes is not None):
            yield ("establishes",), "required for CO_FOUNDING agreements and only for them"
    elif isinstance(record, RepresentationRecord):
        yield from unknown(("person",), record.person, known.people)
        yield from unknown(("organization",), record.organization, orgs)
        yield from unknown(("on_behalf_of",), record.on_behalf_of, orgs)
    elif isinstance(record, InitiativeRecord):
        seen: set[str] = set()
        for field, _role in ROLE_FIELDS:
            for j, member in enumerate(getattr(record, field)):
                yield from unknown((field, j), member, orgs)
                if member in seen:
                    yield (field, j), f"{member!r} is listed twice"
                seen.add(member)


def _evidence(record: Record, source: str | None) -> Iterator[Problem]:
    """Every record rests on a quote found verbatim in the source, or an editorial note."""
    field = "quotes" if isinstance(record, OrganizationRecord) else "quote"
    quotes = record.quoted()
    if not quotes and record.editorial_note is None:
        yield (field,), "a quote from the source or an editorial_note is required"
    if source is None:
        return
    for j, quote in enumerate(quotes):
        if normalize_whitespace(quote) not in source:
            loc = (field, j) if isinstance(record, OrganizationRecord) else (field,)
            yield loc, f"quote not found verbatim in the source: {quote[:80]!r}"


def _parent_cycle(
    record: OrganizationRecord, parents: Mapping[str, str | None]
) -> Iterator[Problem]:
    seen = {record.slug}
    current = record.parent
    while current is not None and current in parents:
        if current in seen:
            yield ("parent",), f"the parent chain loops back through {current!r}"
            return
        seen.add(current)
        current = parents[current]
