"""The curated dataset (seed/partners.yaml) against the page it is curated from.

Expectations are derived from the source page with regexes, not copied into the tests, so a
fact the page states but the dataset misses (a partner heading, a person, a year) fails here.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from service.data.dataset import (
    AgreementRecord,
    Dataset,
    DatasetError,
    InitiativeRecord,
    OrganizationRecord,
    Record,
    normalize_whitespace,
    parse_dataset,
    read_dataset,
)
from service.data.models import InitiativeRole, PartnerCategory

ROOT = Path(__file__).parent.parent
DATASET_PATH = ROOT / "seed" / "partners.yaml"
SOURCE_PATH = ROOT / "seed" / "source" / "isct-partner-organizations.txt"

SOURCE = SOURCE_PATH.read_text(encoding="utf-8")
LINES = [line.strip() for line in SOURCE.splitlines()]
HAYSTACK = normalize_whitespace(SOURCE)

CO_FOUNDED_SECTION = "ISCT Co-Founded Organizations"
PARTNER_SECTION = "Other Partner Organizations"

VIEW_WEBSITE = re.compile(r"^View website$", re.IGNORECASE)
LOGO = re.compile(r"(?:\blogo|\.png)$", re.IGNORECASE)
# An acronym has at least two capitals ("ABTCel-Gen", "ANd&tAT"), so "(Primary)" is not one.
ACRONYM = r"[A-Z][\w&-]*[A-Z][\w&-]*"
# A heading names a body and ends with its acronym; sentences and person lines have punctuation.
HEADING_WITH_ACRONYM = re.compile(rf"^[^,.:;]+?\s*\((?P<acronym>{ACRONYM})\)$")
ROLE_HEADING = re.compile(r"^(?P<role>.*\bRepresentatives?\b.*):$")
BULLET = "•"
DESIGNATION = re.compile(r"\s+\((?P<designation>[A-Za-z]+)\)$")
CREDENTIAL = r"[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?:\([A-Z]+\))?"  # MD, PhD, MSc, MT(ASCP)
PERSON_LINE = re.compile(rf"^(?P<name>.+?)(?P<credentials>(?:[,\s]+{CREDENTIAL})*)$")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")

# Parenthesised abbreviations on the page that name no body: the only hand-kept list here.
# HSC (haematopoietic stem cell), ATMPs (the products), MOU (the document), ASCP (part of the
# credential "MT(ASCP)") and INN (International Nonproprietary Names: the names, not the
# programme, which is recorded without an acronym).
NOT_BODIES = {"HSC", "ATMPs", "MOU", "ASCP", "INN"}

# The page writes "bi-ennial"; a recurrence must be stated in the record's quote.
RECURRENCE_WORDS = {"annual": ("annual",), "biennial": ("biennial", "bi-ennial")}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(DATASET_PATH)


# --------------------------------------------------------------------------- helpers


def norm(text: str) -> str:
    return normalize_whitespace(text).casefold()


def mentions(haystacks: Iterable[str], needle: str) -> bool:
    """Case-insensitive, whitespace-normalized containment in any of the texts."""
    return any(norm(needle) in norm(text) for text in haystacks)


def names_body(text: str, org: OrganizationRecord) -> bool:
    """The text names the body by acronym or name ("&" and "and" are the same word here)."""

    def loose(value: str) -> str:
        return norm(value).replace("&", "and")

    candidates = [org.name, *([org.acronym] if org.acronym else [])]
    return any(loose(candidate) in loose(text) for candidate in candidates)


def spans(quote: str) -> Iterator[tuple[int, int]]:
    """Every place a quote occurs in the normalized source."""
    needle = normalize_whitespace(quote)
    start = HAYSTACK.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = HAYSTACK.find(needle, start + 1)


def quotes_of(record: Record) -> tuple[str, ...]:
    if isinstance(record, OrganizationRecord):
        return record.quotes
    assert isinstance(record, AgreementRecord | InitiativeRecord)
    return (record.quote,)


def ancestors(dataset: Dataset, slug: str) -> list[str]:
    orgs = {o.slug: o for o in dataset.organizations}
    chain = []
    current = orgs[slug].parent
    while current is not None:
        chain.append(current)
        current = orgs[current].parent
    return chain


@dataclass(frozen=True)
class Heading:
    line: str
    category: PartnerCategory
    acronym: str | None


@cache
def partner_headings() -> tuple[Heading, ...]:
    """Body headings in the two partner sections.

    A heading comes before a "View Website" line and either ends with "(ACRONYM)" or is the
    first title line after a logo line ("... Logo", "... logo", "....png"); logo lines may
    interleave ("SCB logo" then "SCSS Logo"), so further logo lines are skipped.
    """
    co_founded = LINES.index(CO_FOUNDED_SECTION)
    partners = LINES.index(PARTNER_SECTION)
    last_view = max(i for i, line in enumerate(LINES) if VIEW_WEBSITE.match(line))
    found: dict[str, Heading] = {}
    after_logo = False
    for index in range(co_founded + 1, last_view):
        line = LINES[index]
        if not line:
            continue
        if LOGO.search(line):
            after_logo = True
            continue
        match = HEADING_WITH_ACRONYM.match(line)
        if match or after_logo:
            category = PartnerCategory.CO_FOUNDED if index < partners else PartnerCategory.PARTNER
            acronym = match["acronym"] if match else None
            found.setdefault(normalize_whitespace(line), Heading(line, category, acronym))
        after_logo = False
    return tuple(found.values())


@dataclass(frozen=True)
class PersonEntry:
    heading: str  # the body heading whose block lists the person
    role: str  # the representative heading, singular, without the colon
    line: str  # the person's line, without the bullet
    name: str
    credentials: tuple[str, ...]
    designation: str | None


def parse_person(line: str) -> tuple[str, tuple[str, ...], str | None]:
    """'Fermin Sanchez-Guijo, MD, PhD (Primary)' -> name, credentials, designation."""
    designation = None
    if match := DESIGNATION.search(line):
        designation = match["designation"].upper()
        line = line[: match.start()]
    person = PERSON_LINE.match(line.strip())
    assert person is not None, line
    return person["name"].strip(), tuple(re.findall(CREDENTIAL, person["credentials"])), designation


@cache
def person_entries() -> tuple[PersonEntry, ...]:
    """Bulleted people, and every line after a "...Representative(s)...:" heading.

    A representative heading's list runs to the next "View Website"; the page's duplicated
    NASEM block yields the same entries twice, which are kept once.
    """
    headings = {h.line for h in partner_headings()}
    entries: dict[PersonEntry, None] = {}
    heading: str | None = None
    role: str | None = None
    for line in LINES:
        if line in headings:
            heading, role = line, None
        elif VIEW_WEBSITE.match(line):
            role = None
        elif match := ROLE_HEADING.match(line):
            role = re.sub(r"\bRepresentatives\b", "Representative", match["role"])
        elif line and (line.startswith(BULLET) or role is not None):
            assert heading is not None, f"person before any body heading: {line}"
            assert role is not None, f"bulleted person without a representative heading: {line}"
            text = line.removeprefix(BULLET).strip()
            name, credentials, designation = parse_person(text)
            entry = PersonEntry(heading, role, text, name, credentials, designation)
            entries.setdefault(entry)
    return tuple(entries)


# ------------------------------------------------------------------ 1. partner headings


def test_the_source_parses_into_the_expected_sections() -> None:
    headings = partner_headings()
    categories = [h.category for h in headings]
    assert categories.count(PartnerCategory.CO_FOUNDED) == 2
    assert categories.count(PartnerCategory.PARTNER) == 24


def test_category_counts(dataset: Dataset) -> None:
    categories = [o.category for o in dataset.organizations]
    assert categories.count(PartnerCategory.SELF) == 1
    assert categories.count(PartnerCategory.CO_FOUNDED) == 2
    assert categories.count(PartnerCategory.PARTNER) == 24
    headings = [h.category for h in partner_headings()]
    for category in (PartnerCategory.CO_FOUNDED, PartnerCategory.PARTNER):
        assert categories.count(category) == headings.count(category)


@pytest.mark.parametrize("heading", partner_headings(), ids=lambda h: h.line)
def test_every_partner_heading_is_an_organization(dataset: Dataset, heading: Heading) -> None:
    wanted = normalize_whitespace(heading.line)
    matches = [
        o
        for o in dataset.organizations
        if wanted in (normalize_whitespace(quote) for quote in o.quotes)
    ]
    assert len(matches) == 1, f"no single organization quotes the heading {heading.line!r}"
    org = matches[0]
    assert org.category == heading.category
    assert norm(org.name) in norm(heading.line), f"{org.slug}: name not taken from the heading"
    if heading.acronym is not None:
        assert org.acronym == heading.acronym


def test_every_parenthesised_acronym_is_a_body_or_a_known_abbreviation(dataset: Dataset) -> None:
    acronyms = {o.acronym for o in dataset.organizations if o.acronym}
    on_page = set(re.findall(rf"\(({ACRONYM})\)", SOURCE))
    missing = on_page - acronyms - NOT_BODIES
    assert not missing, f"bodies named on the page but not in the dataset: {sorted(missing)}"


# -------------------------------------------------------------------------- 2. people


def test_the_source_lists_people() -> None:
    entries = person_entries()
    assert len(entries) >= 18
    assert all(entry.role for entry in entries)


@pytest.mark.parametrize("entry", person_entries(), ids=lambda e: f"{e.line} @ {e.heading}")
def test_every_listed_person_is_present(dataset: Dataset, entry: PersonEntry) -> None:
    people = [p for p in dataset.people if p.name in entry.line]
    assert len(people) == 1, f"no single person whose name appears in {entry.line!r}"
    person = people[0]
    assert person.name == entry.name
    assert person.credentials == entry.credentials


@pytest.mark.parametrize("entry", person_entries(), ids=lambda e: f"{e.line} @ {e.heading}")
def test_every_listed_person_has_a_representation(dataset: Dataset, entry: PersonEntry) -> None:
    """The seat is at the block's body, at one of its sub-bodies, or held on its behalf."""
    (heading_org,) = [
        o.slug
        for o in dataset.organizations
        if normalize_whitespace(entry.heading) in map(normalize_whitespace, o.quotes)
    ]
    person = next(p.slug for p in dataset.people if p.name == entry.name)
    seats = [
        r
        for r in dataset.representations
        if r.person == person
        and r.role == entry.role
        and heading_org in (r.organization, r.on_behalf_of, *ancestors(dataset, r.organization))
    ]
    assert len(seats) == 1, f"{person}: no representation for {entry.role!r} at {heading_org}"
    designation = seats[0].designation
    assert (designation.value if designation else None) == entry.designation


