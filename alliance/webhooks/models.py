"""Webhooks: endpoints people add, and the deliveries queued for them like mail.

An `Endpoint` receives the events of one alliance, or of every alliance its owner designs,
signed by the Standard Webhooks scheme with its `whsec_` secret. Each event an endpoint
chose becomes a `Delivery` row, written in the transaction of the change it reports; a
worker claims the row (as the outbox does), posts it and logs a `DeliveryAttempt`.
"""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from standardwebhooks import Webhook

from alliance.lib.clock import now


class EventType(models.TextChoices):
    """What an endpoint may choose to receive. The payloads carry ids and API URLs only."""

    PARTY_JOINED = "party.joined", _("Someone joined")
    PARTY_LEFT = "party.left", _("Someone left")
    TERM_PROPOSED = "term.proposed", _("A term was proposed")
    TERM_CHANGED = "term.changed", _("A term was changed")
    TERM_WITHDRAWN = "term.withdrawn", _("A term was withdrawn")
    CONSENT_GIVEN = "consent.given", _("Someone agreed to a term or asked for a change")
    VERSION_RATIFIED = "version.ratified", _("A version was ratified")
    CONVERSATION_SCHEDULED = "conversation.scheduled", _("A conversation was scheduled")
    CONVERSATION_CANCELLED = "conversation.cancelled", _("A conversation was cancelled")
    REVEAL_HAPPENED = "reveal.happened", _("Reflections were revealed")
    CHECKIN_DUE = "checkin.due", _("A check-in is coming (with your own reminder)")
    CHECKIN_COMPLETED = "checkin.completed", _("A check-in was completed")
    SIGNAL_RAISED = "signal.raised", _("A tending signal was raised")
    SIGNAL_ACKNOWLEDGED = "signal.acknowledged", _("A tending signal was acknowledged")
    SIGNAL_RESOLVED = "signal.resolved", _("A tending signal was resolved")
    ALLIANCE_RENAMED = "alliance.renamed", _("The alliance was renamed or its purpose changed")
    ALLIANCE_CLOSED = "alliance.closed", _("The alliance was closed")
    ALLIANCE_REOPENED = "alliance.reopened", _("The alliance was reopened")


# The test event, sent by hand; nobody chooses it.
PING = "ping"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    Webhook(secret)  # the package that signs reads it back, or this fails here
    return secret


def new_message_id() -> str:
    """The `webhook-id` of a message: the same on every attempt, so receivers dedupe."""
    return f"msg_{secrets.token_urlsafe(18)}"


class Endpoint(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    alliance = models.ForeignKey(
        "alliances.Alliance",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every alliance the owner designs."),
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text=_("The event types it receives."))
    secret = models.CharField(max_length=100, default=new_secret)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text=_("Deliveries failed in a row, every attempt spent.")
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "is_active"], name="webhook_owner_active")]

    def __str__(self) -> str:
        return f"Webhook {self.pk} of {self.owner_id} to {self.url}"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent")


class Delivery(models.Model):
    """One message to one endpoint. A worker claims it (state `sending`, `claimed_by`,
    `claimed_at`); a claim older than `WEBHOOKS_CLAIM_TIMEOUT` belongs to a worker that
    died, and the delivery is due again, with the same `message_id`."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    alliance = models.ForeignKey(
        "alliances.Alliance", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_type = models.CharField(max_length=40)
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} ({self.state})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_ms = models.PositiveIntegerField(default=0)
    response_body = models.CharField(
        max_length=500, blank=True, help_text=_("The first bytes of the response.")
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} in {self.response_ms} ms"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
