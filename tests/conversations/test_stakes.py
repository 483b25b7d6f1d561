"""Planting a stake: candidate times, answers, scheduling, calendar invitations."""

import zoneinfo
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from icalendar import Calendar

from alliance.conversations import services
from alliance.conversations.models import StakeState
from tests.conftest import login
from tests.conversations.factories import plant, soon
from tests.factories import join, make_user
from tests.helpers import page_text

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def invitations(to: str) -> list[Calendar]:
    found = []
    for message in mail.outbox:
        if to in message.to:
            for name, content, mimetype in message.attachments:
                assert name == "invite.ics"
                found.append((mimetype, Calendar.from_ical(content)))
    return found


def test_two_parties_agreeing_on_a_time_schedules_it_and_both_get_an_invitation(cast):
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    assert "Ana proposes a design conversation" in mail.outbox[-1].subject
    mail.outbox.clear()
    second = stake.candidates.order_by("starts_at")[1]
    services.stake_answer(party=cast.client_party, stake_id=stake.pk, works=[second.pk])
    stake.refresh_from_db()
    assert stake.state == StakeState.SCHEDULED
    assert stake.starts_at == second.starts_at
    for who in ("ana@example.org", "ben@example.org"):
        [(mimetype, calendar)] = invitations(who)
        assert mimetype == "text/calendar; method=REQUEST"
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == stake.uid
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == second.starts_at
        assert (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() == 3600
        assert "Coaching: Ana and Ben" in str(event["SUMMARY"])
        assert str(event["LOCATION"]) == "https://meet.example.org/ana-ben"
        assert {str(a) for a in event.get("ATTENDEE")} == {
            "mailto:ana@example.org",
            "mailto:ben@example.org",
        }
        assert str(event["ORGANIZER"]) == "mailto:ana@example.org"
        assert "DTSTAMP" in event


def test_moving_raises_the_sequence_and_cancelling_sends_a_cancel(cast):
    stake = plant(cast.coach_party, [soon(3)])
    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    mail.outbox.clear()
    services.stake_reschedule(party=cast.client_party, stake_id=stake.pk, starts_at=soon(5))
    [(_, moved)] = invitations("ana@example.org")
    [event] = moved.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == stake.uid
    assert "Moved" in mail.outbox[0].subject
    mail.outbox.clear()
    services.stake_cancel(party=cast.coach_party, stake_id=stake.pk)
    [(mimetype, cancelled)] = invitations("ben@example.org")
    assert mimetype == "text/calendar; method=CANCEL"
    assert cancelled["METHOD"] == "CANCEL"
    [event] = cancelled.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"


def test_with_three_parties_the_proposer_confirms_a_time_that_suits_all(cast):
    carla = join(cast.alliance, make_user("Carla"), role="supervisor")
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    first, second = stake.candidates.order_by("starts_at")
    services.stake_answer(party=cast.client_party, stake_id=stake.pk, works=[first.pk, second.pk])
    services.stake_answer(party=carla, stake_id=stake.pk, works=[second.pk])
    stake.refresh_from_db()
    assert stake.state == StakeState.PROPOSED
    with pytest.raises(ValidationError, match="does not suit everyone"):
        services.stake_schedule(party=cast.coach_party, stake_id=stake.pk, candidate_id=first.pk)
    with pytest.raises(ValidationError, match="they confirm the time"):
        services.stake_schedule(party=carla, stake_id=stake.pk, candidate_id=second.pk)
    services.stake_schedule(party=cast.coach_party, stake_id=stake.pk, candidate_id=second.pk)
    stake.refresh_from_db()
    assert stake.starts_at == second.starts_at


def test_bad_times_are_refused_and_nothing_is_planted(cast):
    with pytest.raises(ValidationError, match="future"):
        plant(cast.coach_party, [soon(-1)])
    with pytest.raises(ValidationError, match="at most 5"):
        plant(cast.coach_party, [soon(d) for d in range(1, 8)])
    assert not cast.alliance.stakes.exists()


def test_times_are_entered_in_the_proposers_zone_and_shown_in_each_viewers(cast):
    cast.coach.time_zone = "Europe/Berlin"
    cast.coach.save()
    cast.client.time_zone = "America/New_York"
    cast.client.save()
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=BERLIN)):
        response = login(cast.coach).post(
            f"/alliances/{cast.alliance.pk}/conversations/new/",
            {
                "kind": "design",
                "duration_minutes": 60,
                "time_1": "2027-03-26T10:00",  # Friday before the clocks change (UTC+1)
                "time_2": "2027-03-29T10:00",  # Monday after (UTC+2)
                "location": "Room 4",
            },
        )
        assert response["Location"].startswith(f"/alliances/{cast.alliance.pk}/conversations/")
        stake = cast.alliance.stakes.get()
        utc_hours = [
            c.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).hour for c in stake.candidates.all()
        ]
        assert utc_hours == [9, 8]
        page = page_text(
            login(cast.client).get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/")
        )
        assert "Fri 26 Mar, 05:00" in page
        assert "Mon 29 Mar, 04:00" in page
        # The proposal email speaks Ben's time too.
        assert "Friday 26 March, 05:00" in mail.outbox[-1].body


