"""Every email Alliance sends is an `OutboxMessage` row first; workers send the rows."""

import secrets
from typing import Any

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
    SIGNAL_PROGRESS = "signal_progress", _("Tending signals acknowledged or resolved")
    TERM_CHANGE = "term_change", _("Terms proposed or changed by the others")
    ALLIANCE_CHANGED = "alliance_changed", _("An alliance was renamed or its purpose changed")
    CONVERSATION = "conversation", _("Conversations: proposed times and answers")
    CLOSING = "closing", _("Closing or reopening an alliance")
    PARTY_ERASED = "party_erased", _("Someone in your alliance erased their account")
    CALENDAR = "calendar", _("Calendar invitations to scheduled conversations")
    DIGEST = "digest", _("The daily digest")
    DATA_COPY = "data_copy", _("The copy of your data you asked for")
    WEBHOOK_DISABLED = "webhook_disabled", _("A webhook of yours was turned off after failures")


# Why these kinds always come as they happen: shown beside them on the preferences page.
REQUIRED_KINDS: dict[str, Any] = {
    EmailKind.ACCOUNT: _("Sign-in links and password resets are needed the moment you ask."),
    EmailKind.INVITATION: _(
        "An invitation goes to an address that may have no account yet, so no choice applies."
    ),
    EmailKind.CALENDAR: _(
        "They carry the event your calendar adds or moves; a digest could not carry it."
    ),
    EmailKind.DATA_COPY: _("You asked for it, and its link is the one way to download your copy."),
    EmailKind.WEBHOOK_DISABLED: _(
        "A webhook of yours stopped receiving events: only you can turn it on again."
    ),
}
# The kinds a person chooses for. The digest is what some of those choices produce: it
# has no choice of its own, only its unsubscribe link.
OPTIONAL_KINDS = [kind for kind in EmailKind if kind not in REQUIRED_KINDS and kind != "digest"]


class Delivery(models.TextChoices):
    """How a person gets one kind of email."""

    IMMEDIATE = "immediate", _("As it happens")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("Off")


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
            # A pass of the nudges asks which first nudges were queued a delay ago.
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="nudge"),
                name="outbox_nudge_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"


# How many days before a check-in its reminder comes, for whoever never chose.
DEFAULT_REMINDER_DAYS = 3


class NotificationPreferences(models.Model):
    """How a person gets each optional kind of email, and how early check-in reminders
    come.

    `deliveries` maps a kind to its `Delivery` for the kinds not sent as they happen, so
    a kind added later comes as it happens for everyone without a migration.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    deliveries = models.JSONField(default=dict, blank=True)
    checkin_reminder_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REMINDER_DAYS,
        help_text=_("How many days before a check-in the reminder comes."),
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "notification preferences"
        # The reminders' pass asks who chose anew since the previous one.
        indexes = [models.Index(fields=["updated_at"], name="preferences_updated_at")]

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def delivery_of(self, kind: str) -> Delivery:
        return delivery_in(self.deliveries, kind)


def delivery_in(deliveries: Any, kind: str) -> Delivery:
    """The delivery of `kind` in a stored `deliveries` value; as it happens for a kind
    nobody can choose for and for whatever the column holds that is not a choice (a
    hand-edited row must not stop anyone's mail)."""
    if kind not in OPTIONAL_KINDS or not isinstance(deliveries, dict):
        return Delivery.IMMEDIATE
    chosen = deliveries.get(kind)
    return Delivery(chosen) if chosen in Delivery.values else Delivery.IMMEDIATE


class DigestItem(models.Model):
    """One email held for its recipient's next daily digest instead of sent as it
    happened: a line that says what happened (the subject the email would have had, so
    never more than that email would have shown), a link, and the alliance it belongs
    to.

    `due_at` is the recipient's first digest morning after the item was held (in the time
    zone they had then; a move takes effect from the next item); the digest job looks for
    due items through the `digest_item_pending` index. `digested_at` is set
    in the transaction that queues the digest carrying the item, so an item is in one
    digest at most.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    alliance = models.ForeignKey("alliances.Alliance", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=EmailKind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)
    due_at = models.DateTimeField()
    digested_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The dedupe key of the email it stands for, when that had one."),
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(digested_at__isnull=True),
                name="digest_item_pending",
            ),
            models.Index(fields=["recipient", "digested_at"], name="digest_item_recipient"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="nudge"),
                name="digest_item_nudge_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} ({self.created_at:%Y-%m-%d %H:%M})"


class PassMark(models.Model):
    """How far one periodic job (a nudge provider, the check-in reminders) has looked:
    the moment of its last pass, and the alliance id its rolling sweep reached then (see
    `alliance.outbox.marks`)."""

    job = models.CharField(max_length=50, unique=True)
    reached_at = models.DateTimeField()
    swept_to = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.job} looked at until {self.reached_at:%Y-%m-%d %H:%M}"