def test_people_and_representations_match_the_page_exactly(dataset: Dataset) -> None:
    entries = person_entries()
    assert {p.name for p in dataset.people} == {e.name for e in entries}
    assert len(dataset.representations) == len(entries)


# --------------------------------------------------------------------------- 3. years


def dataset_years(dataset: Dataset) -> Iterator[tuple[int, Record]]:
    """Every year the dataset states, with the record stating it."""
    for org in dataset.organizations:
        if org.founded_year is not None:
            yield org.founded_year, org
    for agreement in dataset.agreements:
        if agreement.year is not None:
            yield agreement.year, agreement
    for initiative in dataset.initiatives:
        if initiative.year is not None:
            yield initiative.year, initiative
        for year in YEAR.findall(initiative.description or ""):
            yield int(year), initiative


def test_every_year_on_the_page_is_in_the_dataset(dataset: Dataset) -> None:
    on_page = {int(year) for year in YEAR.findall(SOURCE)}
    assert on_page, "the page states no year?"
    missing = on_page - {year for year, _ in dataset_years(dataset)}
    assert not missing, f"years on the page missing from the dataset: {sorted(missing)}"


@pytest.mark.parametrize(
    "occurrence", list(YEAR.finditer(HAYSTACK)), ids=lambda m: f"{m.group()}@{m.start()}"
)
def test_every_year_occurrence_is_held_by_a_record_quoting_it(
    dataset: Dataset, occurrence: re.Match[str]
) -> None:
    """Each place the page states a year is quoted by a record that holds that year."""
    year, position = int(occurrence.group()), occurrence.start()
    holders = [record for stated, record in dataset_years(dataset) if stated == year]
    assert any(
        start <= position < end
        for record in holders
        for quote in quotes_of(record)
        for start, end in spans(quote)
    ), f"no record with year {year} quotes {HAYSTACK[position - 60 : position + 20]!r}"


