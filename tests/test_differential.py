"""Differential tests: the compiled path and the resolver path give the very same answer.

Two apps serve one database: one answers with compiled statements (`compiled_queries=True`,
falling back to the resolvers where the compiler declines), one always with the resolvers.
Every request goes to both, and both answers must match: the HTTP status, and the body as
parsed JSON re-serialised with its key order kept (`json.dumps(json.loads(body))`: the raw
bytes may legitimately differ in escaping, since the database writes UTF-8 and Python writes
\\uXXXX). `extensions.cost` is part of the body, so it must match too.

Where a query is meant to compile, the compiled app must also have answered it with exactly
one statement, and that statement the compiler's: a compiler that quietly fell back on
everything would otherwise pass every comparison.

The requests come from four places: a hand-written corpus exercising every compiled feature
and the refusals the compiler must leave to the resolvers, with cursor walks through every
connection and order (on the curated dataset, on a synthetic one, and on a curated copy with
awkward text); queries generated from the schema (hypothesis-graphql); and a replay of every
request the rest of the session sent (`tests/conftest.py` records them; the replay runs
last). Each dataset's and each source's tally of compiled and fallen-back answers is printed
in the "differential testing" section of the run's summary.
"""

import dataclasses
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
import hypothesis_graphql
import pytest
import pytest_asyncio
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from service.config import Settings
from service.data import queries
from service.data.engine import create_engine
from service.data.models import AgreementKind, PartnerCategory
from service.data.text import fold
from service.graphql.ids import encode_cursor, encode_id
from service.graphql.schema import schema_sdl
from tests.conftest import (
    RECORDED_REQUESTS,
    RECORDER,
    SESSION_NOTES,
    Databases,
    RecordedRequest,
    StatementCounter,
    serving,
)
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY
from tests.utils import dataset, global_id
from tests.utils.live import OnPrivateLoop
from tests.utils.statement_log import COMPILED_STATEMENT

SYNTHETIC = "synthetic:300"
ON_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the app pairs live on that loop
# The compiler's statements: `[WITH ...\n]SELECT <the root JSON object>` (dialects.py).
SHOWN_CHARS = 3000  # of each body, in a failure report
REPLAY_CAP = 4000  # the replay compares at most this many recorded requests (in their order)


# --- comparing one request ------------------------------------------------------------


def normalized(response: httpx.Response) -> str:
    """The body as parsed JSON written back with its key order kept (its errors in one
    order): what must be equal.

    An internal error's `requestId` names the request, so no two answers share one (two
    requests through the same path neither): its value is masked, its presence compared."""
    try:
        body = json.loads(response.content)
    except ValueError:  # not JSON (a plain-text refusal): then the text itself
        return response.text
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and "requestId" in extensions:
            extensions["requestId"] = "<the request's own>"
    if isinstance(errors, list):
        # The spec leaves the order of errors open: fields resolved at the same time (two
        # root fields refused alike) report theirs in whichever order they finished.
        body["errors"] = sorted(errors, key=lambda error: json.dumps(error, sort_keys=True))
    return json.dumps(body)


def answered_by_compiler(statements: list[str], method: str) -> bool:
    """Whether the compiled app answered with one compiled statement and nothing else, over
    GET as over POST: a GET's ETag comes from the revision the process holds in memory
    (service/data/revision.py), not from a statement."""
    compiled = [s for s in statements if COMPILED_STATEMENT.search(s)]
    return len(compiled) == 1 and len(statements) == 1


@dataclass(frozen=True)
class Outcome:
    """Both answers to one request."""

    status: int
    text: str  # the compiled app's normalized body
    body: Any  # ... parsed (None if it was not JSON)
    compiled: bool  # the compiled app answered with its one statement
    mismatch: str | None  # what differed, ready to print; None when the answers agree

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}... ({len(text)} chars)"


class Differential:
    """Two apps over one database: `compiled` (compiled_queries=True) and `resolvers`."""

    def __init__(
        self,
        compiled: tuple[httpx.AsyncClient, StatementCounter],
        resolvers: tuple[httpx.AsyncClient, StatementCounter],
    ) -> None:
        self.compiled_client, self.compiled_sql = compiled
        self.resolver_client, _ = resolvers
        self.answered: Counter[str] = Counter()  # "compiled" / "resolvers", for the summary

    @staticmethod
    async def _send(
        client: httpx.AsyncClient, method: str, payload: Mapping[str, Any]
    ) -> httpx.Response:
        if method == "GET":
            return await client.get("/graphql", params=dict(payload))
        return await client.post("/graphql", json=payload)

    async def check(self, method: str, payload: dict[str, Any]) -> Outcome:
        """Send one request to both apps; say what differed rather than raise, so a replay
        can report every difference at once."""
        with RECORDER.paused():  # these requests are compared here: not for the replay
            self.compiled_sql.statements.clear()
            compiled = await self._send(self.compiled_client, method, payload)
            statements = list(self.compiled_sql.statements)
            resolvers = await self._send(self.resolver_client, method, payload)
        by_compiler = answered_by_compiler(statements, method)
        self.answered["compiled" if by_compiler else "resolvers"] += 1
        ours, theirs = normalized(compiled), normalized(resolvers)
        mismatch = None
        if compiled.status_code != resolvers.status_code or ours != theirs:
            mismatch = (
                f"{method} {json.dumps(payload, ensure_ascii=False)}\n"
                f"compiled app ({'compiled statement' if by_compiler else 'fell back'}, "
                f"{len(statements)} statements): HTTP {compiled.status_code}\n  {_shown(ours)}\n"
                f"resolver app: HTTP {resolvers.status_code}\n  {_shown(theirs)}"
            )
        try:
            body = json.loads(ours)
        except ValueError:
            body = None
        return Outcome(compiled.status_code, ours, body, by_compiler, mismatch)

    async def compare(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        method: str = "POST",
        compiles: bool | None = True,
    ) -> Outcome:
        """Both answers must be identical; `compiles` says which path the compiled app must
        have taken (None: either)."""
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = json.dumps(variables) if method == "GET" else variables
        if operation_name is not None:
            payload["operationName"] = operation_name
        outcome = await self.check(method, payload)
        assert outcome.mismatch is None, outcome.mismatch
        if compiles is not None:
            path = "one compiled statement" if compiles else "the resolver path"
            assert outcome.compiled is compiles, (
                f"expected {path}; the compiled app answered otherwise:\n{query}\n"
                f"{_shown(outcome.text)}"
            )
        return outcome


@asynccontextmanager
async def paired(database_url: str) -> AsyncIterator[Differential]:
    """A compiled app and a resolver app over the same database."""
    async with AsyncExitStack() as stack:
        compiled = await stack.enter_async_context(
            serving(
                Settings(database_url=database_url, compiled_queries=True, response_cache_bytes=0)
            )
        )
        resolvers = await stack.enter_async_context(
            serving(
                Settings(database_url=database_url, compiled_queries=False, response_cache_bytes=0)
            )
        )
        yield Differential(compiled, resolvers)


# --- what a dataset holds: the slugs and IDs the corpus asks about -----------------------

DISCOVERY = """{
  organizations(first: 100) { nodes { id slug regions parent { slug } units { slug }
    cofounders { slug } cofounded { slug } delegates { id } representatives { id }
    initiatives { id } agreements { id } } }
  people(first: 100) { nodes { id slug representations { id } } }
  agreements(first: 100) { nodes { id year establishes { slug } } }
}"""


