"""Marks of the periodic jobs that read only what changed since their previous pass.

A pass of such a job (a nudge provider, the check-in reminders) reads what may have
become due after the moment its previous pass ran. Once a day it is a *sweep* instead,
which reads everything the job could owe, as is the first pass of a job with no mark (a
new installation, or marks deleted by hand): that finds what no line of history records
(a hand edit of the database). A job's mark moves only once a pass has read all it had
to without a failure, so a pass cut short, or one in which a row failed, is read again
from the same mark by the next pass, which retries what failed.
"""

from datetime import datetime, timedelta

from alliance.outbox.models import PassMark

# How often a job sweeps.
SWEEP_EVERY = timedelta(days=1)
# A pass looks this far back before the previous one, for what transactions still open
# when that one ran wrote, and for workers whose clocks differ a little.
PASS_OVERLAP = timedelta(minutes=10)


def previous_pass(job: str, now: datetime) -> datetime | None:
    """When `job`'s previous pass ran, if the pass at `now` may read only what changed
    since; None when it must sweep: there was none, the last sweep is a day old, or the
    clock went back further than two workers' clocks may differ."""
    mark = PassMark.objects.filter(job=job).first()
    if mark is None:
        return None
    swept_lately = mark.swept_at > now - SWEEP_EVERY
    if swept_lately and mark.reached_at <= now + PASS_OVERLAP:
        return mark.reached_at
    return None


def pass_done(job: str, now: datetime, *, sweep: bool) -> None:
    """Remember that `job` read all it had to at `now` (never moving the mark back, when
    another worker's pass went further)."""
    mark, created = PassMark.objects.get_or_create(
        job=job, defaults={"reached_at": now, "swept_at": now}
    )
    if created:
        return
    if sweep:
        mark.swept_at = max(mark.swept_at, now)
    mark.reached_at = max(mark.reached_at, now)
    mark.save(update_fields=["reached_at", "swept_at"])
