"""The browser side in a real browser, offline: GraphiQL and the partners page.

Headless Chromium (Debian's, /usr/bin/chromium; CHROMIUM=... for another) driven by
Playwright's client, against a real server (`python -m service serve` on a free loopback
port) over a fresh copy of the curated dataset. Every request to a host other than the
loopback is blocked and recorded, and fails the test, as does any console error. Each test
leaves a screenshot in test-artifacts/.

Without Chromium (or the playwright package) these tests are skipped, loudly; with
REQUIRE_BROWSER=1 (CI) they fail instead. Expected counts come from seed/partners.yaml.
"""

import contextlib
import itertools
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import pytest_asyncio
import yaml

try:
    from playwright.async_api import expect
except ImportError:  # the browser fixture reports it: a skip, or a failure under REQUIRE_BROWSER
    expect = None

from service.auth.principal import Role
from service.auth.tokens import issue
from service.config import Settings
from service.data.engine import create_engine, for_writes
from service.graphql.ids import encode_id
from tests.test_page_audits import AXE, axe_violations, described
from tests.utils import involved
from tests.utils.browser import ARTIFACTS, launched, loopback_only
from tests.utils.live import live_server

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "seed" / "partners.yaml"
SHOWN = ("CO_FOUNDED", "PARTNER")  # the categories the partners page lists
TIMEOUT_MS = 15_000

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # a real browser


# ------------------------------------------------------------------------ the fixtures


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched() as chromium:
        yield chromium


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(browser: Any, databases: Any, tmp_path_factory: pytest.TempPathFactory):
    """The base URL of `python -m service serve` over a fresh copy of the curated dataset."""
    database_url = await databases.fresh("curated")
    async with live_server(database_url, tmp_path_factory.mktemp("server")) as served:
        yield served.base


@dataclass
class Tab:
    """A page in a fresh browser context, with what it asked for and what went wrong."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def open(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def screenshot(self, name: str, **options: Any) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=path, **options)
        return path

    def paths(self, method: str = "GET") -> list[str]:
        return [url.split(" ", 1)[1] for url in self.requests if url.startswith(f"{method} ")]

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests to hosts other than the loopback: {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest_asyncio.fixture(loop_scope="module")
async def tab(browser: Any, server: str) -> AsyncIterator[Tab]:
    async with opened(browser, server) as tab:
        yield tab


@contextlib.asynccontextmanager
async def opened(browser: Any, base: str) -> AsyncIterator[Tab]:
    """A Tab on the server at `base`, in a fresh browser context (no storage carried over)."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    tab = Tab(page, base)

    def on_request(request: Any) -> None:
        parts = urlsplit(request.url)
        tab.requests.append(f"{request.method} {parts.path}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            tab.errors.append(f"{message.text} ({message.location.get('url')})")

    await loopback_only(context, tab.blocked)
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))

    def on_failure(request: Any) -> None:
        # ERR_ABORTED: cancelled by leaving the page (a favicon still loading, say).
        if request.failure != "net::ERR_ABORTED":
            tab.errors.append(f"failed: {request.url} {request.failure}")

    page.on("requestfailed", on_failure)
    try:
        yield tab
    finally:
        await context.close()


# ------------------------------------------------------------------------ expectations


@cache
def dataset() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DATASET.read_text(encoding="utf-8"))
    return data


def orgs() -> dict[str, dict[str, Any]]:
    return {org["slug"]: org for org in dataset()["organizations"]}


def shown() -> list[str]:
    """The organizations the page lists: co-founded bodies and partners."""
    return [slug for slug, org in orgs().items() if org["category"] in SHOWN]


def scope(slug: str) -> set[str]:
    """A body and its units: the API's relations include the units' (README)."""
    return {slug} | {s for s, org in orgs().items() if org.get("parent") == slug}


def agreements_of(slug: str) -> list[dict[str, Any]]:
    return [a for a in dataset()["agreements"] if scope(slug) & set(a["parties"])]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text(slug: str) -> str:
    """What the page's search box looks in (see searchText in partners.js)."""
    org, people = orgs()[slug], {p["slug"]: p for p in dataset()["people"]}
    seats = dataset()["representations"]
    words = [org["name"], org.get("acronym") or "", org.get("description") or ""]
    words += org.get("regions", [])
    words += [a["title"] for a in agreements_of(slug)]
    for seat in seats:
        if seat["organization"] in scope(slug) or seat["on_behalf_of"] == slug:
            words += [people[seat["person"]]["name"], seat["role"]]
    words += [i["name"] for i in dataset()["initiatives"] if scope(slug) & involved(i)]
    return fold("\n".join(words))


# Continents and the recorded regions inside them: a visitor choosing "Asia" means Japan and
# Korea too. Written here from an atlas, independently of the page's own table.
CONTINENTS = {"Asia": {"Japan", "Korea"}, "South & Central America": {"Brazil"}}


def in_region(slug: str, region: str) -> bool:
    recorded = set(orgs()[slug].get("regions", []))
    return bool(recorded & ({region} | CONTINENTS.get(region, set())))


def expected(category: str = "", region: str = "", kind: str = "", search: str = "") -> set[str]:
    """The slugs the page should show for these filters, from the dataset file."""
    return {
        slug
        for slug in shown()
        if (not category or orgs()[slug]["category"] == category)
        and (not region or in_region(slug, region))
        and (not kind or any(a["kind"] == kind for a in agreements_of(slug)))
        and all(word in search_text(slug) for word in fold(search).split())
    }


def owner(slug: str) -> str | None:
    """The listed body (or ISCT) a body belongs to: itself, or the parent of a unit."""
    listed = {"isct", *shown()}
    parent = orgs()[slug].get("parent")
    return slug if slug in listed else parent if parent in listed else None


def expected_network() -> tuple[set[str], dict[str, set[frozenset[str]]]]:
    """Nodes and lines by kind: ISCT and the listed bodies; co-foundings, representatives
    shared by two listed bodies, seats held for a body on another's, and agreements between
    two listed bodies other than ISCT (ISCT's own agreements group the ring instead)."""
    edges: dict[str, set[frozenset[str]]] = {
        "agreement": set(),
        "cofounding": set(),
        "person": set(),
        "seat": set(),
    }
    for agreement in dataset()["agreements"]:
        parties = {owner(party) for party in agreement["parties"]} - {None}
        if agreement["kind"] == "CO_FOUNDING" and agreement.get("establishes") in shown():
            for founder in parties:
                edges["cofounding"].add(frozenset({founder, agreement["establishes"]}))
        elif agreement["kind"] != "CO_FOUNDING" and "isct" not in parties:
            edges["agreement"] |= {frozenset(p) for p in itertools.combinations(sorted(parties), 2)}
    seated: dict[str, set[str]] = {}
    for seat in dataset()["representations"]:
        at, behalf = owner(seat["organization"]), owner(seat["on_behalf_of"])
        if at in shown():
            seated.setdefault(seat["person"], set()).add(at)
        if behalf != "isct" and at and behalf and at != behalf:
            edges["seat"].add(frozenset({at, behalf}))
    for at in seated.values():
        edges["person"] |= {frozenset(pair) for pair in itertools.combinations(sorted(at), 2)}
    return {"isct", *shown()}, edges


