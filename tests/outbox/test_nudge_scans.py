"""A pass of the nudges reads only what may have become due since the previous pass, and
sweeps a slice of the alliances, so that each is swept once a day: the passes nudge the
same people at the same passes as whole sweeps would, newcomers and digests included, and
cost the same however many alliances wait."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.alliances.models import Alliance
from alliance.alliances.services import alliance_details_change
from alliance.lib import mail as mail_module
from alliance.outbox.marks import pass_plan
from alliance.outbox.models import DigestItem, OutboxMessage, PassMark
from alliance.outbox.nudges import nudges_due, nudges_queue, nudges_queue_in_chunks
from alliance.outbox.services import preferences_update
from alliance.tending import services as tending
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with
from tests.periodic import as_sweeps_and_as_passes, every_pass, teams_awaiting_a_term

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Frozen before anything is made, so that no line of history is stamped later than
    the passes (which would make every pass read it)."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def nudge_keys() -> list[str]:
    held = DigestItem.objects.filter(kind="nudge").values_list("dedupe_key", flat=True)
    queued = OutboxMessage.objects.filter(kind="nudge").values_list("dedupe_key", flat=True)
    return sorted([*held, *queued])


def passes(clock, start: datetime, until: datetime, every: timedelta, actions=None):
    """A pass every `every` from `start` to `until`, doing each of `actions` (moment ->
    function) at the first pass from its moment on: (when, dedupe key) of each nudge
    queued or held for a digest."""
    seen = set(nudge_keys())

    def one_pass(_moment: datetime) -> list[str]:
        nudges_queue()
        new = [key for key in nudge_keys() if key not in seen]
        seen.update(new)
        return new

    return every_pass(clock, start, until, every, one_pass, actions)


def test_passes_that_read_only_what_changed_nudge_on_time(cast, clock, rarely_swept):
    propose(cast.coach_party, "We meet weekly.")
    nudges_queue()  # the first pass is a sweep
    found = passes(clock, MONDAY, MONDAY + timedelta(days=6), every=timedelta(minutes=50))
    # Due two days after the proposal, and two days after the first: the first pass from
    # then on queues each.
    assert [when for when, _key in found] == [
        MONDAY + timedelta(days=2, minutes=20),
        MONDAY + timedelta(days=4, minutes=40),
    ]
    mark = PassMark.objects.get(job="nudges:terms")
    plan = pass_plan("nudges:terms", mark.reached_at + timedelta(minutes=50))
    assert plan.after == mark.reached_at, "every pass but the first read what changed"
    assert plan.swept is not None
    assert plan.swept.empty, "and swept nothing"
    assert mark.reached_at == MONDAY + timedelta(days=6, minutes=-40)


def test_a_newcomer_is_nudged_about_what_waited_before_they_came(cast, clock, rarely_swept):
    propose(cast.coach_party, "We meet weekly.")
    nudges_queue()
    passes(clock, MONDAY, MONDAY + timedelta(days=5), every=timedelta(hours=1))
    assert len(nudge_keys()) == 2, "Ben's two"
    cleo = make_user("Cleo", "cleo@example.org")
    found = passes(
        clock,
        MONDAY + timedelta(days=5, minutes=30),
        MONDAY + timedelta(days=5, hours=2),
        every=timedelta(minutes=30),
        actions={
            MONDAY + timedelta(days=5, minutes=20): lambda: join(cast.alliance, cleo, role="client")
        },
    )
    # The term waited five days already: Cleo hears of it at the next pass.
    assert [(when, key.split(":")[-2]) for when, key in found] == [
        (MONDAY + timedelta(days=5, minutes=30), str(cleo.pk))
    ]


def test_passes_nudge_whom_and_when_sweeps_would(cast, clock, monkeypatch):
    """The same week, once with a sweep at every pass (everything read, as before marks),
    once with passes that read only what changed: every provider, a newcomer, a person
    whose nudges wait for their digest, and a draft changed midway."""
    ana, ben = cast.coach, cast.client
    dana = make_user("Dana", "dana@example.org")
    cleo = make_user("Cleo", "cleo@example.org")
    monday = MONDAY

    def week() -> list[tuple[datetime, str]]:
        clock.move_to(monday)
        tended = make_alliance(ana, title="Tended")
        join(tended, dana)
        propose(party_of(tended, ana), "We check in monthly.")
        ratify_with([party_of(tended, ana), party_of(tended, dana)])
        preferences_update(user=ben, deliveries={"nudge": "digest"}, checkin_reminder_days=3)
        nudges_queue()  # each week begins with a sweep
        actions = {
            monday + timedelta(hours=1): lambda: propose(cast.coach_party, "We meet weekly."),
            monday + timedelta(hours=2, minutes=10): lambda: plant(cast.coach_party),
            monday + timedelta(hours=3): lambda: share_first(cast),
            monday + timedelta(hours=5): lambda: tending.checkin_start(party=party_of(tended, ana)),
            monday + timedelta(days=3, hours=4): lambda: propose(
                cast.coach_party, "We answer within a day."
            ),
            monday + timedelta(days=5, minutes=20): lambda: join(cast.alliance, cleo),
        }
        found = passes(clock, monday, monday + timedelta(days=8), timedelta(minutes=30), actions)
        # Without the object's id: the rows made in each run have ids of their own.
        return [(when, without_object_id(key)) for when, key in found]

    def without_object_id(key: str) -> str:
        parts = key.split(":")
        return ":".join(parts[:2] + parts[3:])

    def share_first(cast) -> None:
        stake = cast.alliance.stakes.get()
        share(cast.coach_party, stake, first_prompt(stake), "What I hope for.")

    swept, changed_only = as_sweeps_and_as_passes(monkeypatch, week)
    assert changed_only == swept
    providers = {key.split(":")[1] for _when, key in swept}
    assert providers == {"terms", "times", "reflections", "checkins"}
    assert any(key.split(":")[-2] == str(cleo.pk) for _when, key in swept), "the newcomer"
    assert len([key for _when, key in swept if key.endswith(":2")]) >= 4, "second nudges"


def test_what_no_history_records_is_found_within_a_day_by_the_rolling_sweep(clock):
    """Rows written behind the services' back (bulk inserts, as a hand edit would) are not
    a change a pass can see. Each hourly pass sweeps its slice of the alliances: within a
    day every member of every team has had the nudge, once, from the pass whose slice
    held their alliance, and no pass read everything."""
    nudges_queue()
    teams_awaiting_a_term(12, 2, MONDAY - timedelta(days=3))
    nudged_by: dict[str, datetime] = {}
    for hour in range(1, 25):
        moment = MONDAY + timedelta(hours=hour)
        clock.move_to(moment)
        plan = pass_plan("nudges:terms", moment)
        assert plan.after is not None, "a pass, not a whole sweep"
        assert plan.swept is not None
        before = set(nudge_keys())
        nudges_queue()
        for key in set(nudge_keys()) - before:
            alliance_id = int(key.split(":")[2])
            assert Alliance.objects.filter(plan.swept.condition("pk"), pk=alliance_id).exists()
            nudged_by[key] = moment
    assert len(nudged_by) == 24, "each member of the twelve teams (these rows hold no consent)"


def test_history_brings_in_nothing_older_than_the_horizon(cast, clock, rarely_swept):
    """A line of history (here a rename) makes a pass read the alliance, but only what a
    sweep would read: a draft that waited three weeks had its moment."""
    propose(cast.coach_party, "We meet weekly.")
    clock.move_to(MONDAY + timedelta(days=21))
    PassMark.objects.all().delete()
    for _ in range(2):  # everything was nudged long ago, or is beyond the horizon
        nudges_queue()
    assert nudges_due(MONDAY + timedelta(days=21)) == []
    cast.alliance.refresh_from_db()
    alliance_details_change(
        party=cast.coach_party,
        revision=cast.alliance.revision,
        title="Coaching, renamed",
        purpose=cast.alliance.purpose,
    )
    clock.shift(timedelta(minutes=1))
    assert nudges_queue() == 0


def test_a_clock_that_went_back_makes_the_next_pass_a_sweep(clock, rarely_swept):
    clock.move_to(MONDAY + timedelta(hours=2))
    nudges_queue()
    clock.move_to(MONDAY)
    teams_awaiting_a_term(1, 2, MONDAY - timedelta(days=3))
    assert nudges_queue() == 2


def test_a_pass_cut_short_is_read_again(clock, settings, rarely_swept):
    settings.PERIODIC_CHUNK_SIZE = 1
    nudges_queue()  # the sweep
    # Three drafts whose nudges fall due five minutes after the sweep.
    teams_awaiting_a_term(3, 2, MONDAY - timedelta(days=2) + timedelta(minutes=5))
    clock.move_to(MONDAY + timedelta(minutes=10))
    steps = nudges_queue_in_chunks()
    while next(steps) == 0:  # the providers before it find nothing
        pass
    steps.close()  # the worker stopped after the step that queued one nudge
    assert PassMark.objects.get(job="nudges:terms").reached_at == MONDAY
    clock.move_to(MONDAY + timedelta(minutes=20))
    assert nudges_queue() == 5, "the rest, from a pass that reads from the same mark"


def test_a_nudge_that_failed_is_tried_again_at_the_next_pass(
    cast, clock, rarely_swept, monkeypatch
):
    propose(cast.coach_party, "We meet weekly.")
    nudges_queue()
    real = mail_module.send_templated

    def broken(*args, **kwargs):
        raise RuntimeError("the template could not be read")

    monkeypatch.setattr(mail_module, "send_templated", broken)
    clock.move_to(MONDAY + timedelta(days=2, minutes=5))
    assert nudges_queue() == 0
    assert PassMark.objects.get(job="nudges:terms").reached_at == MONDAY, "kept where it was"
    monkeypatch.setattr(mail_module, "send_templated", real)
    clock.move_to(MONDAY + timedelta(days=2, minutes=35))
    assert nudges_queue() == 1


def test_a_pass_with_nothing_new_costs_the_same_for_10_or_200_waiting(
    clock, settings, rarely_swept
):
    """A sweep reads a chunk of ten at a time, so that it would cost more for more."""
    settings.PERIODIC_CHUNK_SIZE = 10

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
    assert ten <= 12 * 4
