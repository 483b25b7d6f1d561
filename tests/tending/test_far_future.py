"""Dates a person types stay within a sensible window; a date far beyond it that is
already stored (from before the window, or from the admin) breaks nobody's page, feed or
reminders."""

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.accounts.models import User
from alliance.alliances.models import Event
from alliance.conversations import services as conversation_services
from alliance.conversations.models import CandidateTime, Stake
from alliance.outbox.models import NotificationPreferences
from alliance.outbox.nudges import nudges_queue
from alliance.tending import services
from alliance.tending.models import CheckIn, Rhythm
from alliance.terms.models import Version
from tests.conftest import login
from tests.conversations.factories import plant, soon
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with
from tests.helpers import page_text, past_the_record_triggers

LAST_INSTANT = datetime.max.replace(tzinfo=UTC)
ZONES = ["Europe/Berlin", "Pacific/Kiritimati", "Pacific/Honolulu", "Etc/GMT+12"]


def plan(party, starts_on: date, at_time: time = time(10), rule: str = "FREQ=WEEKLY"):
    return services.rhythm_set(party=party, starts_on=starts_on, at_time=at_time, rule=rule)


# Dates a person types


def test_a_check_in_beyond_the_horizon_is_refused_and_nothing_changes(ratified, clock, settings):
    settings.DATE_HORIZON_DAYS = 730
    plan(ratified.coach_party, date(2025, 4, 1))
    events = Event.objects.count()
    with pytest.raises(ValidationError) as refused:
        plan(ratified.client_party, date(2027, 3, 21))
    assert "up to 730 days ahead" in " ".join(refused.value.messages)
    assert Rhythm.objects.get().starts_on == date(2025, 4, 1)
    assert Event.objects.count() == events
    # The last day within the horizon is still fine.
    assert plan(ratified.client_party, date(2027, 3, 20)).starts_on == date(2027, 3, 20)


def test_the_rhythm_page_says_why_a_year_9999_check_in_is_refused(ratified, clock):
    User.objects.filter(pk=ratified.client.pk).update(time_zone="Pacific/Kiritimati")
    for day in ("9999-12-31", "0001-01-01"):
        page = login(ratified.client).post(
            f"/alliances/{ratified.alliance.pk}/rhythm/",
            {"starts_on": day, "at_time": "23:30", "repeat": "weeks", "interval": "6"},
        )
        assert page.status_code == 400
        assert "Choose a date" in page_text(page)
        assert not Rhythm.objects.exists()


def test_a_conversation_time_beyond_the_horizon_is_refused(cast, settings):
    settings.DATE_HORIZON_DAYS = 730
    with pytest.raises(ValidationError) as refused:
        plant(cast.coach_party, [soon(3), soon(800)])
    assert "up to 730 days ahead" in " ".join(refused.value.messages)
    assert not Stake.objects.exists()


def test_moving_a_conversation_beyond_the_horizon_changes_nothing(cast):
    stake = plant(cast.coach_party, [soon(3)])
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    stake.refresh_from_db()
    before = stake.starts_at
    mail.outbox.clear()
    browser = login(cast.client)
    for typed, reason in [
        ("9999-12-31T23:30", "Choose a time up to 730 days ahead"),
        ("0001-01-01T00:10", "must lie in the future"),
    ]:
        browser.post(
            f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/reschedule/",
            {"starts_at": typed},
        )
        stake.refresh_from_db()
        assert stake.starts_at == before
        page = page_text(browser.get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"))
        assert reason in page
    assert mail.outbox == []


def test_a_typed_year_9999_time_in_a_zone_ahead_of_utc_is_refused_not_a_crash(cast):
    User.objects.filter(pk=cast.coach.pk).update(time_zone="Pacific/Honolulu")
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/conversations/new/",
        {"kind": "design", "duration_minutes": "60", "time_1": "9999-12-31T23:30"},
    )
    assert response.status_code == 400
    assert "Choose a time" in page_text(response)
    assert not Stake.objects.exists()


# Rows already stored far ahead


@pytest.fixture
def far_future(ratified, clock):
    """A rhythm, a scheduled conversation and a proposed one, all at the last instant a
    date can hold: written past the services, as an old row or the admin could have."""
    plan(ratified.coach_party, date(2025, 4, 1), time(23, 30))
    Rhythm.objects.update(next_at=LAST_INSTANT, starts_on=date.max, at_time=time(23, 59))
    scheduled = plant(ratified.coach_party, [soon(3)])
    conversation_services.stake_answer(
        party=ratified.client_party, stake_id=scheduled.pk, works=[scheduled.candidates.get().pk]
    )
    Stake.objects.filter(pk=scheduled.pk).update(starts_at=LAST_INSTANT)
    proposed = plant(ratified.coach_party, [soon(3), soon(4)])
    CandidateTime.objects.filter(stake=proposed).order_by("pk").first().delete()
    CandidateTime.objects.filter(stake=proposed).update(starts_at=LAST_INSTANT)
    checkin = services.checkin_start(party=ratified.coach_party)
    CheckIn.objects.filter(pk=checkin.pk).update(due_at=LAST_INSTANT)
    ratified.stakes = (scheduled, proposed)
    return ratified