def kinds_with_isct(slug: str) -> set[str]:
    """The kinds of a listed body's agreements with ISCT, co-foundings left out."""
    return {
        a["kind"]
        for a in agreements_of(slug)
        if a["kind"] != "CO_FOUNDING" and "isct" in {owner(p) for p in a["parties"]}
    }


# ------------------------------------------------------------------------ GraphiQL


async def test_graphiql_loads_offline_and_runs_its_example_query(tab: Tab):
    await tab.open("/graphql")
    editor = tab.page.locator(".graphiql-query-editor")
    await expect(editor).to_contain_text("organizations(first: 100")
    await tab.page.get_by_role("button", name=re.compile("Execute query")).click()
    result = tab.page.locator(".graphiql-response")
    await expect(result).to_contain_text('"totalCount": 24')
    first = min(orgs()[slug]["name"] for slug in shown() if orgs()[slug]["category"] == "PARTNER")
    await expect(result).to_contain_text(first)
    await tab.screenshot("graphiql")

    vendor = [path for path in tab.paths() if path.startswith("/static/vendor/")]
    packages = {path.split("/")[3].split("@")[0] for path in vendor}
    assert packages == {"react", "react-dom", "graphiql"}
    assert tab.paths("POST").count("/graphql") >= 2  # the schema, then the query
    tab.assert_clean()


async def test_graphiql_docs_pane_shows_every_description(tab: Tab):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{tab.base}/graphql", json={"query": INTROSPECTION})
    types = response.json()["data"]["__schema"]["types"]
    types = [t for t in types if not t["name"].startswith("__")]  # introspection's own
    assert undescribed(types) == [], "every element of the schema has a description"

    await tab.open("/graphql")
    docs = tab.page.locator(".graphiql-doc-explorer")
    back = docs.locator(".graphiql-doc-explorer-back")
    await tab.page.get_by_role("button", name="Show Documentation Explorer").click()
    await expect(docs).to_contain_text("All Schema Types")
    checked = 0
    for type_ in types:
        await (
            docs.locator(".graphiql-doc-explorer-content")
            .get_by_role("link", name=type_["name"], exact=True)
            .last.click()
        )
        await expect(docs.locator(".graphiql-doc-explorer-title")).to_have_text(type_["name"])
        members = [
            *(type_["fields"] or []),
            *(type_["inputFields"] or []),
            *(type_["enumValues"] or []),
        ]
        for text in [type_["description"], *(member["description"] for member in members)]:
            if text:
                await expect(docs).to_contain_text(_rendered(text))
                checked += 1
        for field_ in type_["fields"] or []:
            if any(arg["description"] for arg in field_["args"]):
                await docs.get_by_role("link", name=field_["name"], exact=True).first.click()
                for arg in field_["args"]:
                    await expect(docs).to_contain_text(_rendered(arg["description"]))
                    checked += 1
                await back.click()
        if type_["name"] == "Organization":
            await tab.screenshot("graphiql-docs")
        await back.click()
        await expect(docs).to_contain_text("All Schema Types")
    assert checked > 150  # every type, field, argument, input field and enum value
    tab.assert_clean()


INTROSPECTION = """{ __schema { types { name description
  fields { name description args { name description } }
  inputFields { name description } enumValues { name description } } } }"""


def undescribed(types: list[dict[str, Any]]) -> list[str]:
    """Every type, field, argument, input field and enum value without a description."""
    missing = []
    for type_ in types:
        if not type_["description"]:
            missing.append(type_["name"])
        for member in [
            *(type_["fields"] or []),
            *(type_["inputFields"] or []),
            *(type_["enumValues"] or []),
        ]:
            if not member["description"]:
                missing.append(f"{type_['name']}.{member['name']}")
            missing += [
                f"{type_['name']}.{member['name']}({arg['name']})"
                for arg in member.get("args", [])
                if not arg["description"]
            ]
    return missing


