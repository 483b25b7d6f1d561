"""Check-in reminders, decided from stored state: some days before and on the day, each
once, only while still useful, only to current parties."""

from datetime import UTC, date, datetime, time, timedelta

from django.core import mail
from django.core.management import call_command

from alliance.alliances.services import party_leave
from alliance.outbox.services import preferences_for
from alliance.tending import services
from alliance.tending.models import ReminderSent
from tests.factories import join, make_user

CHECKIN = datetime(2025, 3, 28, 10, 0, tzinfo=UTC)  # Friday 10:00 UTC


def plan(cast):
    services.rhythm_set(
        party=cast.coach_party, starts_on=date(2025, 3, 28), at_time=time(10), rule="FREQ=WEEKLY"
    )


def kinds(reminders):
    return sorted((r.user.name, r.kind) for r in reminders)


def test_reminders_come_days_before_and_on_the_day_each_once(ratified, clock):
    plan(ratified)
    assert services.checkin_reminders_due(datetime(2025, 3, 24, 12, tzinfo=UTC)) == []
    before = services.checkin_reminders_due(datetime(2025, 3, 25, 0, 30, tzinfo=UTC))
    assert kinds(before) == [("Ana", "before"), ("Ben", "before")]
    assert services.checkin_reminders_due(datetime(2025, 3, 25, 6, tzinfo=UTC)) == []
    mail.outbox.clear()
    day_of = services.checkin_reminders_due(datetime(2025, 3, 28, 7, tzinfo=UTC))
    assert kinds(day_of) == [("Ana", "day_of"), ("Ben", "day_of")]
    assert "Check-in today" in mail.outbox[0].subject
    assert "Friday 28 March 2025, 10:00" in mail.outbox[0].body
    assert services.checkin_reminders_due(datetime(2025, 3, 28, 8, tzinfo=UTC)) == []


def test_a_worker_that_was_down_sends_only_what_still_helps(ratified, clock):
    plan(ratified)
    late = services.checkin_reminders_due(datetime(2025, 3, 28, 9, tzinfo=UTC))
    assert {r.kind for r in late} == {"day_of"}
    assert services.checkin_reminders_due(CHECKIN + timedelta(minutes=1)) == []
    assert ReminderSent.objects.count() == 2


def test_the_days_before_follow_each_persons_preference(ratified, clock):
    for user in (ratified.coach, ratified.client):
        preferences = preferences_for(user)
        preferences.checkin_reminder_days = 1
        preferences.save()
    plan(ratified)
    assert services.checkin_reminders_due(datetime(2025, 3, 25, 12, tzinfo=UTC)) == []
    assert len(services.checkin_reminders_due(datetime(2025, 3, 27, 1, tzinfo=UTC))) == 2


def test_someone_who_left_gets_nothing(ratified, clock):
    plan(ratified)
    newcomer = make_user("Cleo")
    party = join(ratified.alliance, newcomer, role="observer")
    party_leave(party=party)
    sent = services.checkin_reminders_due(datetime(2025, 3, 28, 7, tzinfo=UTC))
    assert "Cleo" not in {r.user.name for r in sent}


def test_the_command_queues_them_for_the_workers(ratified, clock, capsys):
    plan(ratified)
    clock.move_to(datetime(2025, 3, 28, 7, tzinfo=UTC))
    mail.outbox.clear()
    call_command("send_reminders")
    assert "2 check-in reminders queued; a worker sends them" in capsys.readouterr().out
    assert len(mail.outbox) == 2
