"""Keeping the alliance alive in a real browser: a rhythm, a check-in by both parties,
a tending signal, and the health chart."""

from datetime import timedelta

import pytest
from django.core import mail

from alliance.lib.clock import now
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_check_in_signal_and_health_chart(live_server, browser, screenshots, settings):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana_party, ben_party = party_of(alliance, ana_user), party_of(alliance, ben_user)
    propose(ana_party, "We meet every other Tuesday at 9.")
    propose(ana_party, "Between sessions, email; replies within two working days.", "communication")
    ratify_with([ana_party, ben_party])

    ana, ben = ana_and_ben(browser, base)

    # Ana sets the rhythm from the version page she lands on after ratifying.
    ana.goto(f"{base}/alliances/{alliance.pk}/versions/1/")
    next_checkin = now().date() + timedelta(days=60)
    ana.get_by_label("Next check-in").fill(next_checkin.isoformat())
    ana.get_by_label("At").fill("10:00")
    ana.get_by_role("button", name="Plan the check-in").click()
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    shown = next_checkin.strftime("%A %-d %B %Y, 10:00")
    assert shown in ana.locator("#care").inner_text()

    # Both check in now; Ben says the email term needs tending.
    ana.get_by_role("link", name="Check in now").click()
    ana.get_by_label("Instead of the next check-in").check()
    ana.get_by_role("button", name="Check in now").click()
    checkin_url = ana.url
    for score in ana.locator("input[value=well]").all():
        score.check()
    ana.locator("textarea[name=reflection]").fill("I feel our sessions are focused.")
    ana.get_by_label("Share my reflection").check()
    ana.get_by_role("button", name="Save my check-in").click()

    ben.goto(checkin_url)
    assert "I feel our sessions are focused." not in ben.content()
    ben.locator("input[value=well]").first.check()
    ben.locator("input[value=tending]").nth(1).check()
    ben.locator("textarea[name=reflection]").fill("I lose track of emails between sessions.")
    ben.get_by_label("Share my reflection").check()
    ben.get_by_role("button", name="Save my check-in").click()
    assert "I feel our sessions are focused." in ben.content()
    ben.get_by_role("button", name="Redesign it").click()

    # Ben raises a tending signal about the email term; Ana is emailed and sees it.
    mail.outbox.clear()
    ben.goto(f"{base}/alliances/{alliance.pk}/signals/")
    ben.get_by_label("About").select_option(
        label="Between sessions, email; replies within two working days."
    )
    ben.get_by_label("What needs attention").fill(
        "I would like a shorter answer time for urgent things."
    )
    ben.get_by_role("button", name="Raise the signal").click()
    assert [m.to for m in mail.outbox if "signal" in m.subject.lower()] == [["ana@example.org"]]
    ana.goto(f"{base}/")
    assert "I would like a shorter answer time" in ana.content()
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    ana.screenshot(path=str(screenshots / "alliance-kept-alive.png"), full_page=True)

    # The health chart shows the ratings, the signal and the version on one time line.
    ana.goto(f"{base}/alliances/{alliance.pk}/health/")
    chart = ana.locator("svg.health-chart")
    # One dot per term and check-in, its colour the lowest rating, its title everyone's.
    assert chart.locator(".rating").count() == 2
    assert "Ana: working well, Ben: needs tending" in (
        chart.locator(".rating.tending title").text_content()
    )
    assert chart.locator(".signal-mark").count() == 1
    assert chart.locator(".version-line").count() == 1
    ana.screenshot(path=str(screenshots / "health.png"), full_page=True)