def _rendered(markdown: str) -> str:
    """A description as the docs pane renders it: Markdown code spans lose their backticks,
    and a link shows its text only."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown.replace("`", ""))
    return re.sub(r"\s+", " ", text).strip()


# ------------------------------------------------------------------------ partners page


async def visible(tab: Tab) -> set[str]:
    slugs = await tab.page.eval_on_selector_all(
        "li.entry:not([hidden]) > details.org", "rows => rows.map(row => row.dataset.slug)"
    )
    return set(slugs)


async def open_partners(tab: Tab, query: str = "") -> None:
    await tab.open(f"/{query}")
    await tab.page.wait_for_selector("body[data-ready]")


async def test_partners_page_renders_every_partner_from_one_request(tab: Tab):
    await open_partners(tab)
    partners = {s for s in shown() if orgs()[s]["category"] == "PARTNER"}
    cofounded = {s for s in shown() if orgs()[s]["category"] == "CO_FOUNDED"}
    assert (len(partners), len(cofounded)) == (24, 2)
    page = tab.page
    for group, slugs in (("PARTNER", partners), ("CO_FOUNDED", cofounded)):
        rows = page.locator(f"#group-{group} details.org")
        assert set(await rows.evaluate_all("rs => rs.map(r => r.dataset.slug)")) == slugs
        names = await rows.locator("h3 .name").all_inner_texts()
        assert names == sorted(names)  # the API's order: by name
        await expect(page.locator(f"#group-{group} .group-count")).to_have_text(
            f"{len(slugs)} of {len(slugs)}"
        )
    status = page.get_by_role("status")
    await expect(status).to_have_text("Showing 26 of 26 organizations: 2 co-founded, 24 partners.")

    # Rows read at a glance, closed; a row opens on a click to its details.
    assert await page.locator("details.org[open]").count() == 0
    fact = page.locator("#org-fact")
    await expect(fact.locator(".glance")).to_contain_text("Founded 1996 by ASTCT and ISCT")
    await expect(fact.locator(".representatives")).to_be_hidden()
    await fact.locator("summary").click()
    await expect(fact.locator(".representatives")).to_be_visible()
    await expect(fact.locator(".representatives")).to_contain_text("Patrick Hanley, PhD")
    await expect(fact.locator(".representatives")).to_contain_text("Forum on Regenerative")
    await expect(fact.locator(".representatives")).not_to_contain_text("(for ")  # ISCT's own
    await page.locator("#org-ebmt summary").click()
    years = await page.locator("#org-ebmt .timeline time").all_inner_texts()
    assert years == sorted(str(a["year"]) for a in agreements_of("ebmt") if a.get("year"))
    await expect(page.locator("#org-ebmt .glance")).to_contain_text(
        "Memorandum of understanding 2019"
    )
    await expect(page.locator("#org-carm .delegates")).to_contain_text("Antonio Lee")
    await expect(page.locator("#org-cba .initiatives")).to_contain_text("Cord Blood Connect")
    await expect(page.locator("#org-carm .regions")).to_have_text("KoreaAsia")

    # No boilerplate: a section the dataset has no facts for is left out, not filled in.
    boilerplate = page.locator("#results").get_by_text(re.compile("on record|^none", re.I))
    assert await boilerplate.count() == 0
    # The curated dataset rests on the source page alone: no editor's note anywhere.
    assert await page.locator(".edited-mark, .editorial-note").count() == 0
    seated = {seat["organization"] for seat in dataset()["representations"]}
    for slug in shown():
        has = bool(scope(slug) & seated)
        assert await page.locator(f"#org-{slug} .representatives").count() == int(has), slug

    assert tab.paths("POST") == ["/graphql"]  # one request renders the page
    own = {"/static/partners.css", "/static/partners.js", "/static/favicon.svg"}
    assert set(tab.paths()) == {"/", *own}
    await tab.screenshot("partners", full_page=True)
    tab.assert_clean()


async def test_partners_page_on_a_phone_shows_organizations_on_the_first_screen(
    browser: Any, server: str
):
    context = await browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    try:
        page = await context.new_page()
        await page.goto(f"{server}/")
        await page.wait_for_selector("body[data-ready]")
        first = await page.locator("details.org").first.bounding_box()
        assert first is not None
        assert first["y"] + first["height"] <= 667, f"no organization on the first screen: {first}"
        width = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], "the page scrolls sideways"
        await page.set_viewport_size({"width": 320, "height": 640})
        width = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], "the page scrolls sideways at 320 px"
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "partners-320.png", full_page=True)
    finally:
        await context.close()


async def test_partners_filters_and_search_change_what_is_shown(tab: Tab):
    await open_partners(tab)
    page = tab.page
    status = page.get_by_role("status")
    category = page.get_by_label("Category")
    region = page.get_by_label("Region")
    kind = page.get_by_label("Agreement")
    search = page.get_by_role("searchbox", name="Search")

    async def shows(want: set[str]) -> None:
        assert len(want) < 26
        await expect(status).to_contain_text(f"Showing {len(want)} of 26 organizations")
        assert await visible(tab) == want

    await category.select_option("CO_FOUNDED")
    await shows(expected(category="CO_FOUNDED"))
    assert await page.locator("#group-PARTNER").is_hidden()
    await category.select_option("")

    await region.select_option("Europe")
    await shows(expected(region="Europe"))
    await region.select_option("Korea")
    await shows(expected(region="Korea"))
    await expect(page).to_have_url(re.compile(r"\?region=Korea$"))  # a view can be linked to
    # A continent includes its countries: Japan's FIRM and Korea's KSBMT are in Asia.
    await region.select_option("Asia")
    await shows(expected(region="Asia"))
    assert {"firm", "ksbmt", "carm"} <= await visible(tab)
    options = await region.locator("option").all_inner_texts()
    assert f"Asia ({len(expected(region='Asia'))})" in options
    await region.select_option("")

    await kind.select_option("MEMORANDUM_OF_UNDERSTANDING")
    await shows(expected(kind="MEMORANDUM_OF_UNDERSTANDING"))
    await kind.select_option("MEMBERSHIP")
    await shows(expected(kind="MEMBERSHIP"))  # NASEM's is its forum's: relations include units
    assert "nasem" in await visible(tab)
    await kind.select_option("")

    await search.fill("marrow")
    await shows(expected(search="marrow"))
    await search.fill("hanley")  # a person: the bodies where he sits
    await shows(expected(search="hanley"))
    assert await visible(tab) == {"fact", "nasem"}
    await search.fill("cord blood")
    await shows(expected(search="cord blood"))

    await search.fill("marrow")
    await kind.select_option("COLLABORATION")
    await shows(expected(kind="COLLABORATION", search="marrow"))
    await tab.screenshot("partners-filtered", full_page=True)

    await search.fill("zzzz")
    await expect(status).to_contain_text("Showing 0 of 26 organizations")
    await expect(page.locator("#group-PARTNER .empty")).to_be_visible()

    await page.get_by_role("button", name="Clear filters").click()
    await expect(status).to_contain_text("Showing 26 of 26 organizations")
    assert await search.input_value() == ""

    # A link with filters opens on them.
    await open_partners(tab, "?region=Europe&q=education")
    await shows(expected(region="Europe", search="education"))
    assert await region.input_value() == "Europe"
    assert tab.paths("POST") == ["/graphql", "/graphql"]  # one per page load, none per filter
    tab.assert_clean()


async def test_partners_filters_work_from_the_keyboard(tab: Tab):
    await open_partners(tab)
    page = tab.page
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to the organizations")).to_be_focused()
    search = page.get_by_role("searchbox", name="Search")
    while not await search.evaluate("input => input === document.activeElement"):
        await page.keyboard.press("Tab")
    await page.keyboard.type("korea")
    await expect(page.get_by_role("status")).to_contain_text(
        f"Showing {len(expected(search='korea'))} of 26"
    )
    await page.keyboard.press("Tab")  # the category
    await expect(page.get_by_label("Category")).to_be_focused()
    await page.keyboard.press("ArrowDown")  # Co-founded by ISCT
    await expect(page.get_by_role("status")).to_contain_text(
        f"Showing {len(expected(category='CO_FOUNDED', search='korea'))} of 26"
    )

    # Past the controls, the first shown organization's row: Enter opens its details.
    await page.get_by_role("button", name="Clear filters").click()
    first = page.locator("details.org").first
    while not await first.locator("summary").evaluate("s => s === document.activeElement"):
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    assert await first.get_attribute("open") is not None
    await expect(first.locator(".details")).to_be_visible()
    tab.assert_clean()


async def test_partners_network_links_organizations(tab: Tab):
    await open_partners(tab)
    page = tab.page
    network = page.locator("#network")
    nodes, edges = expected_network()
    drawn = set(await network.locator(".node").evaluate_all("ns => ns.map(n => n.dataset.slug)"))
    assert drawn == nodes
    for kind, pairs in edges.items():
        lines = network.locator(f"line.edge[data-kind={kind}]")
        got = await lines.evaluate_all("ls => ls.map(l => [l.dataset.from, l.dataset.to])")
        assert {frozenset(pair) for pair in got} == pairs, kind
        assert len(got) == len(pairs)
    cofoundings = (("isct", "fact"), ("astct", "fact"), ("isct", "jacie"), ("ebmt", "jacie"))
    assert edges["cofounding"] == {frozenset(pair) for pair in cofoundings}
    assert edges["person"] == {frozenset(("fact", "nasem")), frozenset(("jacie", "wbmt"))}
    assert edges["seat"] == {frozenset(("carm", "isct")), frozenset(("firm", "isct"))}
    # Not a star: ISCT's own agreements place each partner in a group of the ring.
    assert sum(1 for pair in set().union(*edges.values()) if "isct" in pair) == 4
    groups = {}
    for slug in shown():
        if orgs()[slug]["category"] != "PARTNER":
            continue
        kind = await network.locator(f'.node[data-slug="{slug}"]').get_attribute("data-kind")
        assert kind in (kinds_with_isct(slug) or {"NONE"}), slug
        groups[kind] = groups.get(kind, 0) + 1
    summary = page.locator("#network-summary")
    await expect(summary).to_contain_text(f"ISCT and the {len(shown())} organizations listed")
    await expect(summary).to_contain_text(
        f"Memoranda of understanding: {groups.get('MEMORANDUM_OF_UNDERSTANDING')}"
    )
    await expect(summary).to_contain_text("4 co-foundings, 2 shared representatives and 2 seats")
    await page.locator(".network").screenshot(path=ARTIFACTS / "partners-network.png")

    # Filtering fades the others; a node is a link that opens its organization.
    await page.get_by_label("Region").select_option("Korea")
    faded = await network.locator("a.node.dim").count()
    assert faded == len(shown()) - len(expected(region="Korea"))
    await network.locator('a.node[data-slug="carm"]').click()
    await expect(page.locator("#org-carm summary")).to_be_focused()
    assert await page.locator("#org-carm").get_attribute("open") is not None
    await expect(page).to_have_url(re.compile(r"\?region=Korea#org-carm$"))

    # A link to an organization opens on its details (README: `#org-fact` opens FACT).
    await open_partners(tab, "#org-fact")
    assert await page.locator("#org-fact").get_attribute("open") is not None
    await expect(page.locator("#org-fact summary")).to_be_focused()
    assert await page.locator("details.org[open]").count() == 1
    tab.assert_clean()


# ------------------------------------------------------------------------ graph questions


PATH_QUESTION = """query Path($from: String!, $to: String!, $asOf: Int) {
  path(from: $from, to: $to, maxHops: 4, asOf: $asOf) {
    length
    organizations { slug name acronym }
    ties { kind agreement { title year } person { name } seats { role } }
  }
}"""

NEAR_ISCT = """query Near { neighborhood(of: "isct", hops: 2, first: 100) {
  totalCount edges { node { organization { slug } } } } }"""

STANDING = """query Standing($asOf: Int) {
  cofounded: organizations(first: 100, asOf: $asOf, filter: {category: CO_FOUNDED}) {
    nodes { slug }
  }
  partners: organizations(first: 100, asOf: $asOf, filter: {category: PARTNER}) {
    nodes { slug }
  }
  agreements(first: 100, asOf: $asOf) {
    nodes { kind year parties { slug } establishes { slug } }
  }
}"""


async def ask(base: str, query: str, **variables: Any) -> dict[str, Any]:
    """The API's own answer, over HTTP, as any client would ask."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{base}/graphql", json={"query": query, "variables": variables}
        )
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def drawn(tab: Tab) -> tuple[set[str], set[tuple[str, frozenset[str]]]]:
    """The network as drawn: its nodes' slugs and its lines (kind, ends)."""
    network = tab.page.locator("#network")
    nodes = await network.locator(".node").evaluate_all("ns => ns.map(n => n.dataset.slug)")
    lines = await network.locator("line.edge").evaluate_all(
        "ls => ls.map(l => [l.dataset.kind, l.dataset.from, l.dataset.to])"
    )
    return set(nodes), {(kind, frozenset((a, b))) for kind, a, b in lines}


