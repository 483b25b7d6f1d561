"""Ben takes a copy of all his data in Chromium: the button on his profile, the page that
follows the worker as it builds it, the emailed link opened signed out, which
downloads the zip once he signs in, and the page that says the link was used."""

import json
import zipfile

import pytest

from alliance.core.management.commands.worker import periodic_pass
from tests.browser.people import log_in
from tests.browser.test_browser_journey import mailed_link
from tests.factories import PASSWORD, join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ben_prepares_downloads_and_cannot_reuse_his_copy(live_server, browser, settings, tmp_path):
    settings.BASE_URL = live_server.url
    settings.DATA_COPY_DIR = tmp_path / "copies"
    ana = make_user("Ana", "ana@example.org")
    ben = make_user("Ben", "ben@example.org")
    join(make_alliance(ana, title="Coaching: Ana and Ben"), ben)
    context = browser.new_context(viewport={"width": 414, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ben@example.org")

    page.goto(live_server.url + "/profile/")
    page.get_by_role("button", name="Prepare a copy of all my data").click()
    assert page.url == live_server.url + "/profile/data/"
    assert "waits for its turn" in page.content()

    # The worker builds it; the page, still open, shows it ready without a reload.
    for _ in periodic_pass():
        pass
    page.get_by_text("Your copy is ready").wait_for()

    # The link opened signed out asks him to sign in, then downloads the file.
    link = mailed_link("ben@example.org", "/profile/data/")
    context.clear_cookies()
    page.goto(link)
    assert "/accounts/login/" in page.url
    page.locator("#id_login").fill("ben@example.org")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Sign In").click()
    saved = tmp_path / "mine.zip"
    downloading.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        account = json.loads(archive.read("account.json"))
    assert account["email"] == "ben@example.org"

    page.goto(link)
    assert "This link was used" in page.content()
    page.get_by_role("button", name="Prepare a copy of all my data").click()
    assert "waits for its turn" in page.content()