# -------------------------------------------------------------------------- 4. quotes


def test_document_names_the_source_page(dataset: Dataset) -> None:
    assert dataset.document == SOURCE_PATH.name


def test_every_quote_is_verbatim_in_the_source(dataset: Dataset) -> None:
    missing = [
        where for where, quote in dataset.quotes() if normalize_whitespace(quote) not in HAYSTACK
    ]
    assert not missing


def test_organization_descriptions_are_the_page_s_own_words(dataset: Dataset) -> None:
    paraphrased = [
        o.slug
        for o in dataset.organizations
        if o.description and normalize_whitespace(o.description) not in HAYSTACK
    ]
    assert not paraphrased


@pytest.mark.parametrize(
    ("section", "label"),
    [
        ("organizations", "organizations[{slug}]"),
        ("agreements", "agreements[{slug}]"),
        ("people", "people[{slug}]"),
        ("representations", "representations[{person}--{organization}]"),
        ("initiatives", "initiatives[{slug}]"),
    ],
)
def test_a_tampered_quote_is_rejected_naming_the_record(section: str, label: str) -> None:
    data = yaml.safe_load(DATASET_PATH.read_text(encoding="utf-8"))
    record = data[section][-1]
    field = "quotes" if section == "organizations" else "quote"
    original = record[field][0] if section == "organizations" else record[field]
    middle = len(original) // 2
    tampered = f"{original[:middle]}~{original[middle:]}"
    if section == "organizations":
        record[field][0] = tampered
    else:
        record[field] = tampered
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(DatasetError) as raised:
        parse_dataset(text, label="tampered", source_text=SOURCE)
    field_path = ".quotes[0]" if section == "organizations" else ".quote"
    (problem,) = raised.value.problems
    assert re.fullmatch(r"line \d+: (.*)", problem), problem
    assert problem.split(": ", 1)[1] == (
        f"{label.format(**record)}{field_path}: quote not found verbatim in the source: "
        f"{tampered[:80]!r}"
    )