async def ask_page(tab: Tab, source: str, target: str) -> None:
    """Choose two bodies and ask, from the keyboard: the selects, then Tab to the button."""
    page = tab.page
    await page.get_by_label("From", exact=True).select_option(source)
    await page.get_by_label("To", exact=True).select_option(target)
    await page.get_by_label("To", exact=True).focus()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Show the connection")).to_be_focused()
    await page.keyboard.press("Enter")


def tie_words(tie: dict[str, Any]) -> list[str]:
    """What the page must say of a tie, from the API's answer: the agreement's title (its year
    too, for an agreement), "co-founded", "unit of"/"has as a unit", or the person and seats."""
    kind = tie["kind"]
    if kind == "AGREEMENT":
        year = tie["agreement"]["year"]
        return [tie["agreement"]["title"], *([str(year)] if year else [])]
    if kind == "CO_FOUNDING":
        return ["co-founded"]
    if kind == "UNIT":
        return ["unit"]
    seats = [seat["role"] for seat in tie["seats"] or []]
    return [tie["person"]["name"], *seats, *(["sits on both"] if kind == "SHARED_PERSON" else [])]


async def test_partners_page_says_how_two_bodies_are_connected(tab: Tab):
    # The source: ISCT co-founded FACT, and ISCT and EBMT have agreements; EBMT and FACT share
    # none. So EBMT reaches FACT through ISCT, in two ties.
    founding = [a for a in dataset()["agreements"] if a.get("establishes") == "fact"]
    assert any("isct" in a["parties"] for a in founding)
    assert any({"isct", "ebmt"} <= set(a["parties"]) for a in dataset()["agreements"])
    assert not any({"ebmt", "fact"} <= set(a["parties"]) for a in dataset()["agreements"])
    answer = (await ask(tab.base, PATH_QUESTION, **{"from": "ebmt", "to": "fact"}))["path"]
    assert ["ebmt", "isct", "fact"] in [[o["slug"] for o in p["organizations"]] for p in answer]
    assert {p["length"] for p in answer} == {2}

    await open_partners(tab)
    page = tab.page
    result = page.locator("#connect-result")
    assert await result.get_attribute("aria-live") == "polite"
    await ask_page(tab, "ebmt", "fact")
    one = "one shortest path" if len(answer) == 1 else f"{len(answer)} shortest paths"
    await expect(result).to_have_text(
        f"EBMT and FACT are 2 ties apart: {one}, marked on the network."
    )

    # Each path as the API gives it: its bodies in order, and between them what ties them.
    paths = page.locator("#connect-paths > .path")
    await expect(paths).to_have_count(len(answer))
    for i, path in enumerate(answer):
        shown = paths.nth(i)
        stops = await shown.locator(".stop").evaluate_all("ss => ss.map(s => s.dataset.slug)")
        assert stops == [o["slug"] for o in path["organizations"]]
        names = await shown.locator(".stop").all_inner_texts()
        assert names[0] == "European Society for Blood and Marrow Transplantation (EBMT)"
        ties = shown.locator(".tie")
        assert await ties.evaluate_all("ts => ts.map(t => t.dataset.kind)") == [
            t["kind"] for t in path["ties"]
        ]
        for j, tie in enumerate(path["ties"]):
            for words in tie_words(tie):
                await expect(ties.nth(j)).to_contain_text(words)
    await expect(paths.first.locator(".tie").last).to_contain_text("co-founded")

    # Marked on the drawing: the bodies, and a line for each step.
    on_path = page.locator("#network .node.on-path")
    slugs = await on_path.evaluate_all("ns => ns.map(n => n.dataset.slug)")
    assert set(slugs) == {o["slug"] for p in answer for o in p["organizations"]}
    steps = {frozenset((p["organizations"][k]["slug"], p["organizations"][k + 1]["slug"]))
             for p in answer for k in range(p["length"])}  # fmt: skip
    await expect(page.locator("#network line.path-line")).to_have_count(len(steps))
    await page.locator(".network").screenshot(path=ARTIFACTS / "partners-path.png")
    await no_axe_violation(page, "a path shown")

    # On a phone's width the answer wraps: nothing scrolls sideways.
    await page.set_viewport_size({"width": 320, "height": 640})
    width = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], "the page scrolls sideways at 320 px"
    await page.locator(".connect").screenshot(path=ARTIFACTS / "partners-path-320.png")
    await page.set_viewport_size({"width": 1400, "height": 1000})

    # A body on the path links to its row.
    await paths.first.get_by_role("link", name=re.compile(r"\(FACT\)$")).click()
    await expect(page.locator("#org-fact summary")).to_be_focused()
    assert await page.locator("#org-fact").get_attribute("open") is not None

    # Every kind of tie in words: a shared person, a seat held for another body, a unit.
    offered = await page.locator("#connect-from option").evaluate_all("os => os.map(o => o.value)")
    units = [(org["slug"], org["parent"]) for org in orgs().values() if org.get("parent")]
    unit = next(pair for pair in units if set(pair) <= set(offered))
    for source, target, kind in [("fact", "nasem", "SHARED_PERSON"), ("isct", "iccbba", "SEAT"),
                                 (*unit, "UNIT")]:  # fmt: skip
        answer = (await ask(tab.base, PATH_QUESTION, **{"from": source, "to": target}))["path"]
        assert [tie["kind"] for tie in answer[0]["ties"]] == [kind]
        await ask_page(tab, source, target)
        await expect(result).to_contain_text("1 tie apart")
        await expect(paths.first.locator(".tie")).to_have_attribute("data-kind", kind)
        for words in tie_words(answer[0]["ties"][0]):
            await expect(paths.first.locator(".tie")).to_contain_text(words)
    await expect(paths.first.locator(".tie")).to_have_text("unit of")

    assert tab.paths("POST") == ["/graphql"] * 5  # the page, then one per question
    tab.assert_clean()


