"""The pages audited as the issue asks: Lighthouse scores, axe-core, and the page's size.

- Lighthouse (npm, pinned in package.json; tests/lighthouse_run.mjs) on `/` with the mobile
  (default) and desktop configurations, and on `/graphql` (GraphiQL) desktop, in headless
  Chromium against a real server. `/`: performance >= 95, accessibility, best practices and
  SEO 100, CLS <= 0.02. GraphiQL: performance >= 80 and every text response over 1 kB
  compressed. Each run's reports stay in test-artifacts/lighthouse-*.report.{json,html}.
  The page is the same on both engines: these run on SQLite only.
- axe-core (npm, pinned) in Playwright's Chromium on `/`: no WCAG 2.x A/AA or best-practice
  violation freshly loaded, filtered, searched (some matches, none) and with an
  organization's details open.
- Screenshots at phone (375 px, 2x) and desktop (1400 px) widths in test-artifacts/; the
  page's height at 375 px, at most a third of the old 17,750 px; no horizontal scroll at
  320 px.

Without Chromium, Node.js or node_modules these tests are skipped, loudly; with
REQUIRE_BROWSER=1 (CI) they fail instead. Lighthouse runs each configuration once per
session, one at a time: concurrent runs share the two CPUs and the server, and Lighthouse's
simulated timings come from the CPU time it observes.
"""

import asyncio
import json
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.utils.browser import (
    ARTIFACTS,
    CHROMIUM,
    chromium_missing,
    launched,
    loopback_only,
    require,
)
from tests.utils.live import ROOT, live_server

ENGINE = os.environ.get("TEST_ENGINE", "sqlite")
NODE_MODULES = ROOT / "node_modules"
RUNNER = ROOT / "tests" / "lighthouse_run.mjs"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
TIMEOUT_MS = 15_000
LIGHTHOUSE_TIMEOUT_S = 240
OLD_HEIGHT_PX = 17_750  # the page at 375 px before the redesign
MAX_PHONE_HEIGHT_PX = 5_900  # a third of it
COMPRESS_OVER_BYTES = 1024  # a text response larger than this must come compressed
TEXT_TYPES = re.compile(r"^text/|javascript|json|xml|svg", re.IGNORECASE)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]  # real browsers
lighthouse_only_on_sqlite = pytest.mark.skipif(
    ENGINE != "sqlite",
    reason=f"Lighthouse audits the same page on every engine: run on sqlite, not {ENGINE}",
)


def say(request: pytest.FixtureRequest, line: str) -> None:
    """A line in the test run's output, even under -q and output capture."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\n[page audits] {line}")


# ------------------------------------------------------------------------ the server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(databases: Any, tmp_path_factory: pytest.TempPathFactory):
    """The base URL of `python -m service serve` over a fresh copy of the curated dataset."""
    database_url = await databases.fresh("curated")
    async with live_server(database_url, tmp_path_factory.mktemp("server")) as served:
        yield served.base


# ------------------------------------------------------------------------ Lighthouse


@dataclass
class Report:
    """One Lighthouse run: its result (the JSON report) and DevTools log, and how long."""

    name: str
    lhr: dict[str, Any]
    log: list[dict[str, Any]]
    seconds: float

    def score(self, category: str) -> int | None:
        value = self.lhr["categories"][category]["score"]
        return None if value is None else round(value * 100)

    def audit(self, audit_id: str) -> dict[str, Any]:
        audit: dict[str, Any] = self.lhr["audits"][audit_id]
        return audit

    def failing(self, category: str) -> list[str]:
        """The category's audits that did not pass: title, displayValue, a few elements."""
        lines = []
        refs = self.lhr["categories"][category]["auditRefs"]
        for ref in sorted(refs, key=lambda ref: -ref.get("weight", 0)):  # the costliest first
            audit = self.audit(ref["id"])
            if audit["score"] is None or audit["score"] >= 1:
                continue
            if audit["scoreDisplayMode"] not in ("binary", "numeric", "metricSavings"):
                continue
            line = f"  - {audit['title']}"
            if audit.get("displayValue"):
                line += f": {audit['displayValue']}"
            line += f" [{ref['id']}, score {audit['score']}, weight {ref.get('weight', 0)}]"
            where = _elements(audit)
            if where:
                line += f" at {where}"
            lines.append(line)
        return lines

    def summary(self) -> str:
        scores = ", ".join(f"{c} {self.score(c)}" for c in self.lhr["categories"])
        cls = self.audit("cumulative-layout-shift").get("numericValue")
        return f"Lighthouse {self.name}: {scores}, CLS {cls:.3f} ({self.seconds:.1f} s)"


