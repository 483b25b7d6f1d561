"""The record's own tables (the versions and history it guards live with their stages)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.lib.clock import now


class DataCopyState(models.TextChoices):
    WAITING = "waiting", _("Waiting for its turn")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready to download")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


# A request still on its way to a file: a person has at most one of these at a time.
OPEN_STATES = (DataCopyState.WAITING, DataCopyState.BUILDING)


class DataCopy(models.Model):
    """One person's request for a copy of all their data, from waiting to downloaded.

    A worker claims it (`building`, `claimed_at`) and refreshes `claimed_at` with each
    alliance it writes; a claim that stops moving belongs to a worker that died, and the
    request is built again from the start. The download link's token is stored only as a
    hash, made when the file is ready.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_copies"
    )
    requested_at = models.DateTimeField(default=now)
    state = models.CharField(
        max_length=12, choices=DataCopyState.choices, default=DataCopyState.WAITING
    )
    alliances_done = models.PositiveIntegerField(default=0)
    alliances_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "data copies"
        indexes = [
            # Workers look for the requests waiting, or building with a stale claim, and
            # for the ready ones whose time is up.
            models.Index(fields=["state", "requested_at"], name="datacopy_state_requested"),
            models.Index(fields=["user", "requested_at"], name="datacopy_user_requested"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state__in=OPEN_STATES),
                name="one_open_data_copy",
            )
        ]

    def __str__(self) -> str:
        return f"Data copy {self.pk} of user {self.user_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
