"""The rhythm the terms agreed, offered in the form and confirmed; then checking in early,
once as an extra check-in and once in place of the next."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from alliance.lib.clock import now
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check_in_early(page, choice: str) -> None:
    page.get_by_role("link", name="Check in now").click()
    page.get_by_label(choice).check()
    page.get_by_role("button", name="Check in now").click()


def _rate_everything(page) -> None:
    for score in page.locator("input[value=well]").all():
        score.check()
    page.get_by_role("button", name="Save my check-in").click()


def test_the_agreed_rhythm_is_suggested_and_an_early_check_in_keeps_or_uses_the_date(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana_party, ben_party = party_of(alliance, ana_user), party_of(alliance, ben_user)
    propose(ana_party, "We meet every second Tuesday at 9")
    ratify_with([ana_party, ben_party])

    ana, ben = ana_and_ben(browser, base)

    # The version page offers the rhythm read from the term; Ana confirms it.
    ana.goto(f"{base}/alliances/{alliance.pk}/versions/1/")
    suggestion = ana.locator("[data-rhythm-suggestion]")
    assert "Suggested from your term “We meet every second Tuesday at 9”" in (
        suggestion.inner_text()
    )
    assert "every 2 weeks on Tuesday at 09:00" in suggestion.inner_text()
    assert ana.get_by_label("At").input_value() == "09:00"
    assert ana.locator("input[name=interval]").input_value() == "2"
    ana.screenshot(path=str(screenshots / "rhythm-suggested.png"), full_page=True)
    ana.get_by_role("button", name="Plan the check-in").click()

    today = now().astimezone(ZoneInfo("Europe/Berlin")).date()
    tuesday = today + timedelta(days=(1 - today.weekday() - 1) % 7 + 1)
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    care = ana.locator("#care").inner_text()
    assert f"Next check-in {tuesday:%A %-d %B %Y}, 09:00" in care
    assert "every 2 weeks" in care

    # An extra check-in: the next date stays where it is.
    _check_in_early(ana, "As an extra check-in")
    assert f"the next one stays on {tuesday:%A %-d %B %Y}, 09:00" in ana.content()
    _rate_everything(ana)
    ben.goto(ana.url)
    _rate_everything(ben)
    ben.get_by_role("button", name="Keep it as it is").click()
    ben.goto(f"{base}/alliances/{alliance.pk}/")
    assert f"{tuesday:%A %-d %B %Y}, 09:00" in ben.locator("#care").inner_text()

    # In place of the next: closing it moves the rhythm on to the Tuesday after.
    _check_in_early(ben, "Instead of the next check-in")
    assert "takes the place of the one on" in ben.content()
    _rate_everything(ben)
    ana.goto(ben.url)
    _rate_everything(ana)
    ana.get_by_role("button", name="Keep it as it is").click()
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    later = tuesday + timedelta(weeks=2)
    assert f"Next check-in {later:%A %-d %B %Y}, 09:00" in ana.locator("#care").inner_text()
