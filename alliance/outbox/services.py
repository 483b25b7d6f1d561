"""Writes for the outbox: queue a message, send what is due, preferences, unsubscribe.

Sending, in short. `send_due` claims up to `limit` due rows, sends them over one SMTP
connection and marks each `sent` right after the server accepted it. A claim is a write
that only one worker can win: on PostgreSQL the rows are picked with
`select_for_update(skip_locked=True)`, so concurrent workers take disjoint rows without
waiting on each other; on SQLite, where writes are serialized anyway, each row is taken
with a conditional UPDATE that succeeds for one worker only. A worker that dies after
claiming leaves rows in `sending`; once their claim is older than `OUTBOX_CLAIM_TIMEOUT`
they are due again, so nothing is lost. The one gap that remains is a worker dying between
the server's "250 OK" and the `sent` update: that message goes out again, with the same
Message-ID, so receiving systems can recognise the duplicate.
"""

import logging
import os
import smtplib
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased
from alliance.lib.claims import claim_due
from alliance.lib.clock import now as clock_now
from alliance.outbox.models import (
    OPTIONAL_KINDS,
    REQUIRED_KINDS,
    Delivery,
    DigestItem,
    EmailKind,
    NotificationPreferences,
    OutboxMessage,
    State,
    delivery_in,
    list_id,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "alliance.outbox.unsubscribe"
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# Errors the mail server will give again whatever we do: no point in retrying.
PERMANENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


# Queueing ---------------------------------------------------------------------------


def message_queue(
    *,
    kind: str,
    to_email: str,
    subject: str,
    text: str,
    html: str = "",
    headers: Mapping[str, str] | None = None,
    recipient: User | None = None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    attachments: Sequence[tuple[str, str, str]] = (),
) -> OutboxMessage | None:
    """Write one message to the outbox, inside the caller's transaction.

    `attachments` are (filename, text content, MIME type), e.g. a calendar invitation.

    Returns None when `dedupe_key` was already used: that message is queued (or sent)
    already. With `OUTBOX_SEND_IMMEDIATELY` (tests only) the message is sent at once.
    """
    values: dict[str, Any] = {
        "kind": kind,
        "to_email": to_email,
        "recipient": recipient,
        "subject": subject,
        "text": text,
        "html": html or "",
        "headers": dict(headers or {}),
        "due_at": due_at or clock_now(),
        "dedupe_key": dedupe_key,
        "attachments": [list(a) for a in attachments],
    }
    if dedupe_key is None:
        message = OutboxMessage.objects.create(**values)
    else:
        try:
            # A savepoint, so a lost race on the unique key leaves the caller's
            # transaction usable.
            with transaction.atomic():
                message = OutboxMessage.objects.create(**values)
        except IntegrityError:
            return None
    if settings.OUTBOX_SEND_IMMEDIATELY:
        send_due(ids=[message.pk])
    return message


# Sending ----------------------------------------------------------------------------


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # claimed, but taken over by another worker before this one got to it


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{get_random_string(6)}"


def _due(now: datetime) -> Q:
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    return Q(state=State.QUEUED, due_at__lte=now) | Q(state=State.SENDING, claimed_at__lt=stale)


def _claim(now: datetime, limit: int, worker_id: str, ids: Iterable[int] | None) -> list[int]:
    """Take up to `limit` due messages for `worker_id`; returns the ids this worker won."""
    due = OutboxMessage.objects.filter(_due(now)).order_by("due_at", "id")
    return claim_due(due, now=now, limit=limit, worker_id=worker_id, sending=State.SENDING, ids=ids)


class OutboxEmail(EmailMultiAlternatives):
    """Django's email, with a subject that every client decodes as it was written.

    Django 5.2 encodes a non-ASCII subject as if its header had no name, so the first
    encoded word fills a whole line, `Subject:` stands alone, and clients show the
    subject with a leading space. The header is folded again knowing its name.
    """

    def message(self) -> Any:
        message = super().message()
        message.replace_header("Subject", Header(str(self.subject), header_name="Subject"))
        return message


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The message as it goes out. Every one is marked automatic (RFC 3834: no vacation
    responder answers it) and carries its kind's List-Id. A calendar invitation is carried
    twice, the way common clients expect: as a text/calendar part beside the text and HTML
    (Outlook and Gmail show Accept / Decline from it) and as the `.ics` attachment."""
    email = OutboxEmail(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={
            **message.headers,
            "Message-ID": message.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Id": list_id(message.kind),
        },
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for filename, content, mimetype in message.attachments:
        if mimetype.startswith("text/calendar"):
            email.attach_alternative(content, mimetype)
        email.attach(filename, content, mimetype)
    return email


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def send_due(
    now: datetime | None = None,
    limit: int = 100,
    *,
    worker_id: str | None = None,
    ids: Iterable[int] | None = None,
) -> SendReport:
    """Send up to `limit` messages that are due at `now` (default: the clock's now).

    Call it again while `report.claimed == limit`: more may be waiting. `ids` restricts
    the batch to those messages (used to send one message at once in tests).
    """
    now = now or clock_now()
    worker_id = worker_id or default_worker_id()
    report = SendReport()
    won = _claim(now, limit, worker_id, ids)
    report.claimed = len(won)
    if not won:
        return report
    messages = list(OutboxMessage.objects.filter(pk__in=won).order_by("due_at", "id"))
    deliveries = _deliveries({m.recipient_id for m in messages if m.recipient_id})
    mine = OutboxMessage.objects.filter(state=State.SENDING, claimed_by=worker_id)
    smtp = get_connection()
    try:
        for message in messages:
            # Renew the claim right before sending: a slow batch may outlive the claim
            # timeout, and then another worker owns the message and sends it instead.
            if mine.filter(pk=message.pk).update(claimed_at=clock_now()) != 1:
                report.lost += 1
                continue
            chosen = deliveries.get(message.recipient_id or 0)
            if delivery_in(chosen, message.kind) == Delivery.OFF:
                # Turned off after this was queued: the person's latest word counts.
                mine.filter(pk=message.pk).update(state=State.CANCELLED)
                report.cancelled += 1
                continue
            try:
                smtp.send_messages([_email(message)])
            except Exception as error:
                _record_failure(mine, message, error, now, report)
                # The connection may be broken; the next message opens a fresh one.
                smtp.close()
                continue
            mine.filter(pk=message.pk).update(state=State.SENT, sent_at=clock_now(), last_error="")
            report.sent += 1
    finally:
        smtp.close()
    return report


def _record_failure(
    mine: Any, message: OutboxMessage, error: Exception, now: datetime, report: SendReport
) -> None:
    reason = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PERMANENT_ERRORS) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        mine.filter(pk=message.pk).update(state=State.FAILED, last_error=reason)
        report.failed += 1
        logger.error("Gave up on email %s to %s: %s", message.pk, message.to_email, reason)
    else:
        mine.filter(pk=message.pk).update(
            state=State.QUEUED, due_at=now + _backoff(message.attempts), last_error=reason
        )
        report.retried += 1
        logger.warning("Email %s to %s will be retried: %s", message.pk, message.to_email, reason)


def _deliveries(user_ids: set[int]) -> dict[int, Any]:
    if not user_ids:
        return {}
    rows = NotificationPreferences.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "deliveries"
    )
    return dict(rows)


# Preferences and unsubscribe ---------------------------------------------------------


def preferences_for(user: User) -> NotificationPreferences:
    """The person's preferences; the defaults (every kind on) when they never chose."""
    found = NotificationPreferences.objects.filter(user=user).first()
    return found or NotificationPreferences(user=user)


def reminder_days_of(user_ids: Iterable[int]) -> dict[int, int]:
    """How many days before a check-in each of these people wants its reminder, for those
    who chose (the others get `DEFAULT_REMINDER_DAYS`)."""
    rows = NotificationPreferences.objects.filter(user_id__in=list(user_ids))
    return dict(rows.values_list("user_id", "checkin_reminder_days"))


def delivery_for(user: User, kind: str) -> Delivery:
    """How `user` gets email of `kind`: as it happens, in the daily digest, or not at all."""
    if kind not in OPTIONAL_KINDS:
        return Delivery.IMMEDIATE
    chosen = NotificationPreferences.objects.filter(user=user).values_list("deliveries", flat=True)
    return delivery_in(chosen.first(), kind)


@transaction.atomic
def preferences_update(
    *, user: User, deliveries: Mapping[str, str], checkin_reminder_days: int
) -> NotificationPreferences:
    """Save how `user` gets each optional kind (kinds left out come as they happen)."""
    unknown = set(deliveries) - set(OPTIONAL_KINDS)
    if unknown or not set(deliveries.values()) <= set(Delivery.values):
        raise ValidationError(_("Choose as it happens, in the daily digest, or off."))
    stored = {
        kind: delivery for kind, delivery in sorted(deliveries.items()) if delivery != "immediate"
    }
    if not 0 <= checkin_reminder_days <= 60:
        raise ValidationError(
            {"checkin_reminder_days": _("Choose between 0 and 60 days before the check-in.")}
        )
    preferences, _created = NotificationPreferences.objects.update_or_create(
        user=user,
        defaults={
            "deliveries": stored,
            "checkin_reminder_days": checkin_reminder_days,
            "updated_at": clock_now(),
        },
    )
    return preferences


@transaction.atomic
def unsubscribe(*, user: User, kind: str) -> NotificationPreferences:
    """Turn off one optional kind of email for `user`; for the digest, every kind that
    went into it. Doing it twice changes nothing."""
    if kind in REQUIRED_KINDS:
        raise ValueError(f"{kind} email cannot be turned off")
    preferences, _created = NotificationPreferences.objects.select_for_update().get_or_create(
        user=user
    )
    if kind == EmailKind.DIGEST:
        turned_off = [
            str(k) for k in OPTIONAL_KINDS if preferences.delivery_of(k) == Delivery.DIGEST
        ]
    else:
        turned_off = [kind]
    deliveries = dict(preferences.deliveries) if isinstance(preferences.deliveries, dict) else {}
    deliveries.update({k: Delivery.OFF.value for k in turned_off})
    if deliveries != preferences.deliveries:
        preferences.deliveries = deliveries
        preferences.updated_at = clock_now()
        preferences.save(update_fields=["deliveries", "updated_at"])
    return preferences


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user: User, kind: str) -> str:
    token = unsubscribe_token(user=user, kind=kind)
    return settings.BASE_URL + reverse("unsubscribe", kwargs={"token": token})


class BadUnsubscribeLink(Exception):
    pass


def unsubscribe_read(token: str) -> tuple[User, EmailKind]:
    """The person and kind an unsubscribe token stands for. The signature is the authority:
    tokens do not expire, since a link in an old email must keep working."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind = EmailKind(data["k"])
        user = User.objects.get(pk=data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise BadUnsubscribeLink(token) from None
    if kind in REQUIRED_KINDS:
        raise BadUnsubscribeLink(token)
    return user, kind


@on_account_erased
def mail_of_erased_delete(user: User) -> None:
    """Mail to an erased person goes, sent or not (it holds their address and what they
    were told), with what was held for their digest and their choices of email."""
    OutboxMessage.objects.filter(Q(recipient=user) | Q(to_email__iexact=user.email)).delete()
    DigestItem.objects.filter(recipient=user).delete()
    NotificationPreferences.objects.filter(user=user).delete()
