"""Benchmark: how many emails per second `alliance worker` processes hand to a local SMTP
server (aiosmtpd in this process), with one worker and with two.

    .venv/bin/python bench/outbox_throughput.py                 # SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_outbox_bench \\
        .venv/bin/python bench/outbox_throughput.py             # PostgreSQL (database made)

Options: --messages N (default 1000), --batch N (default 50), --workers 1,2,4.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="alliance-outbox-bench-"))
os.environ["ALLIANCE_DATA_DIR"] = str(WORK / "data")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from alliance.outbox.models import OutboxMessage  # noqa: E402
from bench.databases import drop_database  # noqa: E402
from tests.outbox.smtp import running_smtp_server  # noqa: E402
from tests.outbox.workers import (  # noqa: E402
    WorkerProcess,
    all_sent,
    queue_plain_messages,
    wait_until,
)


def measure(workers: int, messages: int, batch: int) -> float:
    OutboxMessage.objects.all().delete()
    with running_smtp_server() as sink:
        procs = [
            WorkerProcess(
                f"bench{i}",
                sink.email_url,
                WORK,
                "--outbox-batch",
                str(batch),
                "--outbox-interval",
                "0.02",
            )
            for i in range(workers)
        ]
        try:
            for proc in procs:
                proc.wait_ready()
            started = time.monotonic()
            queue_plain_messages(messages)
            wait_until(lambda: all_sent(messages), 600, "every message to be sent")
            elapsed = time.monotonic() - started
        finally:
            for proc in procs:
                proc.stop()
        received = sink.message_ids()
        assert len(received) == messages
        assert max(received.values()) == 1
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if connection.vendor == "postgresql":
        drop_database(again=True)
    call_command("migrate", verbosity=0)
    print(f"{connection.vendor}, {args.messages} messages, batches of {args.batch}")
    base = None
    for count in [int(n) for n in args.workers.split(",")]:
        rate = measure(count, args.messages, args.batch)
        base = base or rate
        print(f"  {count} worker(s): {rate:7.0f} messages/s  ({rate / base:.2f}x one worker)")


if __name__ == "__main__":
    main()
