import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import AuditedContext, AuditedPage, AxeAudit, write_report

CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: run `make browser-deps`."
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in another thread, but Django's guard looks only at the running loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_records() -> Iterator[list[dict[str, Any]]]:
    """Every axe-core check of the session, written to test-artifacts/axe.json at its end."""
    records: list[dict[str, Any]] = []
    yield records
    if records:
        ARTIFACTS.mkdir(exist_ok=True)
        write_report(records, ARTIFACTS / "axe.json")


class WatchedBrowser:
    """Chromium whose every page reports what the browser refused or failed at: a script
    or style the Content-Security-Policy blocked, a script error, a failed resource; and
    whose every document is checked by axe-core (tests/browser/axe.py)."""

    def __init__(self, chromium: Any, audit: AxeAudit) -> None:
        self.chromium = chromium
        self.audit = audit
        self.problems: list[str] = []
        self.pages: list[AuditedPage] = []

    def new_context(self, **options: Any) -> AuditedContext:
        context = self.chromium.new_context(**options)
        context.on("page", self._watch)
        return AuditedContext(context, self.audit, self.pages)

    def _watch(self, page: Any) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))

    def _console(self, page: Any, message: Any) -> None:
        # A page's own 4xx (a refused form, "not found") is the test's to assert; Chromium
        # notes it in the console like a missing stylesheet, which is a problem.
        own_status = message.location.get("url") == page.url and message.text.startswith(
            "Failed to load resource"
        )
        if message.type == "error" and not own_status:
            self.problems.append(f"{page.url}: {message.text}")


@pytest.fixture
def browser(
    chromium: Any, axe_records: list[dict[str, Any]], request: pytest.FixtureRequest
) -> Iterator[WatchedBrowser]:
    watched = WatchedBrowser(chromium, AxeAudit(request.node.nodeid, axe_records))
    yield watched
    for page in watched.pages:
        page.check_pending()
    assert watched.problems == [], "the browser refused or failed at:\n" + "\n".join(
        watched.problems
    )
    assert watched.audit.failures == [], "axe-core found on the pages shown:\n" + "\n".join(
        watched.audit.failures
    )


@pytest.fixture
def screenshots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
