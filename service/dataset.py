"""The curated dataset file: its schema, and validation that names the record, field and line.

A dataset is validated whole before anything touches the database, so a bad file can never
leave a half-applied load behind.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationError

from service.models import AgreementKind, Designation, PartnerCategory

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Strict(), StringConstraints(pattern=SLUG_PATTERN, max_length=200)]
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]
Year = Annotated[int, Strict(), Field(ge=1800, le=2100)]
Quote = Annotated[str, Strict(), StringConstraints(min_length=3)]

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "seed" / "partners.yaml"


class Record(BaseModel):
    """Every record: unknown fields are errors (a typo must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notes: tuple[Text, ...] = ()


class OrganizationRecord(Record):
    slug: Slug
    name: Text
    acronym: Text | None = None
    category: PartnerCategory
    description: Text | None = None
    founded_year: Year | None = None
    regions: tuple[Text, ...] = ()
    website: Text | None = None
    parent: Slug | None = None
    quotes: tuple[Quote, ...] = Field(min_length=1)


class AgreementRecord(Record):
    slug: Slug
    kind: AgreementKind
    title: Text
    year: Year | None = None
    description: Text | None = None
    parties: tuple[Slug, ...] = Field(min_length=1)
    establishes: Slug | None = None
    quote: Quote


class PersonRecord(Record):
    slug: Slug
    name: Text
    credentials: tuple[Text, ...] = ()
    quote: Quote


class RepresentationRecord(Record):
    person: Slug
    organization: Slug
    on_behalf_of: Slug
    role: Text
    designation: Designation | None = None
    quote: Quote

    @property
    def slug(self) -> str:
        """The natural key: a person holds at most one seat at a body."""
        return f"{self.person}--{self.organization}"


class InitiativeRecord(Record):
    slug: Slug
    name: Text
    kind: Text
    recurrence: Text | None = None
    year: Year | None = None
    description: Text | None = None
    organizations: tuple[Slug, ...] = Field(min_length=1)
    quote: Quote


class Dataset(BaseModel):
    """The whole file. `document` names the source page that every quote comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Text
    organizations: tuple[OrganizationRecord, ...] = ()
    agreements: tuple[AgreementRecord, ...] = ()
    people: tuple[PersonRecord, ...] = ()
    representations: tuple[RepresentationRecord, ...] = ()
    initiatives: tuple[InitiativeRecord, ...] = ()

    def quotes(self) -> Iterator[tuple[str, str]]:
        """Every quote in the file, with the record it belongs to."""
        for org in self.organizations:
            for quote in org.quotes:
                yield f"organizations[{org.slug}]", quote
        for section in ("agreements", "people", "representations", "initiatives"):
            for record in getattr(self, section):
                yield f"{section}[{record.slug}]", record.quote


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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DatasetError(label, [f"cannot read the file: {error.strerror}"]) from error
    source_text = _read_source(path)
    return parse_dataset(text, label=label, source_text=source_text)


def _read_source(path: Path) -> str | None:
    """The source page lives in `source/` beside the dataset; quotes are checked against it."""
    candidates = sorted((path.parent / "source").glob("*.txt"))
    return candidates[0].read_text(encoding="utf-8") if len(candidates) == 1 else None


def parse_dataset(text: str, *, label: str, source_text: str | None = None) -> Dataset:
    """Validate YAML text as a Dataset; every problem found is reported at once."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise DatasetError(label, [f"{where}YAML syntax error: {problem}"]) from error
    if not isinstance(data, dict):
        raise DatasetError(label, ["the file must be a mapping with an 'organizations' list"])
    try:
        dataset = Dataset.model_validate(data)
    except ValidationError as error:
        raise DatasetError(label, list(_describe(error, root, data))) from error
    problems = list(_cross_check(dataset, source_text))
    if problems:
        raise DatasetError(label, problems)
    return dataset


def _describe(error: ValidationError, root: yaml.Node | None, data: Any) -> Iterator[str]:
    for item in error.errors():
        loc = tuple(item["loc"])
        line = _line_of(root, loc)
        where = f"line {line}: " if line else ""
        yield f"{where}{_path(loc, data)}: {item['msg']}"


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
        slug = node[index].get("slug")
        return slug if isinstance(slug, str) else None
    return None


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
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


def _duplicates(slugs: Iterable[str]) -> list[str]:
    return sorted(slug for slug, count in Counter(slugs).items() if count > 1)


def _cross_check(dataset: Dataset, source_text: str | None) -> Iterator[str]:
    """What a schema cannot see: duplicate keys, dangling references, cycles, quotes."""
    sections: dict[str, Iterable[str]] = {
        "organizations": (o.slug for o in dataset.organizations),
        "agreements": (a.slug for a in dataset.agreements),
        "people": (p.slug for p in dataset.people),
        "representations": (r.slug for r in dataset.representations),
        "initiatives": (i.slug for i in dataset.initiatives),
    }
    for section, slugs in sections.items():
        for slug in _duplicates(slugs):
            yield f"{section}[{slug}]: duplicate slug {slug!r}"
    orgs = {o.slug: o for o in dataset.organizations}
    people = {p.slug for p in dataset.people}

    def missing(
        where: str, field: str, slug: str | None, known: set[str] | dict[str, Any]
    ) -> Iterator[str]:
        if slug is not None and slug not in known:
            yield f"{where}.{field}: unknown reference {slug!r}"

    for org in dataset.organizations:
        yield from missing(f"organizations[{org.slug}]", "parent", org.parent, orgs)
    for agreement in dataset.agreements:
        where = f"agreements[{agreement.slug}]"
        for party in agreement.parties:
            yield from missing(where, "parties", party, orgs)
        yield from missing(where, "establishes", agreement.establishes, orgs)
        if (agreement.kind == AgreementKind.CO_FOUNDING) != (agreement.establishes is not None):
            yield f"{where}.establishes: required for CO_FOUNDING agreements and only for them"
        for party in _duplicates(agreement.parties):
            yield f"{where}.parties: {party!r} is listed twice"
    for rep in dataset.representations:
        where = f"representations[{rep.slug}]"
        yield from missing(where, "person", rep.person, people)
        yield from missing(where, "organization", rep.organization, orgs)
        yield from missing(where, "on_behalf_of", rep.on_behalf_of, orgs)
    for initiative in dataset.initiatives:
        for member in initiative.organizations:
            yield from missing(f"initiatives[{initiative.slug}]", "organizations", member, orgs)
    yield from _parent_cycles(orgs)
    if source_text is not None:
        haystack = normalize_whitespace(source_text)
        for where, quote in dataset.quotes():
            if normalize_whitespace(quote) not in haystack:
                yield f"{where}: quote not found verbatim in the source: {quote[:80]!r}"


def _parent_cycles(orgs: dict[str, OrganizationRecord]) -> Iterator[str]:
    for slug in orgs:
        seen = {slug}
        current = orgs[slug].parent
        while current is not None and current in orgs:
            if current in seen:
                yield f"organizations[{slug}].parent: parent chain loops back through {current!r}"
                break
            seen.add(current)
            current = orgs[current].parent