def test_a_time_that_does_not_exist_in_the_zone_gets_a_clear_message(cast):
    cast.coach.time_zone = "Europe/Berlin"
    cast.coach.save()
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=BERLIN)):
        response = login(cast.coach).post(
            f"/alliances/{cast.alliance.pk}/conversations/new/",
            {"kind": "design", "duration_minutes": 60, "time_1": "2027-03-28T02:30"},
        )
    assert response.status_code == 400
    assert "2027-03-28 02:30" in page_text(response)
    assert "interpreted in time zone Europe/Berlin" in page_text(response)
    assert not cast.alliance.stakes.exists()


def test_the_invitation_file_downloads_from_the_page(cast):
    stake = plant(cast.coach_party, [soon(3)])
    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    response = login(cast.client).get(
        f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/invitation.ics"
    )
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar.walk("VEVENT")[0]["UID"]) == stake.uid


def test_a_past_time_gets_a_message_and_keeps_the_form(cast):
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/conversations/new/",
        {
            "kind": "design",
            "duration_minutes": 60,
            "time_1": "2001-01-01T10:00",
            "location": "Room 4",
        },
    )
    assert response.status_code == 400
    assert "Every time you offer must lie in the future." in page_text(response)
    assert 'value="Room 4"' in response.content.decode()


def test_overlong_groundwork_is_refused_and_kept_in_its_box(cast):
    stake = plant(cast.coach_party)
    text = "Why we meet. " * 400
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/groundwork/",
        {"groundwork": text, "revision": 1},
    )
    assert response.status_code == 400
    assert "at most 4000 characters" in page_text(response)
    assert "Why we meet. Why we meet." in response.content.decode()
    stake.refresh_from_db()
    assert "Why we meet" not in stake.groundwork


def test_two_people_editing_the_groundwork_at_once_lose_nothing(cast):
    stake = plant(cast.coach_party)
    url = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/groundwork/"
    first = login(cast.client).post(url, {"groundwork": "Ben's opening.", "revision": 1})
    assert first.status_code == 302
    second = login(cast.coach).post(url, {"groundwork": "Ana's opening.", "revision": 1})
    assert second.status_code == 409
    html = second.content.decode()
    assert "Ben&#x27;s opening." in html
    assert "Ana&#x27;s opening." in html
    assert 'name="revision" value="2"' in html
    stake.refresh_from_db()
    assert stake.groundwork == "Ben's opening."


def test_scheduling_without_a_time_chosen_says_so(cast):
    stake = plant(cast.coach_party)
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/schedule/",
        {"candidate": "soon"},
        follow=True,
    )
    assert "Choose one of the times." in page_text(response)
    stake.refresh_from_db()
    assert stake.state == "proposed"