async def vocabulary(pair: Differential) -> dict[str, Any]:
    """Slugs, IDs, regions and years of this dataset, chosen for having the most to show
    (the organization with the most units, seats and initiatives, and so on)."""
    data = (await pair.compare(DISCOVERY)).data
    orgs = data["organizations"]["nodes"]
    people = data["people"]["nodes"]
    agreements = data["agreements"]["nodes"]

    def richest(items: list[dict[str, Any]], *keys: str) -> dict[str, Any]:
        return max(items, key=lambda item: sum(len(item[key] or ()) for key in keys))

    org = richest(orgs, "units", "representatives", "initiatives", "agreements")
    regions = Counter(region for o in orgs for region in o["regions"])
    region = regions.most_common(1)[0][0]
    dated = sorted(a["year"] for a in agreements if a["year"] is not None)
    representations = [r["id"] for p in people for r in p["representations"]]
    initiatives = [i["id"] for o in orgs for i in o["initiatives"]]
    establishing = [a for a in agreements if a["establishes"]] or agreements

    def awkwardness(text: str) -> int:  # characters beyond a plain slug's
        return sum(not (c.isascii() and (c.isalnum() or c == "-")) for c in text)

    awkward = max(orgs, key=lambda o: awkwardness(o["slug"]))
    return {
        "org": org["slug"],
        "org_id": org["id"],
        "unit": next(o["slug"] for o in orgs if o["parent"]),
        "established": richest(orgs, "cofounders")["slug"],
        "cofounder": richest(orgs, "cofounded")["slug"],
        "delegator": richest(orgs, "delegates")["slug"],
        "party": richest(orgs, "agreements")["slug"],
        "person": richest(people, "representations")["slug"],
        "person_id": richest(people, "representations")["id"],
        "agreement_id": establishing[0]["id"],
        "representation_id": representations[0],
        "initiative_id": initiatives[0],
        "region": region,
        "region_upper": region.upper(),
        "region_lower": region.lower(),
        "awkward_slug": awkward["slug"],
        "awkward_id": awkward["id"],
        "awkward_region": max(regions, key=awkwardness),
        "awkward_region_upper": max(regions, key=awkwardness).upper(),
        "year_low": dated[len(dated) // 4],
        "year_mid": dated[len(dated) // 2],
        "year_high": dated[3 * len(dated) // 4],
        "missing_org_id": encode_id("Organization", "no-such-body"),
        "unknown_type_id": encode_id("Widget", "fact"),
        "walk": 7 if len(orgs) < 60 else 40,  # page size of the cursor walks
    }


@dataclass
class Pair:
    """An app pair on one dataset, with what that dataset holds."""

    name: str
    differential: Differential
    words: dict[str, Any] = field(default_factory=dict)


# Text each path must carry through unchanged, in names, titles, slugs (so IDs and cursors),
# regions, credentials and quotes: quotes and backslashes, control characters, characters
# JSON may escape or not (U+2028, DEL), astral characters, and text that reads as JSON.
ODD_TEXTS = (
    'Quote " and \\ backslash',
    "Tab\there\nnewline\r\x01\x1f",
    "Emoji \U0001f9ec \U0001d518\U0001d52b\U0001d526",
    "Line\u2028separator\u2029paragraph",
    "\u00dcn\u00efc\u00f6d\u00e9 \u00c7af\u00e9 \u00df",
    "/slash </script> &amp;",
    '{"slug":"x"} [1]',
    "  spaces  ",
    "\x7f delete",
    "zero\u200bwidth\ufeff",
)
ODD_TEXT = "curated-odd-text"


async def with_odd_text(url: str) -> None:
    """Write ODD_TEXTS into a curated database (the search index is left as it was: stale
    hits, such as the renamed slug's, must be dropped alike)."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as conn:

            async def ids(table: sa.Table) -> list[int]:
                return list(
                    (await conn.execute(sa.select(table.c.id).order_by(table.c.id))).scalars()
                )

            for row, text in zip((await ids(queries.ORG))[1:], ODD_TEXTS, strict=False):
                await conn.execute(
                    sa.update(queries.ORG).where(queries.ORG.c.id == row)
                    .values(name=text, description=text, acronym=text[:90])
                )  # fmt: skip
                await conn.execute(
                    sa.update(queries.REGION).where(queries.REGION.c.organization_id == row)
                    .values(region=text, region_key=fold(text))
                )  # fmt: skip
            for row, text in zip(await ids(queries.PERSON), ODD_TEXTS, strict=False):
                await conn.execute(
                    sa.update(queries.PERSON).where(queries.PERSON.c.id == row)
                    .values(name=text, credentials=[text, "MD"])
                )  # fmt: skip
            for row, text in zip(await ids(queries.AGREEMENT), ODD_TEXTS, strict=False):
                await conn.execute(
                    sa.update(queries.AGREEMENT).where(queries.AGREEMENT.c.id == row)
                    .values(title=text, description=text, source_quote=text)
                )  # fmt: skip
            for table, slug in (
                (queries.ORG, 'ébmt-\U0001f9ec-"q"\\'),
                (queries.PERSON, "pérson/ü"),
            ):
                last = (await ids(table))[-1]
                await conn.execute(sa.update(table).where(table.c.id == last).values(slug=slug))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(
    scope="module", loop_scope="module", params=["curated", SYNTHETIC, ODD_TEXT]
)
async def pair(request: pytest.FixtureRequest, databases: Databases) -> AsyncIterator[Pair]:
    """Both apps over the curated dataset, over a synthetic one ten times its size, and over
    a curated copy whose text is as awkward as text gets."""
    name: str = request.param
    if name == "curated":
        url = await databases.shared(__name__)
    elif name == ODD_TEXT:
        url = await databases.fresh("curated")
        await with_odd_text(url)
    else:
        url = await databases.fresh(name)
    async with paired(url) as differential:
        found = Pair(name, differential)
        found.words = await vocabulary(differential)
        yield found
        answered = differential.answered
        SESSION_NOTES.append(
            f"corpus on {name}: {sum(answered.values())} requests, {answered['compiled']} "
            f"answered by one compiled statement, {answered['resolvers']} by the resolvers"
        )


# --- the hand-written corpus -------------------------------------------------------------

SOURCE = "source { __typename document quote }"
EDITED = "version editorialNote { __typename note by }"
ORG_SCALARS = (
    f"__typename id slug name acronym category description foundedYear website regions {EDITED}"
)
AGREEMENT_SCALARS = f"__typename id kind title year description {SOURCE} {EDITED}"
PERSON_SCALARS = f"__typename id slug name credentials {SOURCE} {EDITED}"
REPRESENTATION_SCALARS = f"__typename id role designation {SOURCE} {EDITED}"
INITIATIVE_SCALARS = f"__typename id name kind recurrence year description {SOURCE} {EDITED}"
PAGE_INFO = "pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }"
EVERY_ORG_FIELD = f"""{ORG_SCALARS}
  parent {{ {ORG_SCALARS} parent {{ slug }} }}
  units {{ {ORG_SCALARS} }}
  cofounders {{ slug name }} cofounded {{ slug name }}
  agreements {{ {AGREEMENT_SCALARS} parties {{ slug }} establishes {{ slug }} }}
  coFoundings: agreements(kind: CO_FOUNDING) {{ title establishes {{ slug }} }}
  memberships: agreements(kind: MEMBERSHIP) {{ title year }}
  mous: agreements(kind: MEMORANDUM_OF_UNDERSTANDING) {{ id title }}
  collaborations: agreements(kind: COLLABORATION) {{ title }}
  liaisons: agreements(kind: LIAISON) {{ title }}
  representatives {{ {REPRESENTATION_SCALARS} person {{ slug }} organization {{ slug }}
    onBehalfOf {{ slug }} }}
  delegates {{ id role designation person {{ name }} organization {{ slug }} }}
  initiatives {{ {INITIATIVE_SCALARS} organizations {{ slug }}
    participants {{ __typename role organization {{ slug }} }} }}
  sources {{ __typename document quote }}"""
EVERY_NODE_TYPE = f"""__typename
  ... on Node {{ id }}
  ... on Organization {{ {ORG_SCALARS} units {{ slug }} }}
  ... on Agreement {{ {AGREEMENT_SCALARS} parties {{ slug }} establishes {{ slug }} }}
  ... on Person {{ {PERSON_SCALARS} representations {{ id }} }}
  ... on Representation {{ {REPRESENTATION_SCALARS} person {{ slug }}
    organization {{ slug }} onBehalfOf {{ slug }} }}
  ... on Initiative {{ id name initiativeKind: kind recurrence year organizations {{ slug }} }}"""
CONNECTION = f"__typename totalCount {PAGE_INFO} edges {{ __typename cursor node {{ id }} }}"
FALLS_BACK = False  # the resolver path must answer: it refuses the request, or it must
EITHER = None  # the compiler may or may not cover it (coverage, not correctness)
NUL = "\\u0000"  # inside a GraphQL string literal


def _escaped(value: Any) -> Any:
    """Text as it goes between the quotes of a GraphQL string literal."""
    return json.dumps(value, ensure_ascii=False)[1:-1] if isinstance(value, str) else value


@dataclass(frozen=True)
class Case:
    """One request of the corpus. `%(name)s` in the query, and in variables' strings, is a
    value of the dataset's vocabulary; a variable that is exactly `%(name)s` takes its type."""

    id: str
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    compiles: bool | None = True
    method: str = "POST"
    refused: bool = False  # the request is refused: by the resolver path, so never compiled

    def __post_init__(self) -> None:
        if self.refused:
            object.__setattr__(self, "compiles", FALLS_BACK)

    def bind(self, words: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
        def value(item: Any) -> Any:
            if isinstance(item, str):
                whole = re.fullmatch(r"%\((\w+)\)s", item)
                return words[whole.group(1)] if whole else item % words
            if isinstance(item, list):
                return [value(x) for x in item]
            if isinstance(item, dict):
                return {k: value(v) for k, v in item.items()}
            return item

        # In the query the values stand inside string literals: escaped as JSON escapes them,
        # which GraphQL reads alike.
        quoted = {k: _escaped(v) for k, v in words.items()}
        return self.query % quoted, value(self.variables)


def _organization_pages() -> list[Case]:
    cases = []
    for field_name in ("NAME", "FOUNDED_YEAR"):
        for direction in ("ASC", "DESC"):
            order = f"orderBy: {{field: {field_name}, direction: {direction}}}"
            tag = f"{field_name.lower()}-{direction.lower()}"
            cases += [
                Case(f"order-{tag}", f"{{ organizations({order}) {{ {CONNECTION} }} }}"),
                Case(
                    f"order-{tag}-first-5",
                    f"{{ organizations(first: 5, {order}) {{ {CONNECTION} "
                    f"nodes {{ slug foundedYear }} }} }}",
                ),
                Case(
                    f"order-{tag}-last-5",
                    f"{{ organizations(last: 5, {order}) {{ {CONNECTION} "
                    f"nodes {{ slug foundedYear }} }} }}",
                ),
            ]
    return cases


CASES: list[Case] = [
    # every field of every type
    Case(
        "organization-every-field", f'{{ organization(slug: "%(org)s") {{ {EVERY_ORG_FIELD} }} }}'
    ),
    Case(
        "organizations-every-field",
        f"{{ organizations(first: 40) {{ nodes {{ {EVERY_ORG_FIELD} }} }} }}",
    ),
    Case(
        "unit-and-parent",
        f'{{ organization(slug: "%(unit)s") {{ {ORG_SCALARS} parent {{ slug units {{ slug }} '
        f"representatives {{ id }} initiatives {{ name }} agreements {{ title }} }} }} }}",
    ),
    Case(
        "cofounders-and-cofounded",
        '{ a: organization(slug: "%(established)s") { slug cofounders { slug cofounded { slug } }'
        ' cofounded { slug } } b: organization(slug: "%(cofounder)s") { cofounded { slug '
        "cofounders { slug } } } }",
    ),
    Case(
        "delegates",
        f'{{ organization(slug: "%(delegator)s") {{ delegates {{ {REPRESENTATION_SCALARS} '
        "person { slug } organization { slug } onBehalfOf { slug } } } }",
    ),
    Case(
        "people-every-field",
        f"{{ people(first: 100) {{ totalCount nodes {{ {PERSON_SCALARS} representations {{ "
        f"{REPRESENTATION_SCALARS} person {{ slug }} organization {{ slug name }} "
        f"onBehalfOf {{ slug acronym }} }} }} }} }}",
    ),
    Case(
        "person-every-field",
        f'{{ person(slug: "%(person)s") {{ {PERSON_SCALARS} representations {{ '
        f"{REPRESENTATION_SCALARS} person {{ {PERSON_SCALARS} }} organization {{ {ORG_SCALARS} }} "
        f"onBehalfOf {{ {ORG_SCALARS} }} }} }} }}",
    ),
    Case(
        "agreements-every-field",
        f"{{ agreements(first: 100) {{ totalCount nodes {{ {AGREEMENT_SCALARS} parties {{ "
        f"{ORG_SCALARS} }} establishes {{ {ORG_SCALARS} cofounders {{ slug }} }} }} }} }}",
    ),
    Case(
        "initiatives-every-field",
        f"{{ organizations(first: 100) {{ nodes {{ slug initiatives {{ {INITIATIVE_SCALARS} "
        f"organizations {{ {ORG_SCALARS} }} }} }} }} }}",
    ),
    Case(
        "initiative-participants-and-roles",
        "{ organizations(first: 100) { nodes { slug initiatives { name "
        "organizers: organizations { slug } participants { __typename role "
        "organization { slug name parent { slug } initiatives { name } } } } } } }",
    ),
    Case(
        "dataset-provenance",
        "{ dataset { __typename revision sources { __typename name quotes } } }",
        compiles=FALLS_BACK,
    ),
    Case(
        "sources",
        f"{{ organizations {{ nodes {{ sources {{ __typename document quote }} agreements {{ "
        f"{SOURCE} }} representatives {{ {SOURCE} }} initiatives {{ {SOURCE} }} }} }} }}",
    ),
    Case(
        "agreement-kinds-as-arguments",
        "{ organizations(first: 100) { nodes { slug "
        + " ".join(
            f"{kind.lower()}: agreements(kind: {kind}) {{ title year }}" for kind in AgreementKind
        )
        + " } } }",
    ),
    Case(
        "agreement-kind-variable",
        'query($kind: AgreementKind) { organization(slug: "%(party)s") { agreements(kind: $kind)'
        " { title kind } all: agreements { title } } }",
        {"kind": "COLLABORATION"},
    ),
    Case(
        "agreement-kind-variable-null",
        'query($kind: AgreementKind) { organization(slug: "%(party)s") { agreements(kind: $kind)'
        " { title kind } } }",
        {"kind": None},
    ),
    # asOf: the network as it stood in a year, on the listings and Organization.agreements
    *[
        Case(
            f"as-of-{tag}",
            f"{{ organizations(asOf: {year}, first: 100) {{ {CONNECTION} nodes {{ slug "
            f"foundedYear agreements(asOf: {year}) {{ title year }} all: agreements {{ title }} "
            f"}} }} agreements(asOf: {year}, first: 100) {{ {CONNECTION} nodes {{ title year "
            "parties { slug foundedYear } establishes { slug foundedYear } } } }",
        )
        for tag, year in (
            ("before-everything", "0"),
            ("low", "%(year_low)s"),
            ("mid", "%(year_mid)s"),
            ("high", "%(year_high)s"),
            ("far-future", "9999"),
            ("negative", "-1"),
        )
    ],
    Case(
        "as-of-with-kind-and-filters",
        "query($year: Int) { organizations(asOf: $year, filter: {agreementKind: COLLABORATION}) "
        f"{{ {CONNECTION} nodes {{ slug agreements(kind: COLLABORATION, asOf: $year) {{ title }} "
        "} } agreements(asOf: $year, filter: {kind: COLLABORATION}) { totalCount } }",
        {"year": "%(year_mid)s"},
    ),
    Case(
        "as-of-variable-null",
        'query($year: Int) { organization(slug: "%(party)s") { agreements(asOf: $year) { title } } '
        "organizations(asOf: $year) { totalCount } }",
        {"year": None},
    ),
    # the root fields by slug, present and absent
    Case("organization-missing", '{ organization(slug: "no-such-body") { slug } }'),
    Case("organization-empty-slug", '{ organization(slug: "") { slug } }'),
    Case("person-missing", '{ person(slug: "nobody") { slug } }'),
    Case(
        "slugs-as-variables",
        "query($o: String!, $p: String!) { organization(slug: $o) { name } person(slug: $p) "
        "{ name } }",
        {"o": "%(org)s", "p": "%(person)s"},
    ),
    Case(
        "non-ascii-slug", '{ organization(slug: "café-ünïcode") { slug } person(slug: "é") { id } }'
    ),
    # connections: sizes, directions, orders
    *[
        Case(
            f"{root}-first-{size}",
            f"{{ {root}(first: {size}) {{ {CONNECTION} nodes {{ __typename id }} }} }}",
        )
        for root in ("organizations", "people", "agreements")
        for size in (0, 1, 5, 100)
    ],
    *[
        Case(f"{root}-no-arguments", f"{{ {root} {{ {CONNECTION} }} }}")
        for root in ("organizations", "people", "agreements")
    ],
    *[
        Case(f"{root}-last-{size}", f"{{ {root}(last: {size}) {{ {CONNECTION} nodes {{ id }} }} }}")
        for root in ("organizations", "people", "agreements")
        for size in (0, 1, 5, 100)
    ],
    Case(
        "people-and-agreements-last-filtered",
        f'{{ people(last: 2, filter: {{organization: "%(org)s"}}) {{ {CONNECTION} '
        f"nodes {{ slug }} }} agreements(last: 3, filter: {{kind: COLLABORATION}}) "
        f"{{ {CONNECTION} nodes {{ title }} }} }}",
    ),
    *_organization_pages(),
    Case(
        "connection-parts-alone",
        "{ a: organizations(first: 3) { totalCount } b: organizations(first: 3) { pageInfo "
        "{ endCursor } } c: organizations(first: 3) { edges { cursor } } d: organizations("
        "first: 3) { nodes { __typename } } e: people(first: 2) { edges { node { slug } } } "
        "f: agreements(first: 2) { pageInfo { hasNextPage } } }",
    ),
    Case(
        "page-variables",
        "query($n: Int, $m: Int) { organizations(first: $n) { nodes { slug } } people(first: $m)"
        " { nodes { slug } } agreements(first: $n) { totalCount } }",
        {"n": 3, "m": None},
    ),
    Case(
        "page-variable-undefined",
        "query($n: Int) { organizations(first: $n) { totalCount nodes { slug } } }",
        {},
    ),
    # filters
    *[
        Case(
            f"category-{category.lower()}",
            f"{{ organizations(filter: {{category: {category}}}) {{ totalCount nodes {{ slug "
            f"category }} }} }}",
        )
        for category in PartnerCategory
    ],
    *[
        Case(
            f"region-{tag}",
            f'{{ organizations(filter: {{region: "{region}"}}) {{ totalCount nodes {{ slug '
            f"regions }} }} }}",
        )
        for tag, region in (
            ("as-stored", "%(region)s"),
            ("upper-case", "%(region_upper)s"),
            ("lower-case", "%(region_lower)s"),
            ("ampersand", "Australia & New Zealand"),
            ("non-ascii", "Ásia"),
            ("non-ascii-upper", "ÉUROPE"),
            ("unknown", "Atlantis"),
            ("space", " "),
        )
    ],
    Case(  # an empty region is no condition on either path
        "region-empty",
        '{ organizations(filter: {region: ""}) { totalCount nodes { slug regions } } }',
    ),
    Case(
        "region-awkward",
        '{ organizations(filter: {region: "%(awkward_region)s"}) { totalCount nodes { slug '
        'regions } } upper: organizations(filter: {region: "%(awkward_region_upper)s"}) '
        "{ totalCount } }",
    ),
    Case(
        "region-awkward-variable",
        "query($r: String) { organizations(filter: {region: $r}) { totalCount } }",
        {"r": "%(awkward_region)s"},
    ),
    Case(
        "slug-awkward",
        f'{{ organization(slug: "%(awkward_slug)s") {{ {ORG_SCALARS} }} node(id: '
        f'"%(awkward_id)s") {{ id ... on Organization {{ slug }} }} people(filter: '
        '{organization: "%(awkward_slug)s"}) { totalCount } agreements(filter: {party: '
        '"%(awkward_slug)s"}) { totalCount } }',
    ),
    Case(
        "region-variable",
        "query($r: String) { organizations(filter: {region: $r}) { totalCount } }",
        {"r": "%(region_lower)s"},
    ),
    *[
        Case(
            f"agreement-kind-filter-{kind.lower()}",
            f"{{ organizations(filter: {{agreementKind: {kind}}}) {{ totalCount nodes {{ slug "
            f"agreements(kind: {kind}) {{ title }} }} }} }}",
        )
        for kind in ("CO_FOUNDING", "MEMORANDUM_OF_UNDERSTANDING", "MEMBERSHIP", "AFFILIATION")
    ],
    Case(
        "organization-filters-combined",
        '{ organizations(first: 5, filter: {category: PARTNER, region: "%(region_lower)s", '
        "agreementKind: COLLABORATION}, orderBy: {field: FOUNDED_YEAR, direction: DESC}) "
        f"{{ {CONNECTION} nodes {{ slug }} }} }}",
    ),
    Case(
        "organization-filter-nulls",
        "{ organizations(filter: {category: null, region: null, agreementKind: null, search: "
        "null}, orderBy: null) { totalCount } }",
    ),
    Case("organization-filter-empty", "{ organizations(filter: {}, orderBy: {}) { totalCount } }"),
    *[
        Case(
            f"people-organization-{tag}",
            f'{{ people(filter: {{organization: "{slug}"}}) {{ totalCount nodes {{ slug '
            f"representations {{ organization {{ slug }} }} }} }} }}",
        )
        for tag, slug in (
            ("with-units", "%(org)s"),
            ("unit", "%(unit)s"),
            ("unknown", "no-such-body"),
            ("empty", ""),
        )
    ],
    *[
        Case(
            f"agreements-{tag}",
            f"{{ agreements(filter: {{{condition}}}) {{ {CONNECTION} nodes {{ title kind year "
            f"parties {{ slug }} }} }} }}",
        )
        for tag, condition in (
            ("kind", "kind: MEMBERSHIP"),
            ("kind-collaboration", "kind: COLLABORATION"),
            ("year-from", "yearFrom: %(year_mid)s"),
            ("year-to", "yearTo: %(year_mid)s"),
            ("year-range", "yearFrom: %(year_low)s, yearTo: %(year_high)s"),
            ("year-single", "yearFrom: %(year_mid)s, yearTo: %(year_mid)s"),
            ("year-zero", "yearFrom: 0"),
            ("year-negative", "yearTo: -1"),
            ("party", 'party: "%(party)s"'),
            ("party-unknown", 'party: "no-such-body"'),
            ("party-empty", 'party: ""'),
            ("all", 'kind: COLLABORATION, yearFrom: 1900, yearTo: 2100, party: "%(party)s"'),
            ("nulls", "kind: null, yearFrom: null, yearTo: null, party: null"),
        )
    ],
    # node and nodes
    *[
        Case(f"node-{tag}", f'{{ node(id: "{gid}") {{ {EVERY_NODE_TYPE} }} }}')
        for tag, gid in (
            ("organization", "%(org_id)s"),
            ("agreement", "%(agreement_id)s"),
            ("person", "%(person_id)s"),
            ("representation", "%(representation_id)s"),
            ("initiative", "%(initiative_id)s"),
            ("missing-slug", "%(missing_org_id)s"),
            ("unknown-type", "%(unknown_type_id)s"),
        )
    ],
    Case(
        "nodes-every-type",
        f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {EVERY_NODE_TYPE} }} }}",
        {
            "ids": [
                "%(org_id)s",
                "%(agreement_id)s",
                "%(person_id)s",
                "%(representation_id)s",
                "%(initiative_id)s",
                "%(missing_org_id)s",
                "%(unknown_type_id)s",
                "%(org_id)s",
            ]
        },
    ),
    Case("nodes-empty", "{ nodes(ids: []) { id } }"),
    Case(
        "node-typename-only",
        '{ node(id: "%(person_id)s") { __typename } nodes(ids: ["%(org_id)s", '
        '"%(unknown_type_id)s"]) { __typename } }',
    ),
    Case(
        "node-other-type-fragment",  # {}: the compiler declines objects without fields
        '{ node(id: "%(org_id)s") { ... on Person { name } } }',
        compiles=EITHER,
    ),
    # aliases, merging, fragments, directives, __typename
    Case(
        "aliases",
        '{ first: organization(slug: "%(org)s") { name: slug slug: name n: name } '
        'second: organization(slug: "%(unit)s") { name: acronym } '
        "orgs: organizations(first: 2) { count: totalCount items: nodes { key: slug } "
        "page: pageInfo { more: hasNextPage } links: edges { at: cursor it: node { id } } } "
        "x: __typename }",
    ),
    Case(
        "merged-selections",
        '{ organization(slug: "%(org)s") { agreements { title } agreements { year parties '
        "{ slug } } ... on Organization { agreements { parties { name } } slug } ...More "
        'slug name } organization(slug: "%(org)s") { units { slug } } }\n'
        "fragment More on Organization { agreements { __typename parties { slug acronym } } "
        "units { name } }",
    ),
    Case(
        "merged-connection",
        "{ organizations(first: 3) { nodes { slug } nodes { name } edges { cursor } "
        "edges { node { slug } } pageInfo { hasNextPage } pageInfo { endCursor } } }",
    ),
    Case(
        "named-fragments",
        "query Named { organizations(first: 4) { ...Page nodes { ...OrgBits ...NodeBits } } "
        'node(id: "%(person_id)s") { ...NodeBits ...PersonBits } }\n'
        "fragment Page on OrganizationConnection { totalCount pageInfo { ...Info } }\n"
        "fragment Info on PageInfo { startCursor endCursor }\n"
        "fragment OrgBits on Organization { slug parent { ...OrgBits2 } }\n"
        "fragment OrgBits2 on Organization { name ...NodeBits }\n"
        "fragment NodeBits on Node { __typename id ... on Organization { category } }\n"
        "fragment PersonBits on Person { name representations { ...NodeBits role } }",
        operation_name="Named",
    ),
    Case(
        "inline-fragments",
        '{ organization(slug: "%(org)s") { ... { slug } ... on Organization { name } '
        "... on Node { id } ... on SearchResult { ... on Organization { acronym } ... on Person "
        "{ credentials } } agreements { ... on Agreement { title } ... on Node { id } } } }",
    ),
    Case(
        "fragment-spread-twice",
        '{ organization(slug: "%(org)s") { ...F ...F units { ...F } } }\n'
        "fragment F on Organization { slug }",
    ),
    Case(
        "directives-literal",
        '{ organization(slug: "%(org)s") { slug @skip(if: true) name @include(if: false) '
        "acronym @skip(if: false) category @include(if: true) regions @skip(if: true) "
        "@include(if: true) ... on Organization @skip(if: true) { foundedYear } "
        "... @include(if: true) { description } } people(first: 1) @skip(if: true) "
        "{ totalCount } }",
    ),
    *[
        Case(
            f"directives-variables-{yes}",
            "query($yes: Boolean!, $no: Boolean!) { organizations(first: 3) @include(if: $yes) "
            "{ nodes { slug name @skip(if: $yes) acronym @include(if: $no) ... on Organization "
            "@skip(if: $no) { regions } ...F @include(if: $yes) } } people(first: 2) "
            "@skip(if: $yes) { totalCount } agreements(first: 1) @skip(if: $no) { totalCount } "
            'organization(slug: "%(org)s") { name @skip(if: $yes) name } }\n'
            "fragment F on Organization { foundedYear }",
            {"yes": yes, "no": not yes},
        )
        for yes in (True, False)
    ],
    Case(
        "directive-variable-default",
        "query($on: Boolean = true) { organizations(first: 2) { nodes { slug @include(if: $on) "
        "name } } }",
    ),
    Case(
        "typename-everywhere",
        "{ __typename organizations(first: 2) { __typename edges { __typename node { "
        "__typename agreements { __typename source { __typename } parties { __typename } } } "
        '} pageInfo { __typename } } person(slug: "%(person)s") { __typename representations '
        "{ __typename person { __typename } organization { __typename } onBehalfOf { "
        "__typename } } } }",
    ),
    Case(
        "operation-chosen-by-name",
        "query A { organizations(first: 1) { nodes { slug } } } query B { people(first: 1) "
        "{ nodes { slug } } }",
        operation_name="B",
    ),
    Case("get", '{ organization(slug: "%(org)s") { name regions } }', method="GET"),
    Case(
        "get-with-variables",
        "query($n: Int) { organizations(first: $n) { nodes { slug } } }",
        {"n": 2},
        method="GET",
    ),
    # the queries the tests share
    Case("frontend-query", FRONTEND_QUERY),
    *[Case(f"depth-6-first-{n}", DEPTH_6_QUERY, {"first": n}) for n in (0, 1, 5, 100)],
    # what the compiler must leave to the resolvers, which answer or refuse it
    Case("typename-only", "{ __typename }", compiles=FALLS_BACK),
    Case("typename-aliased-only", "{ a: __typename b: __typename }", compiles=FALLS_BACK),
    Case(
        "search",
        '{ search(query: "cell") { __typename ... on Organization { slug } } }',
        compiles=EITHER,
    ),
    Case(
        "search-beside-a-compilable-field",
        '{ organizations(first: 1) { totalCount } search(query: "therapy", first: 2) '
        "{ __typename } }",
        compiles=EITHER,
    ),
    Case(
        "organizations-search-filter",
        '{ organizations(filter: {search: "cell therapy"}) { totalCount nodes { slug } } }',
        compiles=EITHER,
    ),
    Case(
        "people-search-filter",
        '{ people(filter: {search: "md"}) { totalCount nodes { slug } } }',
        compiles=EITHER,
    ),
    Case(
        "search-filter-empty",
        '{ organizations(filter: {search: "  "}) { totalCount } }',
        refused=True,
    ),
    *[
        Case(
            f"search-{tag}",
            f'{{ search(query: "{words}"{more}) {{ __typename ... on Node {{ id }} '
            "... on Organization { slug name } ... on Person { slug } ... on Agreement "
            "{ title agreementKind: kind } ... on Initiative { name initiativeKind: kind } } }",
            compiles=EITHER,
        )
        for tag, words, more in (
            ("every-type", "isct", ", first: 100"),
            ("first-0", "cell", ", first: 0"),
            ("first-1", "cell", ", first: 1"),
            ("first-null", "therapy", ", first: null"),
            ("acronym", "FACT", ""),
            ("two-words", "fact jacie", ""),
            ("prefix", "ther", ""),
            ("non-ascii", "Sánchez café", ""),
            ("dash", "ISCT\u2013ARM", ""),  # an en dash, as in the titles
            ("stop-words", "the and of", ""),
            ("synthetic-words", "marrow organization 1", ""),
        )
    ],
    Case(
        "search-one-type-selected",  # the other types' hits: objects without fields
        '{ search(query: "isct") { ... on Organization { slug } } }',
        compiles=EITHER,
    ),
    Case(
        "search-twice",
        '{ a: search(query: "cell") { __typename } b: search(query: "isct", first: 3) { '
        "__typename ... on Organization { units { slug } agreements { title } } } }",
        compiles=EITHER,
    ),
    Case(
        "search-filters-with-others",
        '{ organizations(first: 3, filter: {search: "cell", category: PARTNER}, orderBy: '
        f"{{field: FOUNDED_YEAR, direction: DESC}}) {{ {CONNECTION} }} people(filter: "
        '{search: "md", organization: "%(org)s"}) { totalCount nodes { slug } } }',
        compiles=EITHER,
    ),
    *[
        Case(f"search-refused-{tag}", query, refused=True)
        for tag, query in (
            ("no-words", '{ search(query: "!!!") { __typename } }'),
            (
                "too-many-words",
                f'{{ search(query: "{" ".join(["cell"] * 17)}") {{ __typename }} }}',
            ),
            ("first-101", '{ search(query: "cell", first: 101) { __typename } }'),
            ("first-negative", '{ search(query: "cell", first: -1) { __typename } }'),
            ("filter-no-words", '{ people(filter: {search: "--"}) { totalCount } }'),
        )
    ],
    Case("introspection", "{ __schema { queryType { name } } }", compiles=FALLS_BACK),
    # The audit trail is the resolvers' alone (editors only: anonymous here, so refused).
    Case("changes", "{ changes(last: 2) { totalCount nodes { id actor } } }", refused=True),
    Case(
        "history",
        '{ organization(slug: "%(org)s") { version history { totalCount } } }',
        refused=True,
    ),
    Case(
        "change-node",
        '{ node(id: "Q2hhbmdlOjE") { id ... on Change { actor } } }',  # Change:1
        refused=True,
    ),
    Case("viewer", "{ viewer { name role } }", compiles=FALLS_BACK),
    Case(
        "introspection-beside-data",
        '{ __type(name: "Organization") { name } organizations(first: 1) { totalCount } }',
        compiles=FALLS_BACK,
    ),
    *[
        Case(f"bad-cursor-{tag}", f"{{ {root}({args}) {{ totalCount }} }}", refused=True)
        for tag, root, args in (
            ("after", "organizations", 'after: "nope"'),
            ("before", "organizations", 'before: "nope"'),
            ("people", "people", 'after: "!!!"'),
            ("agreements", "agreements", 'after: ""'),
            (
                "other-connection",
                "agreements",
                f'after: "{encode_cursor("people:name", ("A", "a"))}"',
            ),
            (
                "other-order",
                "organizations",
                f'after: "{encode_cursor("organizations:name:ASC", ("A", "a"))}", orderBy: '
                "{field: NAME, direction: DESC}",
            ),
            (
                "wrong-value-type",
                "organizations",
                f'after: "{encode_cursor("organizations:founded_year:ASC", ("1990", "A", "a"))}"'
                ", orderBy: {field: FOUNDED_YEAR}",
            ),
            (
                "huge-number",
                "organizations",
                f'after: "{encode_cursor("organizations:founded_year:ASC", (2**60, "A", "a"))}"'
                ", orderBy: {field: FOUNDED_YEAR}",
            ),
            (
                "nul",
                "people",
                f'after: "{encode_cursor("people:name", ("A\x00", "a"))}"',
            ),
        )
    ],
    *[
        Case(  # forged cursors, yet valid ones: read as they are, no 32-bit overflow
            f"cursor-past-int32-{direction.lower()}",
            f'{{ organizations(first: 3, after: "{encode_cursor(order, (year, "A", "a"))}", '
            f"orderBy: {{field: FOUNDED_YEAR, direction: {direction}}}) {{ {CONNECTION} }} }}",
        )
        for direction, year in (("ASC", 2**40), ("DESC", -(2**40)))
        for order in [f"organizations:founded_year:{direction}"]
    ],
    *[
        Case(f"page-size-{tag}", f"{{ {root}({args}) {{ totalCount }} }}", refused=True)
        for tag, root, args in (
            ("first-negative", "organizations", "first: -1"),
            ("first-101", "organizations", "first: 101"),
            ("last-101", "organizations", "last: 101"),
            ("last-negative", "organizations", "last: -5"),
            ("people-first-101", "people", "first: 101"),
            ("agreements-first-negative", "agreements", "first: -1"),
            ("first-and-last", "organizations", "first: 2, last: 2"),
            (
                "after-and-last",
                "organizations",
                f'last: 2, after: "{encode_cursor("organizations:name:ASC", ("A", "a"))}"',
            ),
            (
                "first-and-before",
                "organizations",
                f'first: 2, before: "{encode_cursor("organizations:name:ASC", ("A", "a"))}"',
            ),
        )
    ],
    *[
        Case(f"nul-{tag}", query, refused=True)
        for tag, query in (
            ("organization-slug", f'{{ organization(slug: "fa{NUL}ct") {{ slug }} }}'),
            ("person-slug", f'{{ person(slug: "{NUL}") {{ slug }} }}'),
            ("region", f'{{ organizations(filter: {{region: "eu{NUL}"}}) {{ totalCount }} }}'),
            (
                "people-organization",
                f'{{ people(filter: {{organization: "{NUL}"}}) {{ totalCount }} }}',
            ),
            ("party", f'{{ agreements(filter: {{party: "x{NUL}"}}) {{ totalCount }} }}'),
            ("node-id", f'{{ node(id: "{encode_id("Organization", "fa" + chr(0))}") {{ id }} }}'),
        )
    ],
    Case(
        "unknown-enum-value-variable",
        "query($k: AgreementKind) { agreements(filter: {kind: $k}) { totalCount } }",
        {"k": "NOPE"},
        refused=True,
    ),
    Case(
        "unknown-enum-value-in-input-variable",
        "query($f: OrganizationFilter) { organizations(filter: $f) { totalCount } }",
        {"f": {"category": "FRIEND"}},
        refused=True,
    ),
    Case(
        "unknown-order-variable",
        "query($o: OrganizationOrder) { organizations(orderBy: $o) { totalCount } }",
        {"o": {"field": "SIZE"}},
        refused=True,
    ),
    Case(
        "years-reversed",
        "{ agreements(filter: {yearFrom: 2020, yearTo: 2000}) { totalCount } }",
        refused=True,
    ),
    *[
        Case(f"invalid-id-{tag}", f'{{ node(id: "{gid}") {{ id }} }}', refused=True)
        for tag, gid in (
            ("not-base64", "!!!"),
            ("no-colon", global_id("Organization")),
            ("empty-slug", encode_id("Organization", "")),
            ("empty", ""),
        )
    ],
    Case(
        "nodes-with-an-invalid-id",
        '{ nodes(ids: ["%(org_id)s", "!!!"]) { id } }',
        refused=True,
    ),
    Case(
        "nodes-past-the-compilers-list-limit",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": ["%(org_id)s"] * 95},
        compiles=FALLS_BACK,
    ),
    Case(
        "nodes-too-many",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": ["%(org_id)s"] * 101},
        refused=True,
    ),
    Case("unknown-field", "{ organizations { nodes { nope } } }", refused=True),
    Case(
        "missing-variable",
        "query($n: Int!) { organizations(first: $n) { totalCount } }",
        refused=True,
    ),
    Case(
        "variable-of-wrong-type",
        "query($n: Int) { organizations(first: $n) { totalCount } }",
        {"n": "three"},
        refused=True,
    ),
    Case("syntax-error", "{ organizations(first: 1) { totalCount }", refused=True),
    Case("mutation", "mutation { organizations { totalCount } }", refused=True),
    Case(
        "operation-name-missing",  # OPERATION_NAME_REQUIRED, not the first operation
        "query A { organizations(first: 1) { totalCount } } query B { people { totalCount } }",
        refused=True,
    ),
    Case(
        "operation-name-unknown",
        "query A { organizations(first: 1) { totalCount } }",
        operation_name="C",
        refused=True,
    ),
    Case(
        "too-deep",
        "{ organizations { nodes { parent { parent { parent { parent { parent { parent { parent "
        "{ parent { parent { parent { parent { slug } } } } } } } } } } } } } }",
        refused=True,
    ),
    Case(
        "too-costly",
        "{ organizations { nodes { agreements { parties { agreements { parties { agreements { "
        "parties { agreements { slug: id } } } } } } } } } }",
        refused=True,
    ),
    Case(
        "too-many-aliases",
        "{ "
        + " ".join(f"a{n}: organizations(first: 1) {{ totalCount }}" for n in range(51))
        + " }",
        refused=True,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
@ON_MODULE_LOOP
async def test_corpus(pair: Pair, case: Case) -> None:
    query, variables = case.bind(pair.words)
    outcome = await pair.differential.compare(
        query, variables, case.operation_name, method=case.method, compiles=case.compiles
    )
    if case.refused:  # with GraphQL errors, or at the HTTP level
        errors = outcome.body.get("errors") if isinstance(outcome.body, dict) else None
        assert errors or outcome.status >= 400, outcome.text
    else:  # a question the resolver path answers without an error
        assert "errors" not in outcome.body, outcome.text


# --- cursor walks: every page of every connection and order, forward and back ------------

ORDERS = [
    None,
    *[
        {"field": field_name, "direction": direction}
        for field_name in ("NAME", "FOUNDED_YEAR")
        for direction in ("ASC", "DESC")
    ],
]
PAGE = f"{PAGE_INFO} edges {{ cursor node {{ __typename id }} }} nodes {{ id }} totalCount"
ARGUMENT_TYPES = {
    "organizations": {"filter": "OrganizationFilter", "orderBy": "OrganizationOrder"},
    "people": {"filter": "PersonFilter"},
    "agreements": {"filter": "AgreementFilter"},
}


async def walk(pair: Pair, root: str, arguments: dict[str, Any], *, backward: bool = False) -> int:
    """Page through a whole connection on the cursors the answers hold, comparing every page
    (the arguments go in as variables); the number of items seen, which must be the
    connection's totalCount under the same filter."""
    types = {"size": "Int", "cursor": "String"} | {
        name: ARGUMENT_TYPES[root][name] for name in arguments
    }
    declared = ", ".join(f"${name}: {kind}" for name, kind in types.items())
    paging = "last: $size, before: $cursor" if backward else "first: $size, after: $cursor"
    passed = "".join(f", {name}: ${name}" for name in arguments)
    query = f"query({declared}) {{ {root}({paging}{passed}) {{ {PAGE} }} }}"
    cursor, seen, pages = None, 0, 0
    while True:
        variables = {**arguments, "size": pair.words["walk"], "cursor": cursor}
        page = (await pair.differential.compare(query, variables)).data[root]
        seen += len(page["nodes"])
        pages += 1
        if not page["pageInfo"]["hasPreviousPage" if backward else "hasNextPage"]:
            break
        cursor = page["pageInfo"]["startCursor" if backward else "endCursor"]
        assert pages < 200, "a walk that does not end"
    filtered = {name: value for name, value in arguments.items() if name == "filter"}
    declared = "".join(f"(${name}: {ARGUMENT_TYPES[root][name]})" for name in filtered)
    passed = "".join(f"({name}: ${name})" for name in filtered)
    total = await pair.differential.compare(
        f"query{declared} {{ {root}{passed} {{ totalCount }} }}", filtered or None
    )
    assert seen == total.data[root]["totalCount"]
    return seen


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize(
    "order", ORDERS, ids=lambda o: f"{o['field']}-{o['direction']}" if o else "default"
)
@ON_MODULE_LOOP
async def test_walk_organizations(pair: Pair, order: dict[str, str] | None, backward: bool) -> None:
    assert await walk(pair, "organizations", {"orderBy": order}, backward=backward) > 0


@ON_MODULE_LOOP
async def test_walk_filtered_organizations(pair: Pair) -> None:
    await walk(pair, "organizations", {"filter": {"category": "PARTNER"}})
    region = {"region": pair.words["region_lower"]}  # a region the dataset has
    order = {"field": "FOUNDED_YEAR", "direction": "DESC"}
    arguments = {"filter": region, "orderBy": order}
    assert await walk(pair, "organizations", arguments, backward=True) > 0


@ON_MODULE_LOOP
async def test_walk_people_and_agreements(pair: Pair) -> None:
    """Agreements' titles carry non-ASCII text (the curated dataset's en dashes) into the
    cursors, which each path spells on its own."""
    for backward in (False, True):
        assert await walk(pair, "people", {}, backward=backward) > 0
        assert await walk(pair, "agreements", {}, backward=backward) > 0
        # an organization the dataset has; not every one has representatives
        organization = {"organization": pair.words["org"]}
        await walk(pair, "people", {"filter": organization}, backward=backward)
        kinds = {"kind": "COLLABORATION", "yearFrom": pair.words["year_low"]}
        await walk(pair, "agreements", {"filter": kinds}, backward=backward)


@ON_MODULE_LOOP
async def test_cursors_from_one_page_used_on_another(pair: Pair) -> None:
    """A middle page's cursors as both `after` and `before`, with every size; and a cursor of
    one connection or order handed to another (refused alike)."""
    first = await pair.differential.compare(
        "{ organizations(first: 6) { edges { cursor } } people(first: 3) { edges { cursor } } }"
    )
    cursors = [edge["cursor"] for edge in first.data["organizations"]["edges"]]
    person = first.data["people"]["edges"][-1]["cursor"]
    middle = cursors[3]
    for arguments in (
        f'after: "{middle}"',
        f'before: "{middle}"',
        f'first: 0, after: "{middle}"',
        f'first: 1, after: "{middle}"',
        f'last: 0, before: "{middle}"',
        f'last: 2, before: "{middle}"',
        f'last: 100, before: "{cursors[0]}"',
        f'before: "{cursors[0]}"',
        f'first: 100, after: "{cursors[-1]}"',
    ):
        await pair.differential.compare(f"{{ organizations({arguments}) {{ {PAGE} }} }}")
    for arguments in (
        f'after: "{middle}", before: "{cursors[5]}"',
        f'first: 2, before: "{middle}"',
        f'last: 2, after: "{middle}"',
        f'after: "{middle}", orderBy: {{direction: DESC}}',
        f'after: "{person}"',
    ):
        await pair.differential.compare(
            f"{{ organizations({arguments}) {{ {PAGE} }} }}", compiles=FALLS_BACK
        )
    await pair.differential.compare(
        f'{{ people(after: "{middle}") {{ totalCount }} }}', compiles=FALLS_BACK
    )
    await pair.differential.compare(
        f'{{ people(first: 2, after: "{person}") {{ {PAGE} }} }}', compiles=True
    )


def _alternating(lists: int) -> str:
    """An organization's selection with `lists` lists nested below it, agreements and their
    parties by turns, each level with a field of its own and a unit link by key."""
    selection = "slug"
    for level in range(lists):
        if level % 2 == 0:
            selection = f"title kind parties {{ {selection} }}"
        else:
            selection = f"slug parent {{ slug }} agreements {{ {selection} }}"
    return selection if lists % 2 == 0 else f"slug agreements {{ {selection} }}"


@ON_MODULE_LOOP
@pytest.mark.parametrize("lists", [1, 4, 6])
async def test_lists_nested_deeper_than_sqlite_parses_in_place(pair: Pair, lists: int) -> None:
    """SQLite's parser stack holds about six arrays of objects built in one another: past
    that, the deeper objects are built in levels, and the answer is still one statement's,
    the same as the resolvers'."""
    selection = _alternating(lists)
    await pair.differential.compare(
        f"{{ organizations(first: 3) {{ nodes {{ {selection} }} }} }}", compiles=True
    )


ROOTS_OF_EVERY_KIND = """{ __typename
  missing: organization(slug: "no-such-organization") { name }
  empty: organizations(first: 0) { totalCount pageInfo { hasNextPage endCursor } nodes { slug } }
  page: organizations(first: 2) { __typename totalCount
    pageInfo { __typename hasNextPage startCursor } edges { cursor node { slug } } }
  people(first: 1) { nodes { name } }
}"""


@ON_MODULE_LOOP
async def test_root_objects_are_written_around_the_statements_values(pair: Pair) -> None:
    """The answer's root objects (the operation's, each connection's, their pageInfo) are
    written around the values the statement selects, not built in SQL: every kind of value
    they hold (a type name, a null object, a count, a boolean, a cursor and a null one, an
    empty page and a full one) comes out as the resolvers write it, in one statement."""
    outcome = await pair.differential.compare(ROOTS_OF_EVERY_KIND, compiles=True)
    assert outcome.data["missing"] is None
    assert outcome.data["empty"]["pageInfo"]["endCursor"] is None
    assert len(outcome.data["page"]["edges"]) == 2


# --- queries generated from the schema ---------------------------------------------------

SDL = schema_sdl()
# The graph questions (path, neighborhood) are answered by the same resolvers in both apps,
# so comparing them proves nothing; tests/test_graph.py checks them against networkx. Left
# in, a generated query holding one falls back whole, and the compiler goes untested.
GRAPH_QUESTIONS = ("path", "neighborhood")
# The audit trail and the viewer are the resolvers' alone too, and refused to the anonymous
# requests sent here: tests/test_audit_trail.py reads them as an editor.
SIGNED_IN_ONLY = ("changes", "viewer")
QUERY_FIELDS = tuple(
    name
    for name in graphql.build_schema(SDL).query_type.fields  # type: ignore[union-attr]
    if name not in GRAPH_QUESTIONS + SIGNED_IN_ONLY
)
GENERATED = hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same queries every run: a CI failure reproduces anywhere
    database=None,
    # one app pair serves every example: that is the point of the fixture
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _curated_values() -> tuple[list[str], list[str], list[str]]:
    """Slugs, global IDs and cursors of the curated dataset, so that generated queries find
    rows and page on real cursors instead of being refused for their arguments."""
    data = dataset()
    slugs, ids = [], []
    for type_name, key in (
        ("Organization", "organizations"),
        ("Agreement", "agreements"),
        ("Person", "people"),
        ("Initiative", "initiatives"),
    ):
        for item in data[key][:8]:
            slugs.append(item["slug"])
            ids.append(encode_id(type_name, item["slug"]))
    for seat in data["representations"][:8]:  # a seat's slug: person--organization
        ids.append(encode_id("Representation", f"{seat['person']}--{seat['organization']}"))
    orgs = data["organizations"][:6]
    cursors = [encode_cursor("organizations:name:ASC", (o["name"], o["slug"])) for o in orgs]
    cursors += [encode_cursor("organizations:name:DESC", (o["name"], o["slug"])) for o in orgs]
    cursors += [
        encode_cursor(
            f"organizations:founded_year:{direction}",
            (
                o.get("founded_year") or (10_000 if direction == "ASC" else -10_000),
                o["name"],
                o["slug"],
            ),
        )
        for o in orgs
        for direction in ("ASC", "DESC")
    ]
    cursors += [encode_cursor("people:name", (p["name"], p["slug"])) for p in data["people"][:6]]
    cursors += [
        encode_cursor("agreements:title", (a["title"], a["slug"])) for a in data["agreements"][:6]
    ]
    return slugs, ids, cursors


SLUGS, IDS, CURSORS = _curated_values()
STRINGS = st.one_of(
    st.sampled_from([*SLUGS, "europe", "Europe", "KOREA", "", "Ásia", "no-such-body"]),
    st.sampled_from(CURSORS),
    st.text(max_size=12),
)
REAL_IDS = st.sampled_from(IDS)
REALISTIC = {
    # mostly real: an ID that is no ID is refused before anything compiles
    "ID": st.one_of(
        REAL_IDS,
        REAL_IDS,
        REAL_IDS,
        st.sampled_from(["Widget", "Person", "Representation"]).map(
            lambda type_name: encode_id(type_name, "no-such-slug")
        ),
        st.text(max_size=12),
    ).map(hypothesis_graphql.nodes.String),
    "String": STRINGS.map(hypothesis_graphql.nodes.String),
    "Int": st.one_of(
        st.integers(0, 6),
        st.integers(0, 6),
        st.sampled_from([100, 101, -1, 1990, 2010, 2020]),
        st.integers(),
    ).map(hypothesis_graphql.nodes.Int),
}
ABSTRACT_ROOTS = ("node", "nodes", "search")
TYPENAME = graphql.FieldNode(name=graphql.NameNode(value="__typename"))


def typed(document: graphql.DocumentNode) -> str:
    """The document, printed with `__typename` first in each abstract root field's selection.
    A generated `node` selection mostly holds fragments on other types than the object it
    finds, and an object without fields is left to the resolvers: this way more of the
    generated queries reach the compiler."""
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, graphql.OperationDefinitionNode):
            selections = []
            for selection in definition.selection_set.selections:
                if (
                    isinstance(selection, graphql.FieldNode)
                    and selection.name.value in ABSTRACT_ROOTS
                    and selection.selection_set is not None
                ):
                    inner = (TYPENAME, *selection.selection_set.selections)
                    selection = dataclasses.replace(
                        selection, selection_set=graphql.SelectionSetNode(selections=inner)
                    )
                selections.append(selection)
            definition = dataclasses.replace(
                definition, selection_set=graphql.SelectionSetNode(selections=tuple(selections))
            )
        definitions.append(definition)
    return graphql.print_ast(graphql.DocumentNode(definitions=tuple(definitions)))


@pytest.fixture
def live_pair(database_url: str) -> Iterator[OnPrivateLoop[Differential]]:
    """Both apps on a private event loop: hypothesis drives synchronous functions."""
    with OnPrivateLoop(paired(database_url)) as live:
        yield live


@pytest.mark.slow
@pytest.mark.read_only
@pytest.mark.parametrize(
    ("values", "examples"),
    [pytest.param(REALISTIC, 150, id="dataset-values"), pytest.param(None, 60, id="any-values")],
)
def test_generated_queries(
    live_pair: OnPrivateLoop[Differential], values: dict[str, Any] | None, examples: int
) -> None:
    """Valid queries over the Query type's fields, with arguments from the curated dataset
    (real slugs, IDs and cursors, page sizes in and out of range) or from anywhere. Whatever
    a generated query asks, refused by a limit or answered, both paths say the same."""
    strategy = hypothesis_graphql.from_schema(
        SDL,
        fields=QUERY_FIELDS,
        custom_scalars=values,
        print_ast=typed if values else graphql.print_ast,
    )
    statuses: Counter[int] = Counter()

    @given(query=strategy)
    @hypothesis_settings(GENERATED, max_examples=examples)
    def check(query: str) -> None:
        outcome = live_pair.run(live_pair.value.check("POST", {"query": query}))
        statuses[outcome.status] += 1
        assert outcome.mismatch is None, outcome.mismatch

    check()
    answered = live_pair.value.answered
    total = sum(answered.values())
    SESSION_NOTES.append(
        f"generated queries ({'dataset' if values else 'any'} values): {total} compared, "
        f"{answered['compiled']} answered by one compiled statement, {answered['resolvers']} "
        f"by the resolvers; HTTP statuses {dict(sorted(statuses.items()))}"
    )
    # With the dataset's values most generated queries are valid and within limits: a tenth
    # at least must have compiled. With any values most name IDs, slugs or cursors that do
    # not exist or do not parse, which the compiler leaves to the resolvers' refusals; it
    # must still have answered some.
    assert answered["compiled"] >= (total // 10 if values else 1), answered


# --- every request the rest of the session sent -------------------------------------------


@pytest.mark.slow
@pytest.mark.replays_session
async def test_replay_of_every_request_the_session_sent(databases: Databases) -> None:
    """Each distinct request another test sent (recorded by tests/conftest.py), sent again
    through both apps on the curated dataset. Runs last in the session."""
    recorded: list[RecordedRequest] = list(RECORDED_REQUESTS)
    if not recorded:
        pytest.skip(
            "no GraphQL requests were recorded: the replay compares the requests the other "
            "tests sent, so it only means something when they run in the same session"
        )
    replayed = recorded[:REPLAY_CAP]
    started = time.monotonic()
    mismatches: list[str] = []
    async with paired(await databases.shared(__name__)) as differential:
        for request in replayed:
            outcome = await differential.check(request.method, dict(request.payload))
            if outcome.mismatch is not None:
                mismatches.append(outcome.mismatch)
    answered = differential.answered
    cap = f" (capped at {REPLAY_CAP} of {len(recorded)})" if len(recorded) > len(replayed) else ""
    note = (
        f"session replay: {len(replayed)} recorded requests replayed{cap} in "
        f"{time.monotonic() - started:.1f} s; {answered['compiled']} answered by one compiled "
        f"statement, {answered['resolvers']} by the resolvers; {len(mismatches)} differed"
    )
    SESSION_NOTES.append(note)
    print(note)
    assert not mismatches, f"{len(mismatches)} differences:\n\n" + "\n\n".join(mismatches)
