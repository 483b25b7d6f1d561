"""A pass of the nudges reads only what may have become due since the previous pass, and
everything within the horizon once a day: the passes in between still nudge on time,
newcomers included, and cost the same however many alliances wait."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.outbox import marks, nudges
from alliance.outbox.models import OutboxMessage, PassMark
from alliance.outbox.nudges import nudges_queue, nudges_queue_in_chunks
from tests.factories import join, make_user, propose
from tests.periodic import teams_awaiting_a_term

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rarely_full(monkeypatch):
    """No sweep but the first pass, so that every later pass reads only what changed."""
    monkeypatch.setattr(marks, "SWEEP_EVERY", timedelta(days=365))


def passes(clock, until: datetime, every: timedelta) -> list[tuple[datetime, str]]:
    """Run a pass every `every` up to `until`: (when, to whom) of each nudge queued."""
    queued = []
    start = OutboxMessage.objects.filter(kind="nudge").count()
    when = datetime.now(UTC)
    while when <= until:
        clock.move_to(when)
        nudges_queue()
        new = OutboxMessage.objects.filter(kind="nudge").order_by("id")[start:]
        queued += [(when, message.to_email) for message in new]
        start += len(new)
        when += every
    return queued


def test_passes_that_read_only_what_changed_nudge_on_time(cast, clock, rarely_full):
    propose(cast.coach_party, "We meet weekly.")
    nudges_queue()  # the first pass is a sweep
    queued = passes(clock, MONDAY + timedelta(days=6), every=timedelta(minutes=50))
    # Due two days after the proposal, and two days after the first: the first pass from
    # then on queues each.
    assert queued == [
        (MONDAY + timedelta(days=2, minutes=20), "ben@example.org"),
        (MONDAY + timedelta(days=4, minutes=40), "ben@example.org"),
    ]
    mark = PassMark.objects.get(job="nudges:terms")
    assert mark.swept_at == MONDAY, "none of the later passes read everything"
    assert mark.reached_at == MONDAY + timedelta(days=6, minutes=-40)


def test_a_newcomer_is_nudged_about_what_waited_before_they_came(cast, clock, rarely_full):
    propose(cast.coach_party, "We meet weekly.")
    nudges_queue()
    passes(clock, MONDAY + timedelta(days=5), every=timedelta(hours=1))
    assert OutboxMessage.objects.filter(kind="nudge").count() == 2, "Ben's two"
    clock.move_to(MONDAY + timedelta(days=5, minutes=20))
    join(cast.alliance, make_user("Cleo", "cleo@example.org"), role="client")
    mail.outbox.clear()
    # The term waited five days already: Cleo hears of it at the next pass.
    queued = passes(clock, MONDAY + timedelta(days=5, hours=1), every=timedelta(minutes=30))
    assert queued == [(MONDAY + timedelta(days=5, minutes=20), "cleo@example.org")]


def test_what_no_history_records_is_found_by_the_daily_sweep(clock):
    """Rows written behind the services' back (here: bulk inserts, as a hand edit would)
    are not a change a pass can see; the sweep of the next day finds them."""
    nudges_queue()
    teams_awaiting_a_term(2, 3, MONDAY - timedelta(days=3))
    clock.move_to(MONDAY + timedelta(hours=1))
    assert nudges_queue() == 0
    clock.move_to(MONDAY + timedelta(days=1))
    assert nudges_queue() == 6, "each member of the two teams (these rows hold no consent)"


def test_a_clock_that_went_back_makes_the_next_pass_a_sweep(clock, rarely_full):
    clock.move_to(MONDAY + timedelta(hours=2))
    nudges_queue()
    clock.move_to(MONDAY)
    teams_awaiting_a_term(1, 2, MONDAY - timedelta(days=3))
    assert nudges_queue() == 2


def test_a_pass_cut_short_is_read_again(clock, settings, rarely_full):
    settings.PERIODIC_CHUNK_SIZE = 1
    nudges_queue()
    clock.move_to(MONDAY + timedelta(minutes=10))
    teams_awaiting_a_term(3, 2, MONDAY - timedelta(days=2, hours=1))
    PassMark.objects.all().delete()  # as before the first pass: a sweep
    steps = nudges_queue_in_chunks()
    while next(steps) == 0:  # the providers before it find nothing
        pass
    steps.close()  # the worker stopped after the step that queued one nudge
    assert not PassMark.objects.filter(job="nudges:terms").exists()
    clock.move_to(MONDAY + timedelta(minutes=20))
    assert nudges_queue() == 5, "the rest, from a pass that reads the whole scan again"


def test_a_pass_with_nothing_new_costs_the_same_for_10_or_200_waiting(clock, rarely_full):
    def pass_queries() -> int:
        clock.shift(timedelta(minutes=1))
        with CaptureQueriesContext(connection) as queries:
            queued = nudges_queue()
        assert queued == 0
        return len(queries)

    teams_awaiting_a_term(10, 2, MONDAY - timedelta(days=2, hours=1))
    assert nudges_queue() == 20
    ten = pass_queries()
    teams_awaiting_a_term(190, 2, MONDAY - timedelta(days=2, hours=1))
    PassMark.objects.all().delete()
    assert nudges_queue() == 380
    assert pass_queries() == ten
    # Per provider: its mark, its windows (what began to wait, first nudges, history),
    # its mark again, and the savepoints around its steps.
    assert ten <= 12 * len(nudges.PROVIDERS)
