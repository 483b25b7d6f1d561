"""The rolling sweep (alliance.outbox.marks): each pass of a periodic job sweeps the slice
of the alliances the clock moved over since the previous pass, so that each alliance is
swept once a day however the passes are spaced, and no pass reads everything but a
whole sweep: with no mark, with a mark a day old, or after the clock went back."""

import math
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alliance.alliances.models import Alliance
from alliance.outbox.marks import Plan, pass_done, pass_plan
from alliance.outbox.models import PassMark
from tests.periodic import teams_awaiting_a_term

pytestmark = pytest.mark.django_db

JOB = "nudges:terms"
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def one_pass(clock, moment: datetime) -> Plan:
    clock.move_to(moment)
    plan = pass_plan(JOB, moment)
    pass_done(JOB, plan)
    return plan


def swept_ids(plan: Plan) -> set[int]:
    assert plan.swept is not None
    return set(Alliance.objects.filter(plan.swept.condition("pk")).values_list("pk", flat=True))


def test_hourly_passes_sweep_each_alliance_once_a_day_a_24th_at_a_time(clock):
    teams_awaiting_a_term(60, 1, MONDAY - timedelta(days=1))
    top = max(Alliance.objects.values_list("pk", flat=True))
    assert one_pass(clock, MONDAY).after is None, "the first pass of a job: a whole sweep"
    plans = [one_pass(clock, MONDAY + timedelta(hours=hour)) for hour in range(1, 25)]

    swept_count: dict[int, int] = {}
    for before, plan in zip([None, *plans], plans, strict=False):
        assert plan.after is not None, "a pass, not a whole sweep"
        assert plan.swept is not None
        if before is not None:
            assert plan.swept.after_id == before.swept_to, "each slice begins where one ended"
        width = plan.swept.until_id - plan.swept.after_id
        if plan.swept.wrapped:
            width += top
        assert 0 <= width <= math.ceil(top / 24), "a 24th of the ids"
        for alliance_id in swept_ids(plan):
            swept_count[alliance_id] = swept_count.get(alliance_id, 0) + 1
    assert [plan.now.hour for plan in plans if plan.swept and plan.swept.wrapped] == [0]
    assert swept_count == dict.fromkeys(Alliance.objects.values_list("pk", flat=True), 1)


def test_a_pass_a_minute_later_sweeps_a_1440th(clock):
    teams_awaiting_a_term(3, 1, MONDAY - timedelta(days=1))
    one_pass(clock, MONDAY)
    plan = one_pass(clock, MONDAY + timedelta(minutes=1))
    assert plan.swept is not None
    top = max(Alliance.objects.values_list("pk", flat=True))
    assert plan.swept.until_id - plan.swept.after_id <= math.ceil(top / 1440)


def test_a_worker_whose_clock_is_behind_sweeps_nothing_the_other_swept(clock):
    """Just before midnight on its clock, just after on the other's: not the whole round
    again."""
    teams_awaiting_a_term(3, 1, MONDAY - timedelta(days=1))
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    one_pass(clock, midnight - timedelta(hours=1))
    ahead = one_pass(clock, midnight + timedelta(seconds=30))
    behind = one_pass(clock, midnight - timedelta(seconds=15))
    assert behind.after == ahead.now
    assert behind.swept is not None
    assert behind.swept.empty
    assert PassMark.objects.get(job=JOB).reached_at == ahead.now, "the mark is not moved back"


def test_after_the_clock_went_back_one_whole_sweep_then_passes_again(clock):
    one_pass(clock, MONDAY)
    one_pass(clock, MONDAY + timedelta(hours=2))
    back = one_pass(clock, MONDAY + timedelta(hours=1))
    assert back.after is None, "a whole sweep"
    assert PassMark.objects.get(job=JOB).reached_at == back.now, "which moves the mark back"
    assert one_pass(clock, MONDAY + timedelta(hours=1, minutes=1)).after == back.now


def test_a_mark_a_day_old_makes_a_whole_sweep(clock):
    one_pass(clock, MONDAY)
    assert one_pass(clock, MONDAY + timedelta(hours=23, minutes=59)).after == MONDAY
    assert one_pass(clock, MONDAY + timedelta(days=2)).after is None
