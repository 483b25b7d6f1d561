"""A coach's dashboard in a real browser: filtering with the plain GET form, reading the
agenda and each alliance's last check-in; axe checks every page."""

from datetime import time, timedelta

import pytest

from alliance.alliances.models import Kind
from alliance.conversations import services as conversations
from alliance.lib.clock import now
from alliance.tending import services as tending
from tests.browser.people import log_in
from tests.conversations.factories import plant
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coach_filters_her_alliances_and_reads_what_is_planned(live_server, browser):
    base = live_server.url
    ana = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben, tom = make_user("Ben"), make_user("Tom")
    coaching = make_alliance(ana, title="Coaching Ben")
    join(coaching, ben)
    mine, his = party_of(coaching, ana), party_of(coaching, ben)
    propose(his, "We meet every second Monday.")
    ratify_with([mine, his])
    checkin = tending.checkin_start(party=mine)
    [term] = checkin.version.snapshot["terms"]
    for party in (mine, his):
        tending.checkin_answer(
            party=party, checkin_id=checkin.pk, ratings={term["id"]: ("well", "")}
        )
    berlin_today = now().date()
    tending.rhythm_set(
        party=mine, starts_on=berlin_today + timedelta(days=6), at_time=time(10), rule=""
    )
    stake = plant(his, kind="checkin")
    conversations.stake_answer(party=mine, stake_id=stake.pk, works=[stake.candidates.first().pk])
    team = make_alliance(ana, title="Our team", kind=Kind.TEAM, role="team lead")
    join(team, tom, role="team member")

    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, ana.email)
    page.goto(base + "/")
    agenda = page.get_by_role("region", name="The next 30 days")
    assert "Check-in: Coaching Ben" in agenda.inner_text()
    assert "10:00" in agenda.inner_text()
    assert "1 of 1 term working well" in page.locator(".alliance-list").inner_text()

    page.get_by_label("Kind").select_option("team")
    page.get_by_role("button", name="Show").click()
    assert "kind=team" in page.url
    assert page.locator("a.title").all_inner_texts() == ["Our team"]

    page.get_by_label("Kind").select_option("")
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Show").click()
    assert "No alliance matches" in page.locator("main").inner_text()

    page.get_by_label("Status").select_option("")
    page.get_by_label("Order").select_option("name")
    page.get_by_role("button", name="Show").click()
    assert page.locator("a.title").all_inner_texts() == ["Coaching Ben", "Our team"]

    page.get_by_role("link", name="Check-in: Coaching Ben").first.click()
    assert f"/alliances/{coaching.pk}/" in page.url
