"""The outbox sends due mail once, keeps its Message-ID, retries with backoff, and picks
up what a dead worker left behind."""

import re
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
import time_machine
from django.core import mail

from alliance.lib.clock import now
from alliance.lib.env import mail_domain
from alliance.lib.mail import send_templated
from alliance.outbox.models import OutboxMessage
from alliance.outbox.services import message_queue, send_due, unsubscribe
from tests.outbox.smtp import free_port

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue(n: int = 1, **extra) -> list[OutboxMessage]:
    messages = []
    for i in range(n):
        message = message_queue(
            kind="account", to_email=f"p{i}@example.org", subject=f"Hello {i}", text="Hi", **extra
        )
        assert message is not None
        messages.append(message)
    return messages


def test_queued_mail_waits_for_the_worker(queued):
    queue()
    assert mail.outbox == []
    report = send_due()
    assert report.sent == 1
    assert [m.subject for m in mail.outbox] == ["Hello 0"]
    assert OutboxMessage.objects.get().state == "sent"


def test_mail_is_sent_once(queued):
    queue(3)
    assert send_due().sent == 3
    assert send_due().sent == 0
    assert len(mail.outbox) == 3


def test_a_batch_takes_at_most_its_limit(queued):
    queue(5)
    assert send_due(limit=2).claimed == 2
    assert send_due(limit=2).claimed == 2
    assert send_due(limit=2).claimed == 1
    assert len(mail.outbox) == 5


@time_machine.travel(MONDAY, tick=False)
def test_mail_due_later_waits_until_then(queued):
    queue(due_at=now() + timedelta(hours=1))
    assert send_due().sent == 0
    assert send_due(now=now() + timedelta(hours=1)).sent == 1


def test_the_message_id_is_fixed_at_creation(queued):
    (message,) = queue()
    assert message.message_id.startswith("<")
    assert message.message_id.endswith(">")
    assert "@" in message.message_id
    send_due()
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id


def test_the_same_dedupe_key_is_queued_once(queued):
    assert queue(dedupe_key="reminder:1")
    assert (
        message_queue(
            kind="nudge",
            to_email="x@example.org",
            subject="Again",
            text="Hi",
            dedupe_key="reminder:1",
        )
        is None
    )
    assert OutboxMessage.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_failures_are_retried_with_backoff_and_keep_their_message_id(settings, smtp_settings):
    (message,) = queue()
    # A port where no mail server listens: the connection is refused.
    settings.EMAIL_PORT = free_port()
    report = send_due()
    assert report.retried == 1
    message.refresh_from_db()
    assert message.state == "queued"
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.due_at == MONDAY + timedelta(minutes=1)

    assert send_due().claimed == 0, "not due before its backoff"
    send_due(now=MONDAY + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.due_at == MONDAY + timedelta(minutes=3), "the wait doubles"

    settings.EMAIL_PORT = smtp_settings.port
    assert send_due(now=MONDAY + timedelta(minutes=3)).sent == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == ("sent", 3, "")
    assert smtp_settings.message_ids() == {message.message_id: 1}


@time_machine.travel(MONDAY, tick=False)
def test_a_message_gives_up_after_the_last_attempt(settings, smtp_settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.EMAIL_PORT = free_port()
    (message,) = queue()
    send_due()
    send_due(now=MONDAY + timedelta(hours=1))
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", 2)
    assert send_due(now=MONDAY + timedelta(days=1)).claimed == 0


@time_machine.travel(MONDAY, tick=False)
def test_a_claim_left_by_a_dead_worker_is_taken_again_after_the_timeout(settings, queued):
    settings.OUTBOX_CLAIM_TIMEOUT = 300
    (message,) = queue()
    # A worker claims the message and dies before sending it.
    OutboxMessage.objects.filter(pk=message.pk).update(
        state="sending", claimed_at=now(), claimed_by="dead-worker", attempts=1
    )
    assert send_due(now=MONDAY + timedelta(seconds=299)).claimed == 0
    assert send_due(now=MONDAY + timedelta(seconds=301)).sent == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 2)
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id


def test_a_live_claim_is_not_taken_by_another_worker(queued):
    (message,) = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state="sending", claimed_at=now(), claimed_by="busy-worker"
    )
    assert send_due().claimed == 0
    assert mail.outbox == []


def test_mail_queued_before_its_recipient_unsubscribed_is_not_sent(cast, queued):
    send_templated(
        "nudge",
        to=cast.client,
        template="nudge_terms",
        context={"alliance": cast.alliance, "count": 2},
    )
    unsubscribe(user=cast.client, kind="nudge")
    mail.outbox.clear()  # the "joined" email of the cast's set-up
    assert send_due().cancelled == 1
    assert mail.outbox == []
    assert OutboxMessage.objects.get(to_email=cast.client.email).state == "cancelled"


@pytest.mark.parametrize(
    ("base_url", "domain", "namespace"),
    [
        ("https://alliance.example.org", "alliance.example.org", "alliance.example.org"),
        ("http://127.0.0.1:8000", "[127.0.0.1]", "localhost"),
        ("http://[::1]:8000", "[IPv6:::1]", "localhost"),
    ],
)
def test_message_id_list_id_and_sender_are_valid_for_any_base_url(
    settings, smtp_settings, base_url, domain, namespace
):
    """Read by Python's own parser as a mail client would: no defect in Message-ID or
    From, and a List-Id whose namespace is a domain name, however the site is reached."""
    settings.BASE_URL = base_url
    settings.DEFAULT_FROM_EMAIL = f"Alliance <alliance@{mail_domain(base_url)}>"
    (message,) = queue()
    assert send_due().sent == 1
    [raw] = smtp_settings.raw
    received = BytesParser(policy=default_policy).parsebytes(raw)
    assert received["Message-ID"].defects == ()
    assert received["Message-ID"] == message.message_id
    assert message.message_id.endswith(f"@{domain}>")
    assert received["From"].defects == ()
    assert received["From"].addresses[0].domain == domain
    [list_id] = re.findall(r"<([^>]+)>", str(received["List-Id"]))
    assert list_id == f"account.{namespace}"
