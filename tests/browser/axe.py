"""axe-core on every page a browser journey shows.

A journey's pages are wrapped so that, before the test touches a page again after it showed
a new document (a link followed, a form sent, a form refused, a 404), axe-core checks that
document. A new journey cannot forget to check: it only has to use the `browser` fixture.
Each check is recorded, and the session writes them to test-artifacts/axe.json.

axe-core comes inside the axe-playwright-python package (nothing is downloaded) and is run
through Playwright's evaluate, which the DevTools protocol carries outside the page's
Content-Security-Policy: the app's strict policy stays as it is, and the browser's console
still reports anything that policy blocks.
"""

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()
# Path segments that name one object: ids, and the keys of invitations and confirmations.
ONE_OBJECT = re.compile(r"^(\d+|[\w-]{20,}|[\w-]*:[\w:-]+)$")


def page_pattern(url: str) -> str:
    """The page a URL shows, without what names one alliance, term or token:
    /alliances/12/versions/1/ is the page /alliances/<id>/versions/<id>/."""
    segments = urlsplit(url).path.split("/")
    return "/".join("<id>" if ONE_OBJECT.match(s) else s for s in segments)


def describe(violation: dict[str, Any]) -> list[str]:
    """One line per element: rule, impact, where, and what axe says is wrong."""
    lines = []
    for node in violation["nodes"]:
        target = " ".join(str(t) for t in node["target"])
        message = node.get("failureSummary") or violation["help"]
        message = " ".join(message.split())
        lines.append(f"{violation['id']} ({violation['impact']}) at {target}: {message}")
    return lines


class AxeAudit:
    """The checks of one test: what each page showed and what axe found there."""

    def __init__(self, test: str, records: list[dict[str, Any]]) -> None:
        self.test = test
        self.records = records
        self.failures: list[str] = []

    def check(self, page: Any, *, record: bool = True) -> list[dict[str, Any]]:
        """Run axe-core on the document the page shows now; return its violations.
        `record=False` leaves out of axe.json a page a test has broken on purpose."""
        page.wait_for_load_state()
        started = time.perf_counter()
        violations = AXE.run(page).response["violations"]
        seconds = time.perf_counter() - started
        if record:
            self.records.append(
                {
                    "test": self.test,
                    "page": page_pattern(page.url),
                    "url": page.url,
                    "title": page.title(),
                    "rules": {v["id"]: len(v["nodes"]) for v in violations},
                    "elements": sum(len(v["nodes"]) for v in violations),
                    "seconds": round(seconds, 3),
                }
            )
        for violation in violations:
            self.failures += [f"{page.url}: {line}" for line in describe(violation)]
        return violations


class AuditedPage:
    """A Playwright page that has axe check each new document before the test goes on."""

    def __init__(self, page: Any, audit: AxeAudit) -> None:
        self._page = page
        self._audit = audit
        self._documents_shown = 0
        self._documents_checked = 0
        page.on("framenavigated", self._count_document)

    def _count_document(self, frame: Any) -> None:
        if frame == self._page.main_frame:
            self._documents_shown += 1

    def check_pending(self) -> None:
        """Check the document on show, unless it has been checked already."""
        if self._documents_checked == self._documents_shown or self._page.is_closed():
            return
        self._documents_checked = self._documents_shown
        self._audit.check(self._page)

    def __getattr__(self, name: str) -> Any:
        self.check_pending()
        return getattr(self._page, name)


class AuditedContext:
    """A browser context whose new pages are audited pages."""

    def __init__(self, context: Any, audit: AxeAudit, pages: list[AuditedPage]) -> None:
        self._context = context
        self._audit = audit
        self._pages = pages

    def new_page(self) -> AuditedPage:
        page = AuditedPage(self._context.new_page(), self._audit)
        self._pages.append(page)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def write_report(records: list[dict[str, Any]], path: Path) -> None:
    """Every check of the session, and per page the most elements in violation on one visit."""
    pages: dict[str, dict[str, Any]] = {}
    for record in records:
        summary = pages.setdefault(record["page"], {"visits": 0, "elements": 0, "rules": {}})
        summary["visits"] += 1
        summary["elements"] = max(summary["elements"], record["elements"])
        for rule, count in record["rules"].items():
            summary["rules"][rule] = max(summary["rules"].get(rule, 0), count)
    report = {
        "checks": len(records),
        "elements_in_violation": sum(r["elements"] for r in records),
        "seconds_in_axe": round(sum(r["seconds"] for r in records), 1),
        "pages": dict(sorted(pages.items())),
        "visits": records,
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