def _elements(audit: dict[str, Any], most: int = 4) -> str:
    items = (audit.get("details") or {}).get("items") or []
    selectors = [
        item["node"].get("selector") or item["node"].get("snippet")
        for item in items
        if isinstance(item, dict) and isinstance(item.get("node"), dict)
    ]
    shown = ", ".join(str(s) for s in selectors[:most])
    return shown + (f" (+{len(selectors) - most} more)" if len(selectors) > most else "")


def _lighthouse_missing() -> str | None:
    if shutil.which("node") is None:
        return "no Node.js (node) on PATH"
    for package in ("lighthouse", "chrome-launcher"):
        if not (NODE_MODULES / package / "package.json").is_file():
            return f"node_modules/{package} is missing (run `make test`, which runs npm ci)"
    return chromium_missing()


class Lighthouse:
    """Runs each configuration once, when a test first asks for it, one run at a time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.reports: dict[str, Report] = {}
        self.lock = asyncio.Lock()

    async def report(self, name: str, path: str, preset: str) -> Report:
        async with self.lock:
            if name not in self.reports:
                self.reports[name] = await self._run(name, path, preset)
            return self.reports[name]

    async def _run(self, name: str, path: str, preset: str) -> Report:
        node = shutil.which("node")
        assert node is not None
        ARTIFACTS.mkdir(exist_ok=True)
        out = ARTIFACTS / f"lighthouse-{name}"
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            node, str(RUNNER), self.base + path, preset, str(out),
            cwd=ROOT, env={**os.environ, "CHROME_PATH": CHROMIUM},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), LIGHTHOUSE_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            pytest.fail(f"Lighthouse {name} took over {LIGHTHOUSE_TIMEOUT_S} s")
        seconds = time.monotonic() - started
        output = (stdout + stderr).decode(errors="replace")
        assert process.returncode == 0, f"Lighthouse {name} failed:\n{output}"
        return Report(
            name, read_json(f"{out}.report.json"), read_json(f"{out}.devtoolslog.json"), seconds
        )


def read_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lighthouse(server: str) -> Lighthouse:
    require(_lighthouse_missing(), "LIGHTHOUSE AUDITS")
    return Lighthouse(server)


def shortfalls(report: Report, minimum: dict[str, int]) -> list[str]:
    """Each category under its minimum score, with the audits that cost it points."""
    problems = []
    for category, least in minimum.items():
        score = report.score(category)
        if score is None or score < least:
            problems.append(f"{category} {score} < {least}:")
            problems += report.failing(category) or ["  (no failing audit listed)"]
    return problems


def check_run(report: Report) -> list[str]:
    """What makes a run's scores meaningless: it did not end on the page it was sent to."""
    problems = []
    if report.lhr.get("runtimeError"):
        problems.append(f"runtime error: {report.lhr['runtimeError']}")
    problems += [f"run warning: {warning}" for warning in report.lhr.get("runWarnings", [])]
    return problems