async def no_axe_violation(page: Any, state: str) -> None:
    """axe-core (tests/test_page_audits.py's rules) finds nothing wrong in this state."""
    if not AXE.is_file():
        return  # the page audits report axe missing, loudly
    # Evaluated, not a <script>: the page's CSP refuses inline scripts, as it should.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = await axe_violations(page)
    assert violations == [], f"axe violations ({state}):\n{described(violations)}"


@pytest.mark.parametrize("viewport", [(1350, 940), (1100, 600), (375, 667)])
async def test_partners_page_loads_with_no_layout_shift(tab: Tab, viewport: tuple[int, int]):
    """Nothing moves as the page fills in, wherever the drawing and the connections sit (the
    first size is Lighthouse's desktop; at the second the network's column scrolls)."""
    width, height = viewport
    await tab.page.set_viewport_size({"width": width, "height": height})
    await open_partners(tab)
    assert await unasked_shift(tab.page) == 0
    tab.assert_clean()


async def unasked_shift(page: Any) -> float:
    """The layout shift so far that no input preceded (what CLS counts)."""
    shift: float = await page.evaluate(
        """() => new Promise(resolve => {
            new PerformanceObserver(list => resolve(list.getEntries()
                .filter(e => !e.hadRecentInput).reduce((sum, e) => sum + e.value, 0)))
              .observe({type: 'layout-shift', buffered: true});
            setTimeout(() => resolve(0), 500);  // no entry at all: nothing shifted
        })"""
    )
    return shift


async def set_year(tab: Tab, year: int | None) -> None:
    """Move the slider from the keyboard to `year` (None: the last position, now), and wait
    for the drawing of that year."""
    slider = tab.page.get_by_label("Year", exact=True)
    await slider.focus()
    if year is None:
        await tab.page.keyboard.press("End")
        await expect(tab.page.locator("#network-year-value")).to_have_text("now")
        await expect(tab.page.locator("#network-year-status")).to_contain_text("Now, all years")
        return
    await tab.page.keyboard.press("Home")
    for _ in range(year - int(await slider.get_attribute("min") or 0)):
        await tab.page.keyboard.press("ArrowRight")
    await expect(tab.page.locator("#network-year-value")).to_have_text(str(year))
    await expect(tab.page.locator("#network-year-status")).to_contain_text(f"At the end of {year}")


