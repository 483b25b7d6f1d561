"""Marks of the periodic jobs that read only what changed since their previous pass.

A pass of such a job (a nudge provider, the check-in reminders) reads what may have
become due after the moment its previous pass ran. That misses only what no line of
history records (a hand edit of the database), so every pass also *sweeps* a slice of
the alliances: it reads everything the job could owe in them, as if nothing were known
of them. The slices follow the clock, so that every alliance is swept once in each
`SWEEP_EVERY` however often the worker runs: a pass a minute after the previous one
sweeps a 1,440th of the alliances, a pass an hour later a 24th. A pass reads them all at
once (a *whole sweep*) only when its job has no mark (a new installation, or marks
deleted by hand), when a worker stood still for a whole `SWEEP_EVERY`, and when the clock
went back further than two workers' clocks may differ (the whole sweep then moves the
mark back to the clock).

A job's mark moves only once a pass has read all it had to without a failure, so a pass
cut short, or one in which a row failed, is read again by the next pass from the same
mark (its slice reaching further), which retries what failed.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Max, Q

from alliance.alliances.models import Alliance
from alliance.outbox.models import PassMark

# Every alliance is swept once within this.
SWEEP_EVERY = timedelta(days=1)
# A pass looks this far back before the previous one, for what transactions still open
# when that one ran wrote, and for workers whose clocks differ a little.
PASS_OVERLAP = timedelta(minutes=10)
# Where the slices start from: the rounds begin at midnight UTC.
_ROUNDS_BEGIN = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SweptSlice:
    """The alliances whose ids are above `after_id` and up to `until_id`, or, when the
    round began again since the previous pass (`wrapped`), above `after_id` or up to
    `until_id`."""

    after_id: int
    until_id: int
    wrapped: bool = False

    def condition(self, field: str) -> Q:
        """A condition on `field`, an alliance id, for a query."""
        above = Q(**{f"{field}__gt": self.after_id})
        up_to = Q(**{f"{field}__lte": self.until_id})
        return (above | up_to) if self.wrapped else (above & up_to)

    @property
    def empty(self) -> bool:
        return not self.wrapped and self.until_id <= self.after_id


@dataclass(frozen=True)
class Plan:
    """What a pass of a job at `now` reads: what changed after `after` and the alliances
    of `swept`; or, with `after` None, everything (a whole sweep). `swept_to` is where
    its mark goes once the pass read all of it."""

    now: datetime
    after: datetime | None
    swept: SweptSlice | None
    swept_to: int


def round_position(moment: datetime, top_id: int) -> tuple[int, int]:
    """(which round, the alliance id a round's slices reach at `moment`, `top_id` the
    highest there is)."""
    if not SWEEP_EVERY:
        return 0, 0  # every pass a whole sweep: no rounds
    spent = (moment - _ROUNDS_BEGIN) / SWEEP_EVERY
    return math.floor(spent), math.floor(top_id * (spent - math.floor(spent)))


def pass_plan(job: str, now: datetime) -> Plan:
    """What the pass of `job` at `now` reads: since the previous pass and a slice of the
    alliances; everything when there was none, it is a `SWEEP_EVERY` old, or the clock
    went back further than two workers' clocks may differ."""
    top_id = Alliance.objects.aggregate(top=Max("pk"))["top"] or 0
    round_now, reached = round_position(now, top_id)
    mark = PassMark.objects.filter(job=job).first()
    if mark is None or now - mark.reached_at >= SWEEP_EVERY or mark.reached_at > now + PASS_OVERLAP:
        return Plan(now, after=None, swept=None, swept_to=reached)
    if mark.reached_at >= now:
        # Another worker, its clock a little ahead, swept up to its own moment already.
        nothing = SweptSlice(mark.swept_to, mark.swept_to)
        return Plan(now, after=mark.reached_at, swept=nothing, swept_to=mark.swept_to)
    round_before, _ = round_position(mark.reached_at, top_id)
    swept = SweptSlice(mark.swept_to, reached, wrapped=round_now > round_before)
    return Plan(now, after=mark.reached_at, swept=swept, swept_to=reached)


def pass_done(job: str, plan: Plan) -> None:
    """Remember that `job` read all `plan` named. A pass never moves the mark back when
    another worker's pass went further; a whole sweep read everything, so its moment is a
    true mark even then (after the clock went back)."""
    mark, created = PassMark.objects.get_or_create(
        job=job, defaults={"reached_at": plan.now, "swept_to": plan.swept_to}
    )
    if created:
        return
    marks = PassMark.objects.filter(pk=mark.pk)
    if plan.after is not None:
        marks = marks.filter(reached_at__lte=plan.now)
    marks.update(reached_at=plan.now, swept_to=plan.swept_to)
