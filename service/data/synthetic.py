"""A deterministic synthetic directory for tests and benchmarks, shaped like the real one:
~3 agreements per organization as a party (2 parties each), ~1.2 people per organization,
~1.7 seats per person, initiatives, and committees inside parent bodies.

It is built directly as the loader's snapshot: the records are valid by construction, and
building 600,000 validated records would cost more than loading them.
"""

import random

from service.data.loader import Snapshot
from service.data.models import AgreementKind, Designation, PartnerCategory
from service.data.records import Values

DOCUMENT = "synthetic"
REGIONS = ("Europe", "Asia", "Canada", "Japan", "Korea", "Brazil", "Australia & New Zealand")
WORDS = (
    "Cell", "Gene", "Therapy", "Regenerative", "Medicine", "Marrow", "Blood", "Transplant",
    "Standards", "Accreditation", "Vesicle", "Translational", "Manufacturing", "Research",
)  # fmt: skip
KINDS = tuple(kind.value for kind in AgreementKind)
CATEGORIES = (PartnerCategory.PARTNER, PartnerCategory.RELATED, PartnerCategory.CO_FOUNDED)
CREDENTIALS = (("MD",), ("PhD",), ("MD", "PhD"), ("MSc",), ())
ROLES = ("Board Representative", "Representative", "Liaison")
DESIGNATIONS = (None, Designation.PRIMARY.value, Designation.ALTERNATE.value)
INITIATIVE_KINDS = ("course", "workshop", "meeting", "scholarship", "survey")
RECURRENCES = (None, "annual", "biennial")


def _pick[T](rng: random.Random, items: tuple[T, ...]) -> T:
    return items[int(rng.random() * len(items))]


def _other(rng: random.Random, n: int, not_this: int) -> int:
    """A uniformly drawn index other than `not_this` (n >= 2)."""
    other = int(rng.random() * (n - 1))
    return other + 1 if other >= not_this else other


def _organization(rng: random.Random, i: int) -> Values:
    words = f"{_pick(rng, WORDS)} {_pick(rng, WORDS)} {_pick(rng, WORDS)}"
    name = f"{words} Organization {i}"
    regions = tuple({_pick(rng, REGIONS): None for _ in range(int(rng.random() * 3))})
    return {
        "name": name,
        "acronym": f"O{i}",
        "category": (PartnerCategory.SELF if i == 0 else _pick(rng, CATEGORIES)).value,
        "description": f"{name} works on {_pick(rng, WORDS).lower()} research.",
        "founded_year": 1950 + int(rng.random() * 75) if rng.random() < 0.7 else None,
        "website": None,
        "parent": f"org-{int(rng.random() * i)}" if i > 10 and rng.random() < 0.1 else None,
        "regions": regions,
        "sources": ((DOCUMENT, name),),
        "editorial_note": None,
    }


def _agreement(rng: random.Random, i: int, n: int) -> Values:
    a = int(rng.random() * n)
    parties = (f"org-{a}", f"org-{_other(rng, n, a)}") if n > 1 else (f"org-{a}",)
    kind = _pick(rng, KINDS)
    return {
        "kind": kind,
        "title": f"Agreement {i} between {' and '.join(parties)}",
        "year": 1990 + int(rng.random() * 35) if rng.random() < 0.8 else None,
        "description": None,
        "establishes": parties[-1] if kind == AgreementKind.CO_FOUNDING else None,
        "parties": parties,
        "source_document": DOCUMENT,
        "source_quote": f"agreement {i}",
        "editorial_note": None,
    }


def _seats(rng: random.Random, person: str, n: int) -> dict[str, Values]:
    first = int(rng.random() * n)
    orgs = [first] if n == 1 or rng.random() < 0.3 else [first, _other(rng, n, first)]
    return {
        f"{person}--org-{org}": {
            "person": person,
            "organization": f"org-{org}",
            "on_behalf_of": "org-0",
            "role": _pick(rng, ROLES),
            "designation": _pick(rng, DESIGNATIONS),
            "source_document": DOCUMENT,
            "source_quote": person,
            "editorial_note": None,
        }
        for org in orgs
    }


def _initiative(rng: random.Random, i: int, n: int) -> Values:
    kind = _pick(rng, INITIATIVE_KINDS)
    a = int(rng.random() * n)
    slugs = (f"org-{a}", f"org-{_other(rng, n, a)}") if n > 1 else (f"org-{a}",)
    # Every third initiative's second body hosts it rather than organizing it.
    roles = ("ORGANIZER", "HOST" if i % 3 == 0 else "ORGANIZER")
    members = tuple(zip(slugs, roles, strict=False))
    return {
        "name": f"{_pick(rng, WORDS)} {kind.title()} {i}",
        "kind": kind,
        "recurrence": _pick(rng, RECURRENCES),
        "year": 2000 + int(rng.random() * 25) if rng.random() < 0.5 else None,
        "description": None,
        "organizations": members,
        "source_document": DOCUMENT,
        "source_quote": f"initiative {i}",
        "editorial_note": None,
    }


def synthetic_snapshot(n: int, *, seed: int = 20261125) -> Snapshot:
    """The same n always gives the same directory."""
    if n < 1:
        raise ValueError("a synthetic directory needs at least 1 organization")
    rng = random.Random(seed)
    people: dict[str, Values] = {}
    seats: dict[str, Values] = {}
    for i in range(n * 6 // 5):
        slug = f"person-{i}"
        people[slug] = {
            "name": f"Person {i} {_pick(rng, WORDS)}",
            "credentials": _pick(rng, CREDENTIALS),
            "source_document": DOCUMENT,
            "source_quote": slug,
            "editorial_note": None,
        }
        seats.update(_seats(rng, slug, n))
    return {
        "organizations": {f"org-{i}": _organization(rng, i) for i in range(n)},
        "people": people,
        "agreements": {f"agreement-{i}": _agreement(rng, i, n) for i in range(n * 3 // 2)},
        "representations": seats,
        "initiatives": {f"initiative-{i}": _initiative(rng, i, n) for i in range(max(1, n // 5))},
    }