@pytest.mark.parametrize("zone", ZONES)
def test_pages_feeds_and_export_show_a_last_instant_date_in_any_time_zone(far_future, zone):
    cast = far_future
    User.objects.filter(pk__in=[cast.coach.pk, cast.client.pk]).update(time_zone=zone)
    base = f"/alliances/{cast.alliance.pk}"
    scheduled, proposed = cast.stakes
    for user in (cast.coach, cast.client):
        browser = login(user)
        for url in [
            "/",
            f"{base}/",
            f"{base}/rhythm/",
            f"{base}/checkins/",
            f"{base}/health/",
            f"{base}/export.json",
            f"{base}/conversations/",
            f"{base}/conversations/{scheduled.pk}/",
            f"{base}/conversations/{proposed.pk}/",
            f"{base}/conversations/{scheduled.pk}/invitation.ics",
        ]:
            assert browser.get(url).status_code == 200, f"{url} in {zone}"
        feed = browser.get(f"/calendar/{services.calendar_feed_renew(user=user)}.ics")
        assert feed.status_code == 200
        assert b"Check-in: Coaching: Ana and Ben" in feed.content
    assert "December 9999" in page_text(login(cast.coach).get(f"{base}/rhythm/"))


def test_closing_a_check_in_due_at_the_last_instant_ends_the_series(far_future):
    cast = far_future
    Rhythm.objects.update(time_zone="Pacific/Kiritimati")
    checkin = CheckIn.objects.get()
    for party in (cast.coach_party, cast.client_party):
        services.checkin_answer(
            party=party,
            checkin_id=checkin.pk,
            ratings={t["id"]: ("well", "") for t in checkin.version.snapshot["terms"]},
        )
    services.checkin_close(party=cast.coach_party, checkin_id=checkin.pk, outcome="kept")
    assert Rhythm.objects.get().next_at is None


# Periodic jobs


def healthy_alliance_due_tomorrow():
    """Another alliance, whose check-in is tomorrow at ten: its reminders are due now."""
    dana, eli = make_user("Dana", "dana@example.org"), make_user("Eli", "eli@example.org")
    alliance = make_alliance(dana, title="Dana and Eli")
    join(alliance, eli)
    propose(party_of(alliance, dana), "We talk on Mondays.")
    ratify_with([party_of(alliance, dana), party_of(alliance, eli)])
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    plan(party_of(alliance, dana), tomorrow, rule="")
    return alliance


def reminded() -> set[str]:
    return {
        to
        for message in mail.outbox
        for to in message.to
        if message.subject.startswith(
            ("[Alliance] Check-in coming up", "[Alliance] Check-in today")
        )
    }


def test_a_check_in_at_the_last_instant_stops_no_other_alliances_reminders(far_future, caplog):
    User.objects.filter(pk=far_future.client.pk).update(time_zone="Europe/Berlin")
    healthy = healthy_alliance_due_tomorrow()
    mail.outbox.clear()
    services.checkin_reminders_due(datetime.now(UTC))
    assert {"dana@example.org", "eli@example.org"} <= reminded()
    assert Rhythm.objects.get(alliance=healthy).next_at is not None


def test_a_hand_edited_rhythm_breaks_no_page_and_no_feed(ratified, clock):
    plan(ratified.coach_party, date(2025, 4, 1))
    other = make_alliance(ratified.client, title="Ben's other alliance")
    join(other, ratified.coach)
    propose(party_of(other, ratified.client), "We write weekly.")
    ratify_with([party_of(other, ratified.client), party_of(other, ratified.coach)])
    plan(party_of(other, ratified.client), date(2025, 4, 2))
    # What the admin's free text fields let an operator type.
    Rhythm.objects.filter(alliance=ratified.alliance).update(
        rule="every other week", time_zone="Mars/Olympus"
    )
    browser = login(ratified.client)
    base = f"/alliances/{ratified.alliance.pk}"
    for url in ["/", f"{base}/", f"{base}/rhythm/", f"{base}/export.json"]:
        assert browser.get(url).status_code == 200, url
    feed = browser.get(f"/calendar/{services.calendar_feed_renew(user=ratified.client)}.ics")
    assert feed.status_code == 200
    assert b"Check-in: Ben's other alliance" in feed.content


def test_hand_edited_email_choices_cost_no_one_a_reminder(ratified, caplog):
    """Ben's email choices, hand-edited into something that is not a choice per kind:
    read as "as it happens", so his reminder comes too and nothing fails."""
    healthy_alliance_due_tomorrow()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    plan(ratified.coach_party, tomorrow, rule="")
    NotificationPreferences.objects.create(user=ratified.client)
    NotificationPreferences.objects.filter(user=ratified.client).update(deliveries=5)
    mail.outbox.clear()
    with caplog.at_level(logging.ERROR):
        services.checkin_reminders_due(datetime.now(UTC))
    assert {"dana@example.org", "eli@example.org", "ana@example.org", "ben@example.org"} <= (
        reminded()
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_broken_version_costs_its_alliance_the_nudges_and_no_one_else(ratified, caplog):
    """Ana proposed a change in two alliances; in one, version 1 was edited by hand."""
    healthy = healthy_alliance_due_tomorrow()
    dana = healthy.parties.get(user__email="dana@example.org")
    propose(ratified.coach_party, "We also meet on Fridays.")
    propose(dana, "We also talk on Thursdays.")
    with past_the_record_triggers():
        Version.objects.filter(alliance=ratified.alliance).update(snapshot={})
    mail.outbox.clear()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3)), caplog.at_level(logging.ERROR):
        assert nudges_queue() == 1
    assert [m.to for m in mail.outbox] == [["eli@example.org"]]
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"alliance {ratified.alliance.pk}" in record.getMessage()