async def test_partners_page_says_plainly_when_two_bodies_are_not_connected(tab: Tab):
    """Today every body the selects offer is within 2 ties of ISCT (the API says so), so any
    two are within 4: no pair of them is unconnected now. One is in a year when one of the
    two did not stand yet: JACIE, founded in 1998 (the source), at the end of 1997."""
    await open_partners(tab)
    page = tab.page
    offered = set(await page.locator("#connect-from option").evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    ))  # fmt: skip
    near = await ask(tab.base, NEAR_ISCT)
    reached = {e["node"]["organization"]["slug"] for e in near["neighborhood"]["edges"]}
    assert offered - {"isct"} <= reached, "some body is further: test it with ISCT instead"

    assert orgs()["jacie"]["founded_year"] == 1998
    today = await ask(tab.base, PATH_QUESTION, **{"from": "ebmt", "to": "jacie"})
    assert today["path"], "EBMT and JACIE are connected now"
    then = await ask(tab.base, PATH_QUESTION, **{"from": "ebmt", "to": "jacie", "asOf": 1997})
    assert then["path"] == []

    await set_year(tab, 1997)
    await ask_page(tab, "ebmt", "jacie")
    result = page.locator("#connect-result")
    await expect(result).to_have_text(
        "There is no connection between European Society for Blood and Marrow Transplantation"
        " (EBMT) and Joint Accreditation Committee-ISCT & EBMT (JACIE) within 4 ties at the end"
        " of 1997."
    )
    await expect(page.locator("#connect-paths")).to_be_hidden()
    assert await page.locator("#network .on-path, #network .path-line").count() == 0

    # Back to now, the same question is asked again and answered.
    await set_year(tab, None)
    await expect(result).to_contain_text("EBMT and JACIE are 1 tie apart")
    await expect(page.locator("#connect-paths > .path")).to_have_count(len(today["path"]))
    tab.assert_clean()


async def test_partners_network_year_slider_draws_the_network_of_that_year(tab: Tab):
    await open_partners(tab)
    page = tab.page
    slider = page.get_by_label("Year", exact=True)
    await expect(page.locator("#network-year-value")).to_have_text("now")
    await expect(page.locator("#network-year-note")).to_contain_text("Undated facts")
    assert await slider.get_attribute("aria-valuetext") == "now, all years"
    dated = [a["year"] for a in dataset()["agreements"] if a.get("year")]
    dated += [o["founded_year"] for o in dataset()["organizations"] if o.get("founded_year")]
    assert await slider.get_attribute("min") == str(min(dated))
    assert await slider.get_attribute("max") == str(max(dated) + 1)  # then, now
    now_nodes, now_lines = await drawn(tab)

    then = await ask(tab.base, STANDING, asOf=1997)
    listed = then["cofounded"]["nodes"] + then["partners"]["nodes"]
    standing = {"isct"} | {o["slug"] for o in listed}
    cofoundings = {
        frozenset((party["slug"], a["establishes"]["slug"]))
        for a in then["agreements"]["nodes"]
        if a["kind"] == "CO_FOUNDING" and a["establishes"]["slug"] in standing
        for party in a["parties"]
        if party["slug"] in standing
    }
    await set_year(tab, 1997)
    assert await slider.get_attribute("aria-valuetext") == "the end of 1997"
    nodes, lines = await drawn(tab)
    assert nodes == standing
    assert {ends for kind, ends in lines if kind == "cofounding"} == cofoundings
    assert all(ends <= standing for _, ends in lines)
    assert len(nodes) < len(now_nodes)
    assert len(lines) < len(now_lines)
    assert lines < now_lines  # undated seats and people stay
    await expect(page.locator("#network-summary")).to_contain_text("At the end of 1997: ISCT and")
    await page.locator(".network").screenshot(path=ARTIFACTS / "partners-network-1997.png")
    await no_axe_violation(page, "the network of 1997")

    # Back to now: the page's own answer, with no further request.
    requests = len(tab.paths("POST"))
    await set_year(tab, None)
    assert await drawn(tab) == (now_nodes, now_lines)
    assert len(tab.paths("POST")) == requests
    tab.assert_clean()


# ------------------------------------------------------------------------ editors' notes

EDITOR = "edith"


@dataclass
class Edited:
    """A server whose data an editor changed through the API, each edit with a note."""

    base: str
    token: str
    notes: dict[str, str]  # the edited record's type -> its note
    rows: dict[str, set[str]]  # a note -> the rows (slugs) that show its record


EDITED_RECORDS = """{ organizations(first: 100) { nodes {
  slug category website version
  agreements { id version title }
  representatives { id version role person { name } }
  initiatives { id version name }
} } }"""

NOTED_ROWS = """fragment N on EditorialNote { note }
{ organizations(first: 100) { nodes { slug category editorialNote { ...N }
  agreements { editorialNote { ...N } }
  representatives { editorialNote { ...N } person { editorialNote { ...N } } }
  delegates { editorialNote { ...N } person { editorialNote { ...N } } }
  initiatives { editorialNote { ...N } }
} } }"""