def test_the_untampered_file_round_trips() -> None:
    data = yaml.safe_load(DATASET_PATH.read_text(encoding="utf-8"))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert parse_dataset(text, label="round trip", source_text=SOURCE) == read_dataset(DATASET_PATH)


# ------------------------------------------------------- 5. stated values are quoted


def test_organization_values_are_in_their_quotes(dataset: Dataset) -> None:
    problems = []
    for org in dataset.organizations:
        stated = [org.name, org.acronym, org.founded_year, *org.regions]
        for value in stated:
            if value is not None and not mentions(org.quotes, str(value)):
                problems.append(f"{org.slug}: {value!r}")
    assert not problems


def test_agreement_values_are_in_their_quotes(dataset: Dataset) -> None:
    orgs = {o.slug: o for o in dataset.organizations}
    problems = []
    for agreement in dataset.agreements:
        if agreement.year is not None and str(agreement.year) not in agreement.quote:
            problems.append(f"{agreement.slug}: year {agreement.year}")
        for party in agreement.parties:
            if not names_body(agreement.quote, orgs[party]):
                problems.append(f"{agreement.slug}: party {party}")
        if agreement.establishes and not names_body(agreement.quote, orgs[agreement.establishes]):
            problems.append(f"{agreement.slug}: establishes {agreement.establishes}")
    assert not problems


def test_person_values_are_in_their_quotes(dataset: Dataset) -> None:
    problems = [
        p.slug
        for p in dataset.people
        if not all(mentions((p.quote,), value) for value in (p.name, *p.credentials))
    ]
    assert not problems


def test_representation_values_are_in_their_quotes(dataset: Dataset) -> None:
    names = {p.slug: p.name for p in dataset.people}
    problems = []
    for rep in dataset.representations:
        stated = [names[rep.person], rep.role]
        if rep.designation is not None:
            stated.append(f"({rep.designation.value})")
        problems += [
            f"{rep.slug}: {value!r}" for value in stated if not mentions((rep.quote,), value)
        ]
    assert not problems


def test_initiative_values_are_in_their_quotes(dataset: Dataset) -> None:
    problems = []
    for initiative in dataset.initiatives:
        if initiative.year is not None and str(initiative.year) not in initiative.quote:
            problems.append(f"{initiative.slug}: year {initiative.year}")
        if initiative.recurrence is not None:
            words = RECURRENCE_WORDS.get(initiative.recurrence)
            if words is None or not any(mentions((initiative.quote,), w) for w in words):
                problems.append(f"{initiative.slug}: recurrence {initiative.recurrence!r}")
    assert not problems


# ---------------------------------------------------------- 6. on whose behalf


def test_on_behalf_of_follows_the_role(dataset: Dataset) -> None:
    """The role's first word names whom the person represents ("ISCT Representative...",
    "CARM Representative on..."); a body after "on the" is where the seat is."""
    orgs = {o.slug: o for o in dataset.organizations}
    by_acronym = {o.acronym: o.slug for o in dataset.organizations if o.acronym}
    problems = []
    for rep in dataset.representations:
        represented = by_acronym.get(rep.role.split()[0])
        if rep.on_behalf_of != represented:
            problems.append(f"{rep.slug}: on behalf of {rep.on_behalf_of}, role says {represented}")
        if match := re.search(r"\bon the (?P<seat>.+)$", rep.role):
            seat = orgs[rep.organization]
            if not any(
                match["seat"].startswith(label) for label in (seat.name, seat.acronym) if label
            ):
                problems.append(
                    f"{rep.slug}: sits at {rep.organization}, role says {match['seat']}"
                )
    assert not problems


