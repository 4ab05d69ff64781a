"""Headless Chromium for the page audits (tests/test_page_audits.py), offline.

The same browser and rules as tests/test_browser.py: Debian's Chromium (/usr/bin/chromium;
CHROMIUM=... for another) driven by Playwright's client, no browser download, and no request
leaves the loopback. Without what a test needs it is skipped, loudly; with REQUIRE_BROWSER=1
(CI) it fails instead.
"""

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest

try:
    from playwright.async_api import async_playwright
except ImportError:  # `require` reports it: a skip, or a failure under REQUIRE_BROWSER
    async_playwright = None  # type: ignore[assignment]

from tests.utils.live import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: no name but the loopback's resolves, whatever asks.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def chromium_missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM)"
    return None


def playwright_missing() -> str | None:
    if async_playwright is None:
        return "the playwright package is not installed (make test installs it)"
    return chromium_missing()


def require(missing: str | None, what: str = "BROWSER TESTS") -> None:
    """Skip loudly if something is `missing`; fail instead under REQUIRE_BROWSER=1."""
    if missing and os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set, but {missing}")
    if missing:
        pytest.skip(f"*** {what} SKIPPED: {missing}. REQUIRE_BROWSER=1 makes this fail ***")


@contextlib.asynccontextmanager
async def launched() -> AsyncIterator[Any]:
    """Chromium under Playwright; each launch has a fresh, temporary user data directory."""
    require(playwright_missing())
    assert async_playwright is not None
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def loopback_only(context: Any, blocked: list[str]) -> None:
    """Abort, and record in `blocked`, every request of `context` to another host."""

    async def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort("blockedbyclient")

    await context.route("**/*", guard)
