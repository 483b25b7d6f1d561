"""A pass of the check-in reminders reads only what may owe a reminder it did not owe at
the previous pass: people in whose time zone a day began, and what changed (a rhythm set,
someone joined, someone chose how early, someone moved). Every reminder still comes at
the first pass of the local day it is due on, in each person's own zone."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.services import profile_update
from alliance.alliances.models import Alliance
from alliance.outbox.marks import pass_plan
from alliance.outbox.models import PassMark
from alliance.outbox.services import preferences_update
from alliance.tending import services
from alliance.tending.models import ReminderSent
from tests.factories import join, make_user
from tests.periodic import alliances_due_tomorrow, as_sweeps_and_as_passes, every_pass

from .conftest import START

CHECKIN = datetime(2025, 3, 28, 10, 0, tzinfo=UTC)  # Friday 10:00 UTC, 19:00 in Tokyo
EVERY = timedelta(minutes=20)


def march(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(clock):
    """The clock frozen before anything is made, so that no line of history is stamped
    later than the passes (which would make every pass read it)."""
    return clock


@pytest.fixture
def planned(ratified):
    """Ana works in UTC, Ben in Tokyo; their check-in is on Friday."""
    ratified.client.time_zone = "Asia/Tokyo"
    ratified.client.save()
    services.rhythm_set(
        party=ratified.coach_party, starts_on=CHECKIN.date(), at_time=time(10), rule="FREQ=WEEKLY"
    )
    return ratified


def reminded(moment: datetime) -> list[tuple[str, str]]:
    """One pass at `moment`: (who, which) of each reminder it sent."""
    return [(r.user.name, r.kind) for r in services.checkin_reminders_due(moment)]


def passes(clock, start: datetime, until: datetime) -> list[tuple[datetime, str, str]]:
    """A pass every twenty minutes from `start` to `until`: (when, who, which) of each
    reminder sent."""
    return [
        (moment, name, kind)
        for moment, (name, kind) in every_pass(clock, start, until, EVERY, reminded)
    ]


def test_each_comes_at_the_first_pass_of_its_local_day(planned, clock, rarely_swept):
    sent = passes(clock, START, CHECKIN)
    assert sent == [
        (march(24, 15), "Ben", "before"),  # Tuesday 00:00 in Tokyo
        (march(25, 0), "Ana", "before"),
        (march(27, 15), "Ben", "day_of"),
        (march(28, 0), "Ana", "day_of"),
    ]
    mark = PassMark.objects.get(job=services.REMINDERS_JOB)
    plan = pass_plan(services.REMINDERS_JOB, mark.reached_at + EVERY)
    assert plan.after == mark.reached_at, "every pass but the first read what changed"
    assert plan.swept is not None
    assert plan.swept.empty, "and swept nothing"


def test_choosing_earlier_reminders_is_weighed_at_the_next_pass(planned, clock, rarely_swept):
    passes(clock, START, START + timedelta(hours=1))
    clock.move_to(march(21, 12, 5))
    preferences_update(user=planned.coach, deliveries={}, checkin_reminder_days=7)
    sent = passes(clock, march(21, 12, 20), march(22, 0))
    # Seven days before Friday began on Friday the 21st: already due when she chose.
    assert sent == [(march(21, 12, 20), "Ana", "before")]


def test_a_move_to_another_zone_is_weighed_at_once(ratified, clock, rarely_swept):
    services.rhythm_set(
        party=ratified.coach_party, starts_on=CHECKIN.date(), at_time=time(10), rule="FREQ=WEEKLY"
    )
    passes(clock, march(27, 14), march(27, 16))
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"before"}
    # At 16:10 UTC it is already Friday 01:10 in Tokyo, the day of the check-in.
    clock.move_to(march(27, 16, 10))
    profile_update(user=ratified.client, display_name="Ben", time_zone="Asia/Tokyo")
    assert list(
        ReminderSent.objects.filter(kind="day_of").values_list("user__email", flat=True)
    ) == [ratified.client.email]
    assert passes(clock, march(27, 16, 20), CHECKIN) == [(march(28, 0), "Ana", "day_of")]


def test_a_newcomer_is_reminded_at_the_next_pass(planned, clock, rarely_swept):
    passes(clock, START, march(26, 12))
    clock.move_to(march(26, 12, 10))
    join(planned.alliance, make_user("Cleo", "cleo@example.org"), role="client")
    sent = passes(clock, march(26, 12, 20), march(26, 13))
    assert sent == [(march(26, 12, 20), "Cleo", "before")]


def test_what_no_history_records_is_found_within_a_day_by_the_rolling_sweep(db, clock):
    """Rhythms written behind the services' back (bulk inserts, as a hand edit would) whose
    reminder fell due before they were written: no local day begins for them until the
    check-in's own. Each hourly pass sweeps its slice of the alliances: within a day each
    party has had the reminder, once, from the pass whose slice held their alliance."""
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock.move_to(monday)
    services.checkin_reminders_due(monday)
    alliances_due_tomorrow(3, monday + timedelta(days=1))  # Wednesday noon
    reminded = []
    for hour in range(1, 25):
        moment = monday + timedelta(hours=hour)
        clock.move_to(moment)
        plan = pass_plan(services.REMINDERS_JOB, moment)
        assert plan.after is not None, "a pass, not a whole sweep"
        assert plan.swept is not None
        for reminder in services.checkin_reminders_due(moment):
            assert Alliance.objects.filter(
                plan.swept.condition("pk"), pk=reminder.alliance.pk
            ).exists()
            reminded.append((reminder.alliance.pk, reminder.user.pk))
    assert len(reminded) == len(set(reminded)) == 6, "each party of the three, once"


def test_a_pass_costs_the_same_for_10_or_200_alliances(clock, settings, rarely_swept, db):
    """Between two local midnights, and across one where none of them lives, while the
    day-of reminders of all of them wait for midnight (a sweep would weigh them, a chunk of
    ten at a time)."""
    settings.PERIODIC_CHUNK_SIZE = 10
    monday = datetime(2026, 3, 2, 11, 21, tzinfo=UTC)  # their check-ins: tomorrow noon

    def pass_queries(at: datetime) -> int:
        clock.move_to(at)
        with CaptureQueriesContext(connection) as queries:
            assert services.checkin_reminders_due(at) == []
        return len(queries)

    counts = []
    for count in (10, 190):
        PassMark.objects.all().delete()
        clock.move_to(monday)
        alliances_due_tomorrow(count, monday)
        assert len(services.checkin_reminders_due(monday)) == 2 * count, "a sweep: the ones before"
        quiet = pass_queries(monday + timedelta(minutes=8))
        # 12:00 UTC is midnight in Fiji (and twelve hours west of Greenwich).
        midnight = pass_queries(monday + timedelta(minutes=40))
        counts.append((quiet, midnight))
    assert counts[0] == counts[1]
    assert counts[0][0] <= 8, "its mark, what changed, its mark again, a savepoint"


def test_passes_remind_whom_and_when_sweeps_would(ratified, clock, monkeypatch):
    """Two weeks across the night Europe moves its clocks, once with a sweep at every pass
    (everything read, as before marks), once with passes that read only what changed:
    people in five zones (one half an hour off the hour), some who chose how early, one
    who chooses anew, one who moves, one who joins, and a rhythm set again."""
    ana, ben = ratified.coach, ratified.client
    ben.time_zone = "Europe/Berlin"
    ben.save()
    dev = make_user("Dev", "dev@example.org", time_zone="Asia/Kolkata")
    cleo = make_user("Cleo", "cleo@example.org", time_zone="America/New_York")
    join(ratified.alliance, dev)
    preferences_update(user=dev, deliveries={}, checkin_reminder_days=0)

    def fortnight() -> list[tuple[datetime, tuple[str, str]]]:
        clock.move_to(START)
        services.rhythm_set(
            party=ratified.coach_party, starts_on=date(2025, 3, 31), at_time=time(8), rule=""
        )
        actions = {
            march(22, 13, 7): lambda: preferences_update(
                user=ana, deliveries={}, checkin_reminder_days=7
            ),
            march(26, 18, 3): lambda: profile_update(
                user=ben, display_name="Ben", time_zone="Asia/Tokyo"
            ),
            march(27, 5): lambda: join(ratified.alliance, cleo),
            march(31, 9): lambda: services.rhythm_set(
                party=ratified.coach_party, starts_on=date(2025, 4, 3), at_time=time(8), rule=""
            ),
        }
        return every_pass(
            clock,
            START,
            datetime(2025, 4, 3, 9, tzinfo=UTC),
            timedelta(minutes=30),
            reminded,
            actions,
        )

    swept, changed_only = as_sweeps_and_as_passes(monkeypatch, fortnight)
    assert changed_only == swept
    assert {sent for _when, sent in swept} == {
        (name, kind) for name in ("Ana", "Ben", "Cleo") for kind in ("before", "day_of")
    } | {("Dev", "day_of")}