async def edit(base: str, token: str, mutation: str, **input_: Any) -> None:
    """One update, as an editor, with `evidence.editorialNote`; fails on any refusal."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{base}/graphql",
            json={"query": mutation, "variables": {"input": input_}},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], payload


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def edited(
    browser: Any, databases: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Edited]:
    """Its own server and database (the others' expectations are the curated dataset's): an
    editor changed one organization, one agreement, one seat and one initiative, each of a
    different row, through the API, with an editorial note rather than a quote."""
    database_url = await databases.fresh("curated")
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with for_writes(engine).begin() as conn:
            token = await issue(conn, name=EDITOR, role=Role.EDITOR)
    finally:
        await engine.dispose()
    async with live_server(database_url, tmp_path_factory.mktemp("edited")) as served:
        base = served.base
        nodes = {
            org["slug"]: org for org in (await ask(base, EDITED_RECORDS))["organizations"]["nodes"]
        }
        fact, ebmt, cba = nodes["fact"], nodes["ebmt"], nodes["cba"]
        seated = next(
            org
            for slug, org in nodes.items()
            if org["category"] in SHOWN and org["representatives"]
            and slug not in {"fact", "ebmt", "cba"}
        )  # fmt: skip
        agreement = ebmt["agreements"][0]
        seat = seated["representatives"][0]
        initiative = next(i for i in cba["initiatives"] if "Cord Blood Connect" in i["name"])
        notes = {
            "Organization": "Website confirmed by phone with FACT's office",
            "Agreement": "Renewal announced at the 2024 annual meeting",
            "Representation": "Role renamed in the body's 2025 minutes",
            "Initiative": "Scope agreed by email with the organizers",
        }
        payload = "{ %s { version } userErrors { message } }"
        await edit(
            base, token,
            "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) "
            + payload % "organization" + " }",
            id=encode_id("Organization", "fact"), expectedVersion=fact["version"],
            website="https://www.factglobal.org/contact",
            evidence={"editorialNote": notes["Organization"]},
        )  # fmt: skip
        await edit(
            base, token,
            "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) "
            + payload % "agreement" + " }",
            id=agreement["id"], expectedVersion=agreement["version"],
            description="Renewed in 2024.", evidence={"editorialNote": notes["Agreement"]},
        )  # fmt: skip
        await edit(
            base, token,
            "mutation($input: UpdateRepresentationInput!) { updateRepresentation(input: $input) "
            + payload % "representation" + " }",
            id=seat["id"], expectedVersion=seat["version"],
            role=seat["role"] + " (renamed)", evidence={"editorialNote": notes["Representation"]},
        )  # fmt: skip
        await edit(
            base, token,
            "mutation($input: UpdateInitiativeInput!) { updateInitiative(input: $input) "
            + payload % "initiative" + " }",
            id=initiative["id"], expectedVersion=initiative["version"],
            description="An annual congress.", evidence={"editorialNote": notes["Initiative"]},
        )  # fmt: skip
        rows: dict[str, set[str]] = {note: set() for note in notes.values()}
        for org in (await ask(base, NOTED_ROWS))["organizations"]["nodes"]:
            if org["category"] not in SHOWN:
                continue
            for record in [org, *org["agreements"], *org["initiatives"]] + [
                r
                for seat in org["representatives"] + org["delegates"]
                for r in (seat, seat["person"])
            ]:
                if record["editorialNote"]:
                    rows[record["editorialNote"]["note"]].add(org["slug"])
        assert "fact" in rows[notes["Organization"]]
        assert "ebmt" in rows[notes["Agreement"]]
        assert seated["slug"] in rows[notes["Representation"]]
        assert "cba" in rows[notes["Initiative"]]
        yield Edited(base, token, notes, rows)


async def test_partners_page_says_which_facts_an_editor_recorded(browser: Any, edited: Edited):
    """A fact an editor recorded with a note (not a quote from the page) says so where it is
    shown, with the note and its author; its row carries a small mark; the other rows are as
    they were. The page still only reads, in one request."""
    async with opened(browser, edited.base) as tab:
        await open_partners(tab)
        page = tab.page
        marked: dict[str, int] = {}
        for rows in edited.rows.values():
            for slug in rows:
                marked[slug] = marked.get(slug, 0) + 1
        rows = page.locator("details.org")
        assert await rows.count() == len(shown())
        for slug in shown():
            mark = page.locator(f"#org-{slug} summary .edited-mark")
            if slug not in marked:
                await expect(mark).to_have_count(0)
                await expect(page.locator(f"#org-{slug} .editorial-note")).to_have_count(0)
                continue
            await expect(mark).to_have_text(
                f"{marked[slug]} editor's note" + ("s" if marked[slug] > 1 else "")
            )
            # The mark is part of the row's accessible name: a screen reader hears it.
            summary = page.locator(f"#org-{slug} summary")
            assert "editor's note" in (await summary.inner_text())
        assert len(marked) < len(shown()) / 2  # most rows rest on the page alone

        # Opened, each edited fact shows its note and who wrote it, beside the fact.
        where = {
            "Organization": ("fact", "p.editorial-note"),
            "Agreement": ("ebmt", ".agreements .timeline li .editorial-note"),
            "Representation": (
                None,
                ".representatives li .editorial-note, .delegates li .editorial-note",
            ),
            "Initiative": ("cba", ".initiatives li .editorial-note"),
        }
        for kind, note in edited.notes.items():
            slug, selector = where[kind]
            for row in sorted(edited.rows[note]) if slug is None else [slug]:
                details = page.locator(f"#org-{row}")
                shown_note = details.locator(selector).filter(has_text=note)
                await expect(shown_note).to_be_hidden()  # closed rows stay one line
                await details.locator("summary").click()
                await expect(shown_note).to_be_visible()
                await expect(shown_note).to_have_text(f"Editor's note {note} — {EDITOR}")
                await expect(shown_note.locator(".editorial-label")).to_have_text("Editor's note")
        fact = page.locator("#org-fact")
        await expect(fact.locator(".editorial-note")).to_have_count(1)  # the body's own, only
        # A row's other facts are untouched: FACT's representatives carry no note.
        await expect(fact.locator(".representatives .editorial-note")).to_have_count(0)

        # The search finds a fact by its note too.
        await page.get_by_label("Search").fill(edited.notes["Agreement"])
        assert await visible(tab) == edited.rows[edited.notes["Agreement"]]
        await page.get_by_label("Search").fill("")
        await no_axe_violation(page, "editors' notes shown, rows opened")
        assert await unasked_shift(page) == 0
        await tab.screenshot("partners-editorial-notes", full_page=True)
        assert tab.paths("POST") == ["/graphql"]  # one request; the page never writes
        tab.assert_clean()


async def test_graphiql_sends_the_authorization_header_typed_in_its_headers_tab(
    browser: Any, edited: Edited
):
    """An editor signs in from GraphiQL by typing the bearer header in its Headers tab; the
    header goes with the query, and is not kept in the browser's storage afterwards."""
    async with opened(browser, edited.base) as tab:
        sent: list[dict[str, str]] = []
        tab.page.on(
            "request",
            lambda request: sent.append(request.headers) if request.method == "POST" else None,
        )
        await tab.open("/graphql?q=" + quote("{ viewer { name role } }"))
        page = tab.page
        await expect(page.locator(".graphiql-query-editor")).to_contain_text("viewer")
        await (
            page.get_by_role("tab", name="Headers")
            .or_(page.get_by_role("button", name="Headers"))
            .first.click()
        )
        headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        await headers.click()
        await page.keyboard.type(f'{{"Authorization": "Bearer {edited.token}"')
        await expect(headers).to_contain_text(f"Bearer {edited.token}")
        await page.get_by_role("button", name=re.compile("Execute query")).click()
        result = page.locator(".graphiql-response")
        await expect(result).to_contain_text(f'"name": "{EDITOR}"')
        await expect(result).to_contain_text('"role": "EDITOR"')
        assert any(h.get("authorization") == f"Bearer {edited.token}" for h in sent)

        # The token is not left behind: GraphiQL keeps no headers in localStorage.
        stored = await page.evaluate("() => JSON.stringify({...window.localStorage})")
        assert "viewer" in stored  # its history was kept: the query, without the headers
        assert edited.token not in stored
        await tab.screenshot("graphiql-headers")
        tab.assert_clean()


