"""Closing the alliance in the browser, without a script: Ana proposes with a note, the
closing conversation is one link away, both agree, the alliance reads as closed; then
both agree to reopen it."""

import pytest

from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _agree(page, base: str, alliance_id: int, button: str) -> None:
    page.goto(f"{base}/alliances/{alliance_id}/closing/")
    page.get_by_role("button", name=button).click()


def test_close_the_alliance_together_then_reopen_it(live_server, browser, screenshots, settings):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    propose(party_of(alliance, ana_user), "We meet every second Tuesday at 9")
    ratify_with([party_of(alliance, ana_user), party_of(alliance, ben_user)])
    ana, ben = ana_and_ben(browser, base)

    ana.goto(f"{base}/alliances/{alliance.pk}/")
    ana.get_by_role("link", name="Close the alliance").click()
    ana.get_by_label("A note to the others (optional)").fill("Our year together is done.")
    ana.get_by_role("button", name="Propose to close").click()
    assert "You proposed to close the alliance" in ana.content()

    ben.goto(f"{base}/alliances/{alliance.pk}/closing/")
    assert "Our year together is done." in ben.locator("[data-closing-note]").inner_text()
    ben.get_by_role("link", name="Plant the closing conversation").click()
    assert ben.get_by_label("Conversation").input_value() == "closing"
    assert "coming to the end of this alliance" in ben.locator("#id_groundwork").input_value()
    ben.screenshot(path=str(screenshots / "closing-conversation-form.png"), full_page=True)

    _agree(ana, base, alliance.pk, "I agree to close it")
    assert "Waiting for the others" in ana.content()
    _agree(ben, base, alliance.pk, "I agree to close it")
    ben.goto(f"{base}/alliances/{alliance.pk}/")
    assert "Closed on" in ben.locator("[data-closed]").inner_text()
    assert ben.locator("[data-status]").inner_text() == "Closed"
    assert ben.get_by_role("button", name="Propose").count() == 0
    ben.screenshot(path=str(screenshots / "closed-alliance.png"), full_page=True)

    ana.goto(f"{base}/alliances/{alliance.pk}/")
    ana.get_by_role("link", name="Reopen the alliance").click()
    ana.get_by_role("button", name="Propose to reopen").click()
    _agree(ana, base, alliance.pk, "I agree to reopen it")
    _agree(ben, base, alliance.pk, "I agree to reopen it")
    ben.goto(f"{base}/alliances/{alliance.pk}/")
    assert ben.locator("[data-closed]").count() == 0
    assert ben.get_by_role("button", name="Propose").count() == 1
