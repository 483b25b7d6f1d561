"""Periodic work is bounded: a pass of the worker's jobs (reminders, nudges) costs a few
queries per chunk, never per alliance, and on PostgreSQL its due selections go through
their indexes. (Speed and memory at 10k to 1M alliances: bench/periodic_scale.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.core.management.commands.worker import periodic_pass
from alliance.outbox.models import OutboxMessage
from alliance.outbox.nudges import alliance_ids_joined_since, nudge_horizon
from alliance.tending.models import ReminderSent
from alliance.tending.selectors import reminder_windows, rhythms_owing_reminder
from tests.periodic import alliances_due_tomorrow

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(settings):
    settings.OUTBOX_SEND_IMMEDIATELY = False
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pass_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        list(periodic_pass())
    return len(queries)


def test_a_pass_with_nothing_new_due_costs_the_same_for_10_or_40_alliances(clock):
    alliances_due_tomorrow(10, NOW, waiting_term=True)
    list(periodic_pass())
    assert ReminderSent.objects.count() == 20, "a reminder for each party"
    assert OutboxMessage.objects.filter(kind="nudge").count() == 20, "a nudge for each"
    ten = pass_queries()

    alliances_due_tomorrow(30, NOW, waiting_term=True)
    list(periodic_pass())
    assert ReminderSent.objects.count() == 80
    assert OutboxMessage.objects.filter(kind="nudge").count() == 80
    assert pass_queries() == ten
    assert OutboxMessage.objects.count() == 160, "and the passes after queued nothing twice"


def test_a_pass_costs_a_few_queries_per_chunk_not_per_alliance(clock, settings):
    settings.PERIODIC_CHUNK_SIZE = 10
    counts = []
    for _ in range(3):
        alliances_due_tomorrow(10, NOW, waiting_term=True)
        list(periodic_pass())
        counts.append(pass_queries())
    per_chunk = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_chunk
    assert 0 < per_chunk < 10, "fewer queries per chunk of ten than alliances in it"


def test_the_due_selections_go_through_their_indexes():
    """With thousands of alliances shaped like real ones (the bench's generator), on
    PostgreSQL ("Index Scan using ...") and SQLite ("SEARCH ... USING INDEX ...") alike."""
    if connection.vendor == "postgresql":
        from bench.scale_data import generate

        generate(3000, verbose=False)
        now = datetime.now(UTC)
    else:
        alliances_due_tomorrow(300, NOW, waiting_term=True)
        now = NOW
    for window in reminder_windows(now):
        plan = window.rhythms.order_by("next_at", "pk")[:500].explain()
        assert any(_uses_index(line, "next_at") for line in plan.splitlines()), plan
    joins = alliance_ids_joined_since(now - nudge_horizon()).explain()
    assert any(_uses_index(line, "joined_at") for line in joins.splitlines()), joins
    day_of = reminder_windows(now + timedelta(days=1))[0]
    assert rhythms_owing_reminder(day_of.rhythms, day_of.kind).exists(), "the data has some due"


def _uses_index(plan_line: str, column: str) -> bool:
    return "index" in plan_line.lower() and column in plan_line


def test_a_step_reads_one_chunk_however_many_alliances_wait_or_are_near(clock, settings):
    """With everything reminded and nudged already, a pass still reads every candidate;
    each step of the nudges reads one chunk of them (and the reminders one window), so
    mail queued meanwhile (sent between steps) never waits for a whole job."""
    settings.PERIODIC_CHUNK_SIZE = 10

    def longest_step() -> int:
        steps = periodic_pass()
        longest = 0
        while True:
            with CaptureQueriesContext(connection) as queries:
                step = next(steps, None)
            # The call that ends the pass counts too: it may have read the rest.
            longest = max(longest, len(queries))
            if step is None:
                return longest

    alliances_due_tomorrow(10, NOW, waiting_term=True)
    list(periodic_pass())
    ten = longest_step()
    alliances_due_tomorrow(200, NOW, waiting_term=True)
    list(periodic_pass())
    assert longest_step() == ten
    steps = list(periodic_pass())
    assert steps.count("nudges") >= 21, "a chunk of ten candidates a step"
