import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


class WatchedBrowser:
    """Chromium whose every page reports what the browser refused or failed at: a script
    or style the Content-Security-Policy blocked, a script error, a failed resource."""

    def __init__(self, chromium: Any) -> None:
        self.chromium = chromium
        self.problems: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self.chromium.new_context(**options)
        context.on("page", self._watch)
        return context

    def _watch(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: self.problems.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))


@pytest.fixture
def browser(chromium: Any) -> Iterator[WatchedBrowser]:
    watched = WatchedBrowser(chromium)
    yield watched
    assert watched.problems == [], "the browser refused or failed at:\n" + "\n".join(
        watched.problems
    )


@pytest.fixture
def screenshots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
