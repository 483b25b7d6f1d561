"""Periodic work is bounded: a pass of the worker's jobs (reminders, nudges) costs a few
queries per chunk, never per alliance, and on PostgreSQL its due selections go through
their indexes. (Speed and memory at 10k to 1M alliances: bench/periodic_scale.py.)"""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from alliance.alliances.models import Alliance
from alliance.core.management.commands.worker import periodic_pass
from alliance.outbox import nudges
from alliance.outbox.marks import SweptSlice
from alliance.outbox.models import OutboxMessage, PassMark
from alliance.outbox.nudges import (
    alliance_ids_joined_since,
    nudge_horizon,
    nudges_queue_in_chunks,
    terms_awaiting_consent,
)
from alliance.tending.models import ReminderSent
from alliance.tending.selectors import reminder_windows, rhythms_owing_reminder
from tests.periodic import alliances_due_tomorrow, teams_awaiting_a_term

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


def test_a_pass_with_nothing_new_due_costs_the_same_for_10_or_40_alliances(clock, always_swept):
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


def test_a_pass_costs_a_few_queries_per_chunk_not_per_alliance(clock, always_swept, settings):
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
    day_of = reminder_windows(now)[0]
    plan = rhythms_owing_reminder(day_of.rhythms, day_of.kind).explain()
    assert any(_uses_index(line, "next_at") for line in plan.splitlines()), plan
    joins = alliance_ids_joined_since(now - nudge_horizon()).explain()
    assert any(_uses_index(line, "joined_at") for line in joins.splitlines()), joins
    # A pass's slice of the rolling sweep: a range of alliance ids within the window.
    top = Alliance.objects.aggregate(top=Max("pk"))["top"]
    in_slice = day_of.rhythms.filter(SweptSlice(top - 100, top).condition("alliance_id"))
    plan = rhythms_owing_reminder(in_slice, day_of.kind).explain()
    rhythm_reads = [line for line in plan.splitlines() if "tending_rhythm" in line]
    assert rhythm_reads, plan
    assert not any(
        re.search(r"Seq Scan on tending_rhythm\b|SCAN tending_rhythm\b", line)
        for line in rhythm_reads
    ), plan
    day_of = reminder_windows(now + timedelta(days=1))[0]
    assert rhythms_owing_reminder(day_of.rhythms, day_of.kind).exists(), "the data has some due"


def _uses_index(plan_line: str, column: str) -> bool:
    return "index" in plan_line.lower() and column in plan_line


def test_a_step_reads_one_chunk_however_many_alliances_wait_or_are_near(
    clock, always_swept, settings
):
    """With everything reminded and nudged already, a whole sweep (a new installation's
    first pass, or the first after a worker stood still for a day) still reads every
    candidate; each step of the nudges reads one chunk of them (and the reminders one
    window), so mail queued meanwhile (sent between steps) never waits for a whole job."""
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
    # Nothing owed: each window of check-ins is read in a step of its own.
    assert steps.count("check-in reminders") == len(reminder_windows(NOW))


def test_a_step_queues_at_most_a_chunk_of_nudges(clock, settings):
    """Ten teams of twelve, nobody agreed yet: 120 nudges from ten candidates, still ten a
    step."""
    settings.PERIODIC_CHUNK_SIZE = 10
    teams_awaiting_a_term(10, 12, NOW - timedelta(days=2, hours=1))
    per_step = list(nudges_queue_in_chunks())
    assert sum(per_step) == 120
    assert max(per_step) == 10


def test_a_provider_that_fails_keeps_what_it_found_and_the_others_run(clock, settings, monkeypatch):
    settings.PERIODIC_CHUNK_SIZE = 2
    alliances_due_tomorrow(4, NOW, waiting_term=True)

    def failing(scan):
        for chunk in terms_awaiting_consent(scan):
            yield chunk
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")

    def after(scan):
        for chunk in terms_awaiting_consent(scan):
            yield [replace(item, provider="after") for item in chunk]

    monkeypatch.setattr(nudges, "PROVIDERS", {"failing": failing, "after": after})
    list(nudges_queue_in_chunks())
    keys = list(OutboxMessage.objects.filter(kind="nudge").values_list("dedupe_key", flat=True))
    # Both parties of each alliance wait on the term: two alliances a chunk, four nudges.
    assert sum(key.startswith("nudge:terms:") for key in keys) == 4, "its first chunk"
    # The next provider finds the same terms; those just nudged about are not due again.
    assert sum(key.startswith("nudge:after:") for key in keys) == 4, "the rest"
    # The next pass reads again what the failing one did not finish; the other moved on.
    marks = set(PassMark.objects.values_list("job", flat=True))
    assert "nudges:after" in marks
    assert "nudges:failing" not in marks
