"""In Chromium, with axe-core on every page: Ben erases his account from his profile, is
signed out with a goodbye, and Ana then finds him under his pseudonym in their history."""

import pytest

from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ben_erases_his_account_and_ana_sees_former_party(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org")
    ben_user = make_user("Ben", "ben@example.org")
    alliance = make_alliance(ana_user, title="Coaching")
    join(alliance, ben_user)
    propose(party_of(alliance, ana_user), "We meet every other Tuesday.")
    ratify_with([party_of(alliance, ana_user), party_of(alliance, ben_user)])
    ana, ben = ana_and_ben(browser, base)

    ben.goto(f"{base}/profile/")
    ben.get_by_role("link", name="Erase my account…").click()
    assert "Coaching (client): you leave it" in ben.locator("main").inner_text()
    # A mistyped address erases nothing, and says so.
    ben.get_by_label("Your email address").fill("ben@example.com")
    ben.get_by_label("Your password").fill("a-long-test-password-9")
    ben.get_by_role("button", name="Erase my account").click()
    assert "Nothing was erased" in ben.locator("main").inner_text()
    ben.screenshot(path=str(screenshots / "erase-refused.png"), full_page=True)

    ben.get_by_label("Your email address").fill("ben@example.org")
    ben.get_by_label("Your password").fill("a-long-test-password-9")
    ben.get_by_role("button", name="Erase my account").click()
    assert ben.locator("h1").inner_text() == "Your account is erased"
    ben.goto(f"{base}/profile/")
    assert "/accounts/login/" in ben.url

    ana.goto(f"{base}/alliances/{alliance.pk}/history/")
    history = ana.locator("main").inner_text()
    assert "Former party 1 erased their account" in history
    assert "Ben" not in history
    ana.goto(f"{base}/alliances/{alliance.pk}/versions/1/")
    assert "Former party 1" in ana.locator("main").inner_text()
