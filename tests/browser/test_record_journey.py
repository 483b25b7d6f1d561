"""The kept record in Chromium, as a coach at her desk and her client on his phone walk it:
they ratify a version; the coach reads on its page that the record is intact, keeps it as
Markdown and PDF through the page's links (and `alliance verify` finds the PDF intact),
prints the page; the client takes a copy of all his data through the emailed link, which
works once, then erases his account; the coach finds him under his pseudonym everywhere,
and the record still intact. axe-core checks every page shown (tests/browser/axe.py)."""

import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from alliance.accounts.models import User
from alliance.core.management.commands.worker import periodic_pass
from tests.browser.people import log_in
from tests.browser.test_browser_journey import mailed_link
from tests.factories import PASSWORD, join, make_alliance, make_user
from tests.test_cli import alliance as alliance_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = "We meet every other Tuesday at 9."


def signed_in(browser: Any, base: str, email: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, email)
    return page


def download(page: Any, link_name: str, into: Path) -> Path:
    """Click the page's link called `link_name` and keep the file it downloads."""
    with page.expect_download() as downloading:
        page.get_by_role("link", name=link_name, exact=True).click()
    saved = into / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    return saved


def open_download_link(page: Any, link: str, into: Path) -> Path:
    """Open a link that answers with a file, as a click in the email would."""
    # A download ends the navigation, which Playwright reports as an error.
    with page.expect_download() as downloading, pytest.raises(PlaywrightError, match="Download"):
        page.goto(link)
    saved = into / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    return saved


def test_a_coach_and_client_keep_check_and_outlive_their_record(
    live_server, browser, screenshots, settings, tmp_path
):
    settings.BASE_URL = live_server.url
    settings.DATA_COPY_DIR = tmp_path / "copies"
    base = live_server.url
    make_user("Ana", "ana@example.org")
    ben_user = make_user("Ben", "ben@example.org")
    alliance = make_alliance(User.objects.get(email="ana@example.org"), title="Coaching")
    join(alliance, ben_user)
    alliance_url = f"{base}/alliances/{alliance.pk}/"
    version_url = f"{alliance_url}versions/1/"
    ana = signed_in(browser, base, "ana@example.org", 1200)
    ben = signed_in(browser, base, "ben@example.org", 390)

    # They design and ratify version 1.
    ana.goto(alliance_url)
    ana.locator("#propose").get_by_label("Term").fill(TERM)
    ana.locator("#propose").get_by_role("button", name="Propose").click()
    ben.goto(alliance_url)
    ben.locator("article.term").get_by_label("I agree").check()
    ben.locator("article.term").get_by_role("button", name="Answer").click()
    ana.goto(alliance_url)
    ana.get_by_role("button", name="Ratify version 1").click()
    assert "Version 1 is ratified" in ana.locator("main").inner_text()

    # The version page says the record is intact and offers copies to keep.
    ana.goto(alliance_url)
    ana.screenshot(path=str(screenshots / "record-alliance.png"), full_page=True)
    ana.get_by_role("link", name="Full record").click()
    assert ana.url == version_url
    status = ana.locator(".record-status")
    assert status.inner_text().startswith("The record is intact.")
    ana.screenshot(path=str(screenshots / "record-version.png"), full_page=True)
    markdown = download(ana, "Markdown", tmp_path)
    assert TERM in markdown.read_text()
    pdf = download(ana, "PDF", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    verified = alliance_command("verify", str(pdf), data_dir=tmp_path / "cli-data")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("The record is intact")

    # Printed, the page keeps terms and signatures and drops what works only on a screen.
    ana.emulate_media(media="print")
    for hidden in ("header.site-header", "nav", "form", "button", ".record-links"):
        for element in ana.locator(hidden).all():
            assert not element.is_visible(), f"{hidden} is printed"
    assert ana.locator(".term-text").get_by_text(TERM).is_visible()
    assert ana.locator(".signatures").inner_text().splitlines() == [
        "Ana (coach)",
        "Ben (client)",
    ]
    assert ana.locator(".hash").first.inner_text() in markdown.read_text()
    ana.screenshot(path=str(screenshots / "record-version-print.png"), full_page=True)
    ana.emulate_media(media="screen")
    ana.get_by_role("link", name="Print view").click()
    assert ana.locator(".record-signature-name").all_inner_texts() == ["Ana", "Ben"]
    ana.screenshot(path=str(screenshots / "record-print-view.png"), full_page=True)

    ben.goto(version_url)
    assert ben.locator(".record-status").inner_text().startswith("The record is intact.")
    ben.screenshot(path=str(screenshots / "record-version-phone.png"), full_page=True)
    ben.get_by_role("link", name="Print view").click()
    ben.screenshot(path=str(screenshots / "record-print-view-phone.png"), full_page=True)
    ben.goto(f"{alliance_url}history/")
    assert ben.locator(".record-status").inner_text().startswith("The record is intact.")
    ben.screenshot(path=str(screenshots / "record-history-phone.png"), full_page=True)

    # Ben takes a copy of all his data: the worker builds it, the emailed link gives it once.
    ben.goto(f"{base}/profile/")
    ben.screenshot(path=str(screenshots / "record-profile-phone.png"), full_page=True)
    ben.get_by_role("button", name="Prepare a copy of all my data").click()
    assert ben.url == f"{base}/profile/data/"
    for _ in periodic_pass():
        pass
    ben.get_by_text("Your copy is ready").wait_for()
    ben.screenshot(path=str(screenshots / "record-data-copy-ready-phone.png"), full_page=True)
    copy = open_download_link(ben, mailed_link("ben@example.org", "/profile/data/"), tmp_path)
    with zipfile.ZipFile(copy) as archive:
        assert "account.json" in archive.namelist()
    ben.goto(mailed_link("ben@example.org", "/profile/data/"))
    assert "This link was used" in ben.locator("main").inner_text()
    ben.screenshot(path=str(screenshots / "record-data-copy-used-phone.png"), full_page=True)

    # He erases his account; a mistyped confirmation first changes nothing.
    ben.goto(f"{base}/profile/")
    ben.get_by_role("link", name="Erase my account…").click()
    ben.get_by_label("Your email address").fill("ben@example.com")
    ben.get_by_label("Your password").fill(PASSWORD)
    ben.get_by_role("button", name="Erase my account").click()
    assert "Nothing was erased" in ben.locator("main").inner_text()
    ben.screenshot(path=str(screenshots / "record-erase-refused-phone.png"), full_page=True)
    ben_user.refresh_from_db()
    assert ben_user.erased_at is None
    assert ben_user.email == "ben@example.org"
    ben.get_by_label("Your email address").fill("ben@example.org")
    ben.get_by_label("Your password").fill(PASSWORD)
    ben.get_by_role("button", name="Erase my account").click()
    assert ben.locator("h1").inner_text() == "Your account is erased"
    ben.screenshot(path=str(screenshots / "record-erased-phone.png"), full_page=True)

    # Ana sees a former party on every page, and the record still intact.
    pseudonym = User.objects.get(pk=ben_user.pk).name
    assert pseudonym.startswith("Former party ")
    for url, shot in (
        (alliance_url, "record-alliance-after-erasure.png"),
        (version_url, "record-version-after-erasure.png"),
        (f"{alliance_url}history/", "record-history-after-erasure.png"),
    ):
        ana.goto(url)
        main = ana.locator("main").inner_text()
        assert pseudonym in main, url
        assert "Ben" not in main, url
        ana.screenshot(path=str(screenshots / shot), full_page=True)
    ana.goto(version_url)
    assert ana.locator(".record-status").inner_text().startswith("The record is intact.")