# ------------------------------------------------------- 7. saying no more than the page

# Words that date a beginning; an agreement's or body's year must follow one in its quote.
BEGINNING = re.compile(r"\b(?:since|signed|co-founded|founded|established|creation)\b", re.I)
SENTENCE_END = re.compile(r"[.;]\s")


def beginning_before(text: str, position: int) -> str | None:
    """The word of beginning that governs the year at `position`: the last one before it in
    its sentence, with no other year in between."""
    sentence_start = max((m.end() for m in SENTENCE_END.finditer(text, 0, position)), default=0)
    words = list(BEGINNING.finditer(text, sentence_start, position))
    if not words or YEAR.search(text, words[-1].end(), position):
        return None
    return words[-1].group().casefold()


def dated_in(quote: str, year: int) -> set[str]:
    """The words of beginning that govern `year` wherever the quote states it."""
    text = normalize_whitespace(quote)
    found = (beginning_before(text, m.start()) for m in re.finditer(rf"\b{year}\b", text))
    return {word for word in found if word}


def test_agreement_years_are_the_year_it_began(dataset: Dataset) -> None:
    """A year the page gives for something else ("most recently ... in 2019") is no start."""
    problems = []
    for agreement in dataset.agreements:
        if agreement.year is None:
            continue
        words = dated_in(agreement.quote, agreement.year)
        if agreement.kind.value == "MEMORANDUM_OF_UNDERSTANDING":
            words &= {"signed"}
        if not words:
            problems.append(f"{agreement.slug}: {agreement.year}")
    assert not problems, f"years the quote does not give as a beginning: {problems}"


def test_founding_years_are_stated_as_foundings(dataset: Dataset) -> None:
    problems = [
        f"{org.slug}: {org.founded_year}"
        for org in dataset.organizations
        if org.founded_year is not None
        and not any(
            dated_in(quote, org.founded_year) & {"founded", "established", "creation"}
            for quote in org.quotes
        )
    ]
    assert not problems


def test_a_recurrence_qualifies_the_initiative_itself(dataset: Dataset) -> None:
    """An "Annual Cord Blood Connect workshop" states one; receptions "at ISCT Annual
    Meetings" do not: the recurrence word must stand right before the initiative's name."""
    problems = []
    for initiative in dataset.initiatives:
        if initiative.recurrence is None:
            continue
        words = RECURRENCE_WORDS.get(initiative.recurrence, ())
        if not any(mentions((initiative.quote,), f"{w} {initiative.name}") for w in words):
            problems.append(f"{initiative.slug}: {initiative.recurrence!r}")
    assert not problems


def section_text(org: OrganizationRecord) -> str:
    """What the page says about a body: its block, from its heading to "View Website", for a
    body with a heading; otherwise the excerpts it quotes."""
    headings = {normalize_whitespace(h.line) for h in partner_headings()}
    heading = next((q for q in org.quotes if normalize_whitespace(q) in headings), None)
    if heading is None:
        return " ".join(org.quotes)
    start = next(i for i, line in enumerate(LINES) if line == normalize_whitespace(heading))
    end = next(i for i in range(start + 1, len(LINES)) if VIEW_WEBSITE.match(LINES[i]))
    return " ".join(LINES[start + 1 : end])


def without_own_names(text: str, org: OrganizationRecord) -> str:
    """The text with the body's own name and acronym taken out (case-insensitive)."""
    for label in sorted(filter(None, (org.name, org.acronym)), key=len, reverse=True):
        text = re.sub(re.escape(label), " ", text, flags=re.IGNORECASE)
    return text


def test_every_region_is_stated_in_the_body_s_own_text_not_its_name(dataset: Dataset) -> None:
    """A region must appear in what the page says about the body ("in Europe", "the Korean
    BMT audience"), not only inside a name ("ISCT Europe")."""
    problems = []
    for org in dataset.organizations:
        text = normalize_whitespace(without_own_names(section_text(org), org))
        for region in org.regions:
            if not re.search(rf"\b{re.escape(region)}", text, re.IGNORECASE):
                problems.append(f"{org.slug}: {region!r}")
    assert not problems