@lighthouse_only_on_sqlite
@pytest.mark.parametrize("preset", ["mobile", "desktop"])
async def test_lighthouse_partners_page(
    lighthouse: Lighthouse, preset: str, request: pytest.FixtureRequest
):
    report = await lighthouse.report(f"partners-{preset}", "/", preset)
    say(request, report.summary())
    problems = check_run(report)
    problems += shortfalls(
        report, {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
    )
    cls = report.audit("cumulative-layout-shift")
    if cls["numericValue"] > 0.02:
        problems.append(f"Cumulative Layout Shift {cls['numericValue']:.3f} > 0.02")
        shifts = report.audit("layout-shifts")
        problems.append(f"  - {shifts['title']}: {shifts.get('displayValue')}")
        where = _elements(shifts)
        if where:
            problems.append(f"    at {where}")
    artifacts = f"(reports: test-artifacts/lighthouse-partners-{preset}.report.html/.json)"
    assert problems == [], "\n".join([report.summary(), *problems, artifacts])


@lighthouse_only_on_sqlite
async def test_lighthouse_graphiql_desktop(lighthouse: Lighthouse, request: pytest.FixtureRequest):
    report = await lighthouse.report("graphiql-desktop", "/graphql", "desktop")
    say(request, report.summary())
    problems = check_run(report)
    if report.lhr["finalDisplayedUrl"].rstrip("/") != lighthouse.base + "/graphql":
        problems.append(f"ended on {report.lhr['finalDisplayedUrl']}, not /graphql")
    problems += shortfalls(report, {"performance": 80})
    compression = report.audit("uses-text-compression")
    if compression["score"] is not None and compression["score"] < 1:
        items = (compression.get("details") or {}).get("items") or []
        problems.append(f"{compression['title']}: {compression.get('displayValue')}")
        problems += [
            f"  - {item['url']}: {item['totalBytes']} B, {item['wastedBytes']} B to save"
            for item in items
        ]
    if not any(event.get("method") == "Network.responseReceived" for event in report.log):
        problems.append("the DevTools log has no response: nothing to check compression on")
    problems += [f"sent uncompressed: {response}" for response in uncompressed_text(report.log)]
    artifacts = "(reports: test-artifacts/lighthouse-graphiql-desktop.report.html/.json)"
    assert problems == [], "\n".join([report.summary(), *problems, artifacts])


def uncompressed_text(log: list[dict[str, Any]]) -> list[str]:
    """Text responses whose body is over COMPRESS_OVER_BYTES and that came without a
    Content-Encoding, from the DevTools protocol events Lighthouse recorded."""
    responses: dict[str, dict[str, Any]] = {}
    body_bytes: dict[str, int] = {}
    for event in log:
        params = event.get("params", {})
        if event.get("method") == "Network.responseReceived":
            responses[params["requestId"]] = params["response"]
        elif event.get("method") == "Network.dataReceived":
            request_id = params["requestId"]
            body_bytes[request_id] = body_bytes.get(request_id, 0) + params["dataLength"]
    found = []
    for request_id, response in responses.items():
        if not response["url"].startswith("http"):  # data: URLs travel with their page
            continue
        headers = {name.lower(): value for name, value in response["headers"].items()}
        size = body_bytes.get(request_id, 0)
        if (
            TEXT_TYPES.search(response.get("mimeType", ""))
            and size > COMPRESS_OVER_BYTES
            and not headers.get("content-encoding")
        ):
            found.append(f"{response['url']} ({response['mimeType']}, {size} B)")
    return found


# ------------------------------------------------------------------------ Playwright


@dataclass
class Tab:
    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with launched() as chromium:
        yield chromium


@pytest_asyncio.fixture(loop_scope="module")
async def new_tab(browser: Any, server: str) -> AsyncIterator[Callable[..., Awaitable[Tab]]]:
    """Opens `/` in a fresh context with these options, once the page says it is ready."""
    contexts = []

    async def open_page(path: str = "/", **options: Any) -> Tab:
        # bypass_csp: axe is injected as an inline script, which the page's CSP refuses.
        context = await browser.new_context(bypass_csp=True, **options)
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        tab = Tab(page)
        await loopback_only(context, tab.blocked)
        page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
        await page.goto(server + path)
        await page.wait_for_selector("body[data-ready]")
        return tab

    try:
        yield open_page
    finally:
        for context in contexts:
            await context.close()


DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


# ------------------------------------------------------------------------ axe-core


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def described(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:6]:
            lines.append(f"  - {' > '.join(map(str, node['target']))}")
        if len(violation["nodes"]) > 6:
            lines.append(f"  - (+{len(violation['nodes']) - 6} more)")
    return "\n".join(lines)


async def status_text(page: Any) -> str:
    text: str = await page.get_by_role("status").first.inner_text()
    return text


async def settles(page: Any, before: str) -> str:
    """The status line once it says something other than `before` (the filters applied)."""
    await page.wait_for_function(
        "before => (document.querySelector('[role=status]')?.textContent ?? '').trim()"
        " !== before.trim()",
        arg=before,
    )
    return await status_text(page)


def counts(status: str) -> tuple[int, int] | None:
    """(shown, total) from a status line such as "Showing 3 of 26 organizations"."""
    match = re.search(r"(\d+) of (\d+)", status)
    return (int(match[1]), int(match[2])) if match else None


async def loaded(page: Any) -> None:
    pass


async def filtered(page: Any) -> None:
    before = await status_text(page)
    await page.get_by_label("Region", exact=True).select_option(index=1)
    await page.get_by_label("Category", exact=True).select_option("PARTNER")
    await settles(page, before)


async def searched_some(page: Any) -> None:
    before = await status_text(page)
    await page.get_by_role("searchbox", name="Search").press_sequentially("marrow")
    shown = counts(await settles(page, before))
    if shown:
        assert 0 < shown[0] < shown[1], f"'marrow' should match some, not all: {shown}"


async def searched_none(page: Any) -> None:
    search = page.get_by_role("searchbox", name="Search")
    before = await status_text(page)
    await search.press_sequentially("marrow")
    before = await settles(page, before)
    await search.fill("")
    await search.press_sequentially("zzzz")
    shown = counts(await settles(page, before))
    if shown:
        assert shown[0] == 0, f"'zzzz' should match nothing: {shown}"


async def expanded(page: Any) -> None:
    summary = page.locator("summary").first
    if not await summary.count():
        pytest.skip("no <summary> on the page yet: no organization's details to expand")
    await summary.click()
    await page.wait_for_function(
        "() => document.querySelector('summary')?.parentElement?.open === true"
    )


STATES: dict[str, Callable[[Any], Awaitable[None]]] = {
    "loaded": loaded,
    "filtered": filtered,
    "searched-some": searched_some,
    "searched-none": searched_none,
    "details-expanded": expanded,
}


@pytest.mark.parametrize("state", list(STATES))
async def test_axe_finds_no_violation(new_tab: Callable[..., Awaitable[Tab]], state: str):
    require(None if AXE.is_file() else "node_modules/axe-core is missing (run `make test`)")
    tab = await new_tab(**DESKTOP)
    for role, name in [("searchbox", "Search"), ("button", "Clear filters")] + [
        ("combobox", name) for name in ("Category", "Region", "Agreement")
    ]:
        found = await tab.page.get_by_role(role, name=name, exact=True).count()
        assert found == 1, f"{found} {role}s named {name!r}: the form keeps its names"
    await STATES[state](tab.page)
    violations = await axe_violations(tab.page)
    assert violations == [], f"axe violations ({state}):\n{described(violations)}"
    assert tab.blocked == [], f"requests to hosts other than the loopback: {tab.blocked}"
    assert tab.errors == [], tab.errors


# ------------------------------------------------------------------------ size and layout


async def test_phone_screenshot_and_height(
    new_tab: Callable[..., Awaitable[Tab]], request: pytest.FixtureRequest
):
    tab = await new_tab(**PHONE)
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.page.screenshot(path=ARTIFACTS / "partners-phone.png", full_page=True)
    height = await tab.page.evaluate("() => document.documentElement.scrollHeight")
    say(
        request,
        f"page height at 375 px: {height} px (was {OLD_HEIGHT_PX}; at most {MAX_PHONE_HEIGHT_PX})",
    )
    assert height <= MAX_PHONE_HEIGHT_PX, (
        f"the page is {height} px tall at 375 px wide; at most {MAX_PHONE_HEIGHT_PX} "
        f"(a third of the old {OLD_HEIGHT_PX}); see test-artifacts/partners-phone.png"
    )


async def test_desktop_screenshot(new_tab: Callable[..., Awaitable[Tab]]):
    tab = await new_tab(**DESKTOP)
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.page.screenshot(path=ARTIFACTS / "partners-desktop.png", full_page=True)
    assert (ARTIFACTS / "partners-desktop.png").stat().st_size > 0


async def test_no_horizontal_scroll_at_320_px(new_tab: Callable[..., Awaitable[Tab]]):
    tab = await new_tab(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    widths = await tab.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    wider = await tab.page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right
                          > document.documentElement.clientWidth + 0.5)
            .slice(0, 5)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className && typeof el.className === 'string'
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))"""
    )
    assert widths[0] <= widths[1], (
        f"horizontal scroll at 320 px: scrollWidth {widths[0]} > clientWidth {widths[1]}; "
        f"wider than the viewport: {wider}"
    )
