"""Every email Alliance sends is an `OutboxMessage` row first; workers send the rows."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.lib.clock import now
from alliance.lib.env import mail_domain


class EmailKind(models.TextChoices):
    """Every kind of email. A new feature picks one of these names for what it sends."""

    ACCOUNT = "account", _("Account and sign-in")
    INVITATION = "invitation", _("Invitations to an alliance")
    JOINED = "joined", _("Someone joined your alliance")
    RATIFIED = "ratified", _("A new version was ratified")
    NUDGE = "nudge", _("Gentle reminders when something waits on you")
    CHECKIN_REMINDER = "checkin_reminder", _("Reminders of coming check-ins")
    TENDING_SIGNAL = "tending_signal", _("Tending signals from the other parties")
    CONVERSATION = "conversation", _("Conversations: invitations and updates")
    CLOSING = "closing", _("Closing or reopening an alliance")


# Account mail (sign-in, password reset) and invitations (to people without an account)
# must always arrive; everything else a person may turn off.
REQUIRED_KINDS = frozenset({EmailKind.ACCOUNT, EmailKind.INVITATION})
OPTIONAL_KINDS = [kind for kind in EmailKind if kind not in REQUIRED_KINDS]


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


def new_message_id() -> str:
    """An RFC 5322 Message-ID, fixed at creation so every attempt carries the same one."""
    return f"<{secrets.token_hex(16)}@{mail_domain(settings.BASE_URL)}>"


def list_id(kind: str) -> str:
    """The RFC 2919 List-Id of one kind of email, e.g. `<checkin-reminder.example.org>`:
    the same for every message of that kind, so a mail filter or a client's rule can
    sort them. Its namespace must be a domain name: a site reached by an IP address uses
    the RFC's namespace for lists without one, `localhost`."""
    label = kind.replace("_", "-")
    domain = mail_domain(settings.BASE_URL)
    namespace = "localhost" if domain.startswith("[") else domain
    return f'"{EmailKind(kind).label}" <{label}.{namespace}>'


class OutboxMessage(models.Model):
    """One email to one recipient, from queued to sent (or failed, or cancelled).

    A worker claims a row (state `sending`, `claimed_by`, `claimed_at`) before it talks to
    the mail server and marks it `sent` right after; a claim older than
    `OUTBOX_CLAIM_TIMEOUT` belongs to a worker that died, and the row is due again.
    """

    to_email = models.EmailField(max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The person the email is for, when it goes to an account."),
    )
    kind = models.CharField(max_length=32, choices=EmailKind.choices)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(
        default=list, blank=True, help_text=_("[filename, text content, MIME type] triples.")
    )
    message_id = models.CharField(max_length=255, unique=True, default=new_message_id)
    created_at = models.DateTimeField(default=now)
    due_at = models.DateTimeField(default=now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    dedupe_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Set for mail that must be queued at most once, such as a reminder."),
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="outbox_state_due"),
            # Nudge providers ask which nudges a person had lately.
            models.Index(fields=["recipient", "kind", "created_at"], name="outbox_recipient_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"


# How many days before a check-in its reminder comes, for whoever never chose.
DEFAULT_REMINDER_DAYS = 3


class NotificationPreferences(models.Model):
    """Which optional kinds of email a person gets, and how early check-in reminders come.

    Kinds are stored as a list of the ones turned off, so a kind added later is on for
    everyone without a migration.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    muted_kinds = models.JSONField(default=list, blank=True)
    checkin_reminder_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REMINDER_DAYS,
        help_text=_("How many days before a check-in the reminder comes."),
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def wants(self, kind: str) -> bool:
        return kind in REQUIRED_KINDS or kind not in self.muted_kinds
