"""Planting a stake in a real browser: the untouched opening follows the kind of
conversation; words the proposer typed stay."""

import pytest

from tests.browser.people import log_in
from tests.factories import join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_opening_follows_the_kind_until_the_proposer_writes_their_own(live_server, browser):
    ana = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana, title="Coaching: Ana and Ben")
    join(alliance, make_user("Ben", "ben@example.org"))
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ana@example.org")
    page.goto(f"{live_server.url}/alliances/{alliance.pk}/conversations/new/")
    groundwork = page.locator("#id_groundwork")
    assert groundwork.input_value().startswith("Before we start on your goals")
    page.locator("#id_kind").select_option("checkin")
    assert groundwork.input_value().startswith("I'd like us to look at how our alliance")
    groundwork.fill("Ben, let's see how the Tuesday calls are going.")
    page.locator("#id_kind").select_option("redesign")
    assert groundwork.input_value() == "Ben, let's see how the Tuesday calls are going."
