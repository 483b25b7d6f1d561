"""A real `alliance worker` running a long periodic pass (hundreds of check-in reminders,
a few per step): mail queued meanwhile leaves between two steps, and SIGTERM stops it
between two steps, so the next worker finishes the pass without losing or repeating a
message. Real processes, a real SMTP server, on SQLite and PostgreSQL alike."""

import signal
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db.models import Max, Min

from alliance.outbox.models import OutboxMessage
from alliance.tending.models import ReminderSent
from tests.outbox.workers import WorkerProcess, queue_plain_messages, wait_until
from tests.periodic import alliances_due_tomorrow

pytestmark = pytest.mark.django_db(transaction=True)

ALLIANCES = 150
REMINDERS = 2 * ALLIANCES
# Small steps make the pass long enough to act in the middle of it.
STEPS = {"ALLIANCE_PERIODIC_CHUNK_SIZE": "5"}


def start_worker(name: str, smtp_server, tmp_path) -> WorkerProcess:
    worker = WorkerProcess(
        name, smtp_server.email_url, tmp_path, "--outbox-interval", "0.05", **STEPS
    )
    worker.wait_ready()
    return worker


def reminders_received(smtp_server) -> Counter[str]:
    return Counter(
        str(message["To"])
        for message in list(smtp_server.received)
        if "Check-in coming up" in str(message["Subject"])
    )


def test_mail_queued_during_a_long_pass_leaves_before_the_pass_ends(smtp_server, tmp_path):
    alliances_due_tomorrow(ALLIANCES, datetime.now(UTC))
    worker = start_worker("busy", smtp_server, tmp_path)
    try:
        wait_until(lambda: ReminderSent.objects.exists(), 60, "the pass to begin")
        [probe] = queue_plain_messages(1)
        wait_until(lambda: ReminderSent.objects.count() == REMINDERS, 120, "the pass to end")
        wait_until(lambda: smtp_server.count() == REMINDERS + 1, 60, "every message to leave")
    finally:
        worker.stop()
    reminders = OutboxMessage.objects.filter(kind="checkin_reminder")
    last_queued = reminders.aggregate(last=Max("created_at"))["last"]
    first_sent = reminders.aggregate(first=Min("sent_at"))["first"]
    assert OutboxMessage.objects.get(message_id=probe).sent_at < last_queued, (
        "the probe left while the pass was still queueing reminders"
    )
    assert first_sent < last_queued, "the first reminders left while later ones were queued"


def test_sigterm_stops_a_pass_between_steps_and_the_next_worker_finishes_it(smtp_server, tmp_path):
    addresses = alliances_due_tomorrow(ALLIANCES, datetime.now(UTC))
    doomed = start_worker("doomed", smtp_server, tmp_path)
    try:
        wait_until(lambda: ReminderSent.objects.count() >= 20, 60, "the pass to be underway")
        doomed.process.send_signal(signal.SIGTERM)
        assert doomed.process.wait(timeout=5) == 0, doomed.output()
    finally:
        doomed.stop()
    assert "stopping after the current step" in doomed.output()
    stopped_at = ReminderSent.objects.count()
    assert stopped_at < REMINDERS, "it stopped in the middle of the pass"
    # Each reminder recorded so far has its email queued with it: none half made.
    assert OutboxMessage.objects.filter(kind="checkin_reminder").count() == stopped_at

    heir = start_worker("heir", smtp_server, tmp_path)
    try:
        wait_until(
            lambda: sum(reminders_received(smtp_server).values()) >= REMINDERS,
            120,
            "every reminder to arrive",
        )
        wait_until(
            lambda: not OutboxMessage.objects.exclude(state="sent").exists(), 30, "the outbox"
        )
    finally:
        heir.stop()
    received = reminders_received(smtp_server)
    assert set(received) == set(addresses), "nobody's reminder was lost"
    assert max(received.values()) == 1, "and nobody got theirs twice"
    assert max(smtp_server.message_ids().values()) == 1