# ------------------------------------------------------------------------ live updates

LIVE_WITHIN_MS = 2_500  # a change reaches an open page within ~2 s (the issue's bar)
ORGANIZATION_VERSIONS = "{ organizations(first: 100) { nodes { id slug name version } } }"
RENAME = (
    "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) "
    "{ organization { version } userErrors { message } } }"
)


@dataclass
class Editable:
    """A server of its own (its data changes under the test) and an editor's token."""

    base: str
    token: str

    async def rename(self, slug: str, name: str) -> None:
        nodes = (await ask(self.base, ORGANIZATION_VERSIONS))["organizations"]["nodes"]
        org = next(org for org in nodes if org["slug"] == slug)
        await edit(
            self.base, self.token, RENAME,
            id=org["id"], expectedVersion=org["version"], name=name,
            evidence={"editorialNote": "Renamed in the body's 2025 statutes"},
        )  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editable(
    browser: Any, databases: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Editable]:
    database_url = await databases.fresh("curated")
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with for_writes(engine).begin() as conn:
            token = await issue(conn, name=EDITOR, role=Role.EDITOR)
    finally:
        await engine.dispose()
    async with live_server(database_url, tmp_path_factory.mktemp("editable")) as served:
        yield Editable(served.base, token)


async def test_partners_page_shows_a_change_without_a_reload_keeping_the_view(
    browser: Any, editable: Editable
):
    """An open page learns of an edit over its WebSocket (a live query of its own query) and
    shows it in place: the filters, the search, the opened row and the scroll position stay,
    and the status line says it was updated."""
    async with opened(browser, editable.base) as tab:
        sockets: list[str] = []
        tab.page.on("websocket", lambda socket: sockets.append(urlsplit(socket.url).path))
        await tab.page.set_viewport_size({"width": 1400, "height": 500})
        await open_partners(tab, "?category=CO_FOUNDED&q=accreditation")
        page = tab.page
        fact = page.locator("#org-fact")
        await fact.locator("summary").click()
        await expect(fact.locator(".representatives")).to_be_visible()
        await page.evaluate("window.scrollTo(0, 200)")
        scrolled = await page.evaluate("window.scrollY")
        assert scrolled > 0
        found = await visible(tab)
        assert "fact" in found
        await expect(page.get_by_role("status")).not_to_contain_text("Updated")
        assert sockets == ["/graphql"]

        await editable.rename("fact", "Foundation for the Accreditation of Cellular Therapy (live)")
        await expect(fact.locator("h3 .name")).to_have_text(
            "Foundation for the Accreditation of Cellular Therapy (live)", timeout=LIVE_WITHIN_MS
        )
        await expect(page.get_by_role("status")).to_contain_text(
            re.compile(rf"Showing {len(found)} of 26 organizations: .* Updated at \d")
        )
        assert await fact.evaluate("details => details.open")
        await expect(fact.locator(".representatives")).to_be_visible()
        await expect(fact.locator(".edited-mark")).to_have_text(re.compile("1 editor's note"))
        assert await page.get_by_label("Search").input_value() == "accreditation"
        assert await page.get_by_label("Category").input_value() == "CO_FOUNDED"
        assert await visible(tab) == found
        assert "category=CO_FOUNDED" in page.url
        assert "q=accreditation" in page.url
        assert await page.evaluate("window.scrollY") == scrolled
        # The new name is searched too, and nothing moved that was not asked to.
        await page.get_by_label("Search").fill("(live)")
        assert await visible(tab) == {"fact"}
        assert await unasked_shift(page) == 0
        await no_axe_violation(page, "updated live")
        await tab.screenshot("partners-live")
        assert tab.paths("POST") == ["/graphql"]  # no reload: the first request only
        tab.assert_clean()


async def set_graphiql_editor(page: Any, editor: Any, text: str) -> None:
    """Replace the text of one of GraphiQL's editors (CodeMirror) with `text`."""
    await editor.click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text(text)


async def test_graphiql_runs_subscriptions_over_its_websocket(browser: Any, editable: Editable):
    """GraphiQL runs a live query and shows each new answer; with an editor's token in its
    Headers tab (sent as connection_init's payload), it follows the audit trail."""
    first = (await ask(editable.base, "{ organizations(first: 3) { nodes { slug name } } }"))[
        "organizations"
    ]["nodes"][0]
    live = 'subscription { live(query: "{ organizations(first: 3) { nodes { slug name } } }") }'
    async with opened(browser, editable.base) as tab:
        page = tab.page
        await tab.open("/graphql?q=" + quote(live))
        await expect(page.locator(".graphiql-query-editor")).to_contain_text("subscription")
        await page.get_by_role("button", name=re.compile("Execute query")).click()
        result = page.locator(".graphiql-response")
        await expect(result).to_contain_text(f'"name": "{first["name"]}"')
        renamed = first["name"] + " (renamed live)"
        await editable.rename(first["slug"], renamed)
        await expect(result).to_contain_text(f'"name": "{renamed}"', timeout=LIVE_WITHIN_MS)
        await tab.screenshot("graphiql-live")
        await page.get_by_role("button", name=re.compile("Stop query")).click()

        await (
            page.get_by_role("tab", name="Headers")
            .or_(page.get_by_role("button", name="Headers"))
            .first.click()
        )
        headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        await set_graphiql_editor(page, headers, f'{{"Authorization": "Bearer {editable.token}"}}')
        query = page.locator(".graphiql-query-editor .CodeMirror")
        await set_graphiql_editor(page, query, "subscription { changes { operation actor } }")
        await page.get_by_role("button", name=re.compile("Execute query")).click()
        await expect(page.get_by_role("button", name=re.compile("Stop query"))).to_be_visible()
        await editable.rename(first["slug"], first["name"])
        await expect(result).to_contain_text('"operation": "UPDATE"', timeout=LIVE_WITHIN_MS)
        await expect(result).to_contain_text(f'"actor": "{EDITOR}"')
        await tab.screenshot("graphiql-changes")
        assert "/graphql" in tab.paths("POST")  # the schema still comes over HTTP
        tab.assert_clean()
