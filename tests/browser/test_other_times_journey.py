"""None of these times suit me, in a real browser: Ben declines Ana's times and proposes
his own, Ana takes one, and the conversation is scheduled with the thread still readable."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from alliance.conversations.models import StakeState
from alliance.lib.clock import now
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def shown(day, hour: int, zone: ZoneInfo, reader: ZoneInfo) -> str:
    return datetime.combine(day, time(hour), zone).astimezone(reader).strftime("%a %-d %b, %H:%M")


def test_ben_declines_anas_times_proposes_his_own_and_ana_takes_it(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="America/New_York")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana, ben = ana_and_ben(browser, base)

    # Ana proposes two mornings in Berlin, some weeks ahead.
    first, second, bens_day = (now().date() + timedelta(days=d) for d in (40, 41, 43))
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    ana.get_by_role("link", name="Plant a stake").click()
    ana.locator("#id_time_1").fill(f"{first.isoformat()}T09:00")
    ana.locator("#id_time_2").fill(f"{second.isoformat()}T09:00")
    ana.get_by_role("button", name="Propose the conversation").click()
    conversation_url = ana.url.split("?")[0].split("#")[0]

    # Ben cannot make either (03:00 in New York) and proposes an afternoon of his own.
    ben.goto(conversation_url)
    assert shown(first, 9, BERLIN, NEW_YORK) in ben.content()
    ben.get_by_text("None of these suit me").click()
    browser.audit.check(ben)  # the form that opened in place
    ben.locator("#id_time_1").fill(f"{bens_day.isoformat()}T11:00")
    ben.get_by_role("button", name="Decline these times and propose mine").click()
    assert "Your times are proposed" in ben.content()
    told = [m for m in mail.outbox if m.to == ["ana@example.org"]][-1]
    assert "Ben proposes other times" in told.subject

    # Ana reads Ben's time in Berlin time, with who proposed what and who declined what.
    bens_time = shown(bens_day, 11, NEW_YORK, BERLIN)
    ana.goto(conversation_url)
    thread = ana.locator("#proposal-thread")
    steps = thread.locator("[data-proposal-step]")
    assert steps.count() == 2
    assert steps.nth(0).inner_text().startswith("Ana")
    assert f"Declined: {shown(first, 9, BERLIN, BERLIN)}" in steps.nth(1).inner_text()
    assert f"Proposed: {bens_time}" in steps.nth(1).inner_text()
    assert "proposed by Ben" in ana.locator("table.times").inner_text()
    ana.locator("#when").screenshot(path=str(screenshots / "other-times.png"))

    # Her earlier ticks stay; she adds Ben's time and it is scheduled for both.
    ana.get_by_label(bens_time).check()
    ana.get_by_role("button", name="Save my answer").click()
    assert "it is scheduled" in ana.content()
    stake = alliance.stakes.get()
    assert stake.state == StakeState.SCHEDULED
    assert stake.starts_at == datetime.combine(bens_day, time(11), NEW_YORK)
    assert bens_time.split(", ")[1] in ana.locator("p.when").inner_text()
    # The thread stays readable once the time is found.
    assert ana.locator("#proposal-thread [data-proposal-step]").count() == 2
    ben.goto(conversation_url)
    assert "Declined:" in ben.locator("#proposal-thread").inner_text()
