"""Benchmark: a pass of the worker's periodic jobs at 10k, 100k and 1M alliances.

For each size it makes a fresh PostgreSQL database, fills it (`bench/scale_data.py`),
and reports, each pass in a process of its own:

- the first pass, a whole sweep (what was due piled up: reminders and nudges to queue;
  the first pass of a new installation, and the first after a worker stood still for a
  day, read everything the jobs could owe), then a pass a minute after the previous one
  (as a worker runs every minute) and one an hour after it: the jobs read only what may
  have become due since, and their slice of the rolling sweep, a 1,440th and a 24th of
  the alliances (see `alliance.outbox.marks`); each with wall time and peak memory (the
  process's maximum resident set, Django included);
- the time a queued email takes to leave while a real `alliance worker` sweeps.

Targets (issue 9): a pass at 1,000,000 alliances under 5 s and 300 MB, an email out within
10 s while it runs. They are reported here, never asserted in the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench_scale \\
        .venv/bin/python bench/periodic_scale.py --sizes 10000,100000
    .venv/bin/python bench/periodic_scale.py --sizes 1000000 --keep   # keep the data
    .venv/bin/python bench/periodic_scale.py --existing   # measure the kept data again

The database named in DATABASE_URL is dropped and made again for every size.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="alliance-scale-bench-"))
os.environ.setdefault("ALLIANCE_DATA_DIR", str(WORK / "data"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance_bench_scale")


def run_pass() -> None:
    """One full pass of every periodic job, in this process; prints a JSON line."""
    import django

    django.setup()
    from django.db import connection

    from alliance.core.management.commands.worker import PERIODIC_JOBS
    from alliance.outbox.models import OutboxMessage

    connection.ensure_connection()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queued_before = OutboxMessage.objects.filter(state="queued").count()
    timings = {}
    started = time.monotonic()
    for name, job in PERIODIC_JOBS:
        step = time.monotonic()
        result = job()
        # A job may work in steps (an iterator of chunks); a pass runs them all.
        if hasattr(result, "__next__"):
            for _ in result:
                pass
        timings[name] = round(time.monotonic() - step, 2)
    elapsed = time.monotonic() - started
    queued = OutboxMessage.objects.filter(state="queued").count() - queued_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "jobs": timings,
                "peak_mb": round(peak),
                "baseline_mb": round(baseline),
                "queued": queued,
            }
        )
    )


def pass_in_subprocess() -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--one-pass"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def pass_marks_back(by: timedelta) -> None:
    """Make the next pass of every job come `by` after the previous one, as a worker's
    pass `by` later would: what it reads since, and its slice of the rolling sweep."""
    from django.db.models import Max

    from alliance.alliances.models import Alliance
    from alliance.outbox.marks import round_position
    from alliance.outbox.models import PassMark

    top_id = Alliance.objects.aggregate(top=Max("pk"))["top"] or 0
    for mark in PassMark.objects.all():
        mark.reached_at -= by
        _round, mark.swept_to = round_position(mark.reached_at, top_id)
        mark.save(update_fields=["reached_at", "swept_to"])


def forget_pass_marks() -> None:
    """Make the next pass of every job a whole sweep, as a new installation's first is."""
    from alliance.outbox.models import PassMark

    PassMark.objects.all().delete()


def email_latency() -> float:
    """Seconds for a queued email to leave while a worker runs its periodic pass."""
    from alliance.outbox.models import OutboxMessage
    from tests.outbox.smtp import running_smtp_server
    from tests.outbox.workers import WorkerProcess, queue_plain_messages, wait_until

    # What the passes queued stands for mail sent long ago; only the probe waits.
    OutboxMessage.objects.filter(state="queued").update(state="sent")
    forget_pass_marks()  # the worker's pass is a sweep, the longest
    with running_smtp_server() as sink:
        worker = WorkerProcess("bench", sink.email_url, WORK, "--jobs-interval", "3600")
        try:
            worker.wait_ready(60)
            # The worker starts its pass at once; queue the probe while it runs.
            time.sleep(0.5)
            started = time.monotonic()
            [message_id] = queue_plain_messages(1)
            wait_until(lambda: sink.count() >= 1, 900, "the probe email")
            elapsed = time.monotonic() - started
        finally:
            worker.stop()
        assert list(sink.message_ids()) == [message_id]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--one-pass", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the last database")
    parser.add_argument(
        "--first-pass-only", action="store_true", help="no steady pass, no email timing"
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="measure the database as it is (kept by --keep) instead of making it; --sizes is"
        " ignored, and the mail it holds queued is marked sent",
    )
    args = parser.parse_args()
    if args.one_pass:
        run_pass()
        return
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.databases import drop_database
    from bench.scale_data import generate

    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    for size in [int(n) for n in args.sizes.split(",")] if not args.existing else [0]:
        if args.existing:
            from alliance.alliances.models import Alliance

            size, made = Alliance.objects.count(), 0.0
            args.keep = True
            call_command("migrate", verbosity=0)
            forget_pass_marks()
        else:
            drop_database(again=True)
            call_command("migrate", verbosity=0)
            made = generate(size, verbose=False)
        first = pass_in_subprocess()
        print(
            f"{size:>9} alliances ({'kept' if args.existing else f'made in {made:.0f} s'})\n"
            f"  first pass (a whole sweep): {first['seconds']:7.2f} s, peak {first['peak_mb']} MB "
            f"(Django alone {first['baseline_mb']} MB), {first['queued']} emails queued, "
            f"{first['jobs']}",
            flush=True,
        )
        if args.first_pass_only:
            continue
        for later, name in ((timedelta(minutes=1), "a minute"), (timedelta(hours=1), "an hour")):
            pass_marks_back(later)
            steady = pass_in_subprocess()
            print(
                f"  a pass {name} later: {steady['seconds']:7.2f} s, peak {steady['peak_mb']} MB, "
                f"{steady['queued']} emails queued, {steady['jobs']}",
                flush=True,
            )
        latency = email_latency()
        print(f"  a queued email left after {latency:.2f} s while the worker swept")
    if not args.keep:
        drop_database(again=False)


if __name__ == "__main__":
    main()
