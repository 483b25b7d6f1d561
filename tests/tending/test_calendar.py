"""The private calendar feed: valid iCalendar, one recurring event per alliance, local
times kept across daylight saving, nothing but a title and a link."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import recurring_ical_events
from django.test import Client
from icalendar import Calendar

from alliance.accounts.models import User
from alliance.tending import services
from alliance.tending.rhythms import rule_build
from tests.conftest import login
from tests.factories import party_of

BERLIN = ZoneInfo("Europe/Berlin")


def feed_token(user) -> str:
    return services.calendar_feed_renew(user=user)


def test_the_feed_repeats_a_berlin_check_in_at_ten_across_the_clock_change(ratified):
    User.objects.filter(pk=ratified.coach.pk).update(time_zone="Europe/Berlin")
    services.rhythm_set(
        party=party_of(ratified.alliance, ratified.coach),
        starts_on=date(2025, 3, 24),
        at_time=time(10),
        rule=rule_build(repeat="weeks", interval=1),
    )
    response = Client().get(f"/calendar/{feed_token(ratified.client)}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Check-in: Coaching: Ana and Ben"
    assert str(event["UID"]).startswith(f"checkin-{ratified.alliance.pk}@")
    assert "DTSTAMP" in event
    assert calendar.walk("VTIMEZONE")
    occurrences = recurring_ical_events.of(calendar).between(
        datetime(2025, 3, 20, tzinfo=BERLIN), datetime(2025, 4, 10, tzinfo=BERLIN)
    )
    starts = [o["DTSTART"].dt.astimezone(BERLIN) for o in occurrences]
    assert [s.date() for s in starts] == [date(2025, 3, 24), date(2025, 3, 31), date(2025, 4, 7)]
    assert {s.time() for s in starts} == {time(10)}
    assert {s.utcoffset().total_seconds() / 3600 for s in starts} == {1.0, 2.0}


def test_the_feed_holds_no_term_text_and_keeps_its_uid(ratified):
    services.rhythm_set(
        party=ratified.coach_party, starts_on=date(2025, 4, 1), at_time=time(9), rule=""
    )
    token = feed_token(ratified.coach)
    first = Client().get(f"/calendar/{token}.ics").content
    assert b"We meet every other Tuesday" not in first
    again = Calendar.from_ical(Client().get(f"/calendar/{token}.ics").content)
    assert again.walk("VEVENT")[0]["UID"] == Calendar.from_ical(first).walk("VEVENT")[0]["UID"]
    assert "RRULE" not in again.walk("VEVENT")[0]


def test_a_renewed_or_revoked_feed_address_stops_working(ratified):
    old = feed_token(ratified.coach)
    ana = login(ratified.coach)
    ana.post("/profile/calendar/", {"action": "renew"})
    page = ana.get("/profile/calendar/").content.decode()
    assert "/calendar/" in page
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    ana.post("/profile/calendar/", {"action": "revoke"})
    assert not hasattr(User.objects.get(pk=ratified.coach.pk), "calendar_feed")
    assert Client().get("/calendar/not-a-token.ics").status_code == 404


def test_the_feed_carries_scheduled_conversations_but_not_cancelled_ones(ratified):
    from alliance.conversations import services as conversations
    from tests.conversations.factories import plant, soon

    kept = plant(ratified.coach_party, [soon(3)])
    conversations.stake_answer(
        party=ratified.client_party, stake_id=kept.pk, works=[kept.candidates.get().pk]
    )
    dropped = plant(ratified.coach_party, [soon(5)])
    conversations.stake_answer(
        party=ratified.client_party, stake_id=dropped.pk, works=[dropped.candidates.get().pk]
    )
    conversations.stake_cancel(party=ratified.client_party, stake_id=dropped.pk)
    calendar = Calendar.from_ical(
        Client().get(f"/calendar/{feed_token(ratified.client)}.ics").content
    )
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert kept.uid in events
    assert dropped.uid not in events
    assert events[kept.uid].decoded("DTSTART") == soon(3)
    outsider_feed = Client().get(f"/calendar/{feed_token(ratified.outsider)}.ics").content
    assert kept.uid.encode() not in outsider_feed


def test_someone_who_left_loses_the_alliance_from_their_feed(ratified):
    from alliance.alliances.services import party_leave

    services.rhythm_set(
        party=ratified.coach_party, starts_on=date(2025, 4, 1), at_time=time(9), rule=""
    )
    token = feed_token(ratified.client)
    assert Calendar.from_ical(Client().get(f"/calendar/{token}.ics").content).walk("VEVENT")
    party_leave(party=ratified.client_party)
    assert not Calendar.from_ical(Client().get(f"/calendar/{token}.ics").content).walk("VEVENT")