def tokens(text: str) -> list[str]:
    """Words, case-folded, "&" read as "and", and "and", "the" and "of" dropped, so that
    "Sciences, Engineering, and Medicine's" compares with "Sciences Engineering Medicine"."""
    words = re.findall(r"\w+", text.casefold().replace("&", " and "))
    return [word for word in words if word not in ("and", "the", "of")]


def states_containment(quote: str, unit: OrganizationRecord, parent: OrganizationRecord) -> bool:
    """The page puts the unit inside its parent: the unit's name starts with the parent's
    acronym ("ISCT Commercialization Committee", "WHO ... Programme"), or the parent's name or
    acronym stands right before it ("Medicine's Forum", "ICCBBAA Cellular Therapy ...", the
    page's misspelling a longer word)."""
    name = tokens(unit.name)
    labels = [tokens(label) for label in (parent.name, parent.acronym) if label]
    if any(name[: len(label)] == label for label in labels):
        return True
    words = tokens(quote)
    for start in range(len(words) - len(name) + 1):
        if words[start : start + len(name)] != name:
            continue
        before = words[:start]
        if before and before[-1] == "s":  # a possessive: the page's "Medicine's Forum"
            before = before[:-1]
        for label in labels:
            head, last = before[-len(label) : -1], before[-1:]
            if head == label[:-1] and last and last[0].startswith(label[-1]):
                return True
    return False


def test_a_parent_is_only_one_the_page_states_as_containing_the_unit(dataset: Dataset) -> None:
    """The page calls Cytotherapy "the Official Journal of ISCT": ISCT's journal, not a body
    inside ISCT. Units roll up into their parent, so a wrong parent makes the parent party
    to what it is not."""
    orgs = {o.slug: o for o in dataset.organizations}
    problems = [
        f"{org.slug} in {org.parent}"
        for org in dataset.organizations
        if org.parent is not None
        and not any(states_containment(q, org, orgs[org.parent]) for q in org.quotes)
    ]
    assert not problems


def test_every_description_is_a_verbatim_span_of_the_page(dataset: Dataset) -> None:
    records: list[OrganizationRecord | AgreementRecord | InitiativeRecord] = [
        *dataset.organizations, *dataset.agreements, *dataset.initiatives,
    ]  # fmt: skip
    paraphrased = [
        r.slug
        for r in records
        if r.description and normalize_whitespace(r.description) not in HAYSTACK
    ]
    assert not paraphrased


def test_agreement_and_initiative_descriptions_are_spans_of_their_quote(dataset: Dataset) -> None:
    """The header's promise: "for agreements and initiatives it is a short span of it"."""
    records: list[AgreementRecord | InitiativeRecord] = [*dataset.agreements, *dataset.initiatives]
    outside = [
        r.slug
        for r in records
        if r.description
        and normalize_whitespace(r.description) not in normalize_whitespace(r.quote)
    ]
    assert not outside


# The word that introduces a body in a clause says its role: "at the University of Granada"
# (where it takes place), "for 3 ISCT Europe Members" (whom it is for); a body named
# otherwise ("ISCT and CBA collaborate", "CellCAN ... lead organization") is behind it.
ROLE_WORDS = {"at": InitiativeRole.HOST, "for": InitiativeRole.RECIPIENT}
ROLE_WINDOW = 6  # words before a name that may still introduce it


def roles_named(quote: str, org: OrganizationRecord) -> set[InitiativeRole]:
    """The roles the quote's wording gives the body, one per place it names it."""
    words = tokens(quote)
    roles = set()
    for label in (tokens(x) for x in (org.name, org.acronym) if x):
        for start in range(len(words) - len(label) + 1):
            if words[start : start + len(label)] != label:
                continue
            before = reversed(words[max(0, start - ROLE_WINDOW) : start])
            word = next((w for w in before if w in ROLE_WORDS), None)
            roles.add(ROLE_WORDS[word] if word else InitiativeRole.ORGANIZER)
    return roles


def test_every_initiative_participant_is_named_in_its_role(dataset: Dataset) -> None:
    """The Granada scholarships' quote makes ISCT Europe's members the recipients and the
    university the host; neither is behind the initiative."""
    orgs = {o.slug: o for o in dataset.organizations}
    problems = [
        f"{initiative.slug}: {slug} as {role.value}"
        for initiative in dataset.initiatives
        for _field, slug, role in initiative.participants()
        if role not in roles_named(initiative.quote, orgs[slug])
    ]
    assert not problems
