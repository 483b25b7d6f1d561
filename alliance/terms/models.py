from typing import Any

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Alliance, AppendOnlyError, Party
from alliance.lib.clock import now
from alliance.record.chain import readable_snapshot


class Category(models.TextChoices):
    RHYTHM = "rhythm", _("Rhythm and touch points")
    COMMUNICATION = "communication", _("Communication")
    TIME = "time", _("Time and commitment")
    CONFLICT = "conflict", _("Conflict")
    VALUES = "values", _("Values")
    BOUNDARIES = "boundaries", _("Boundaries")
    EXPECTATIONS = "expectations", _("Expectations")
    OTHER = "other", _("Other")


class TermStatus(models.TextChoices):
    ACTIVE = "active", _("In the draft")
    WITHDRAWN = "withdrawn", _("Withdrawn, removal awaits ratification")
    REMOVED = "removed", _("Removed")


class Term(models.Model):
    """One agreement inside an alliance, as it stands in the draft.

    `revision` rises on every edit; saves compare it (optimistic locking), so two parties
    editing at once never silently overwrite each other.
    """

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="terms")
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.TextField(max_length=2000)
    note = models.TextField(max_length=2000, blank=True)
    proposed_by = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    revision = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=TermStatus.choices, default="active")
    withdrawn_by = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["alliance", "status"]),
            # Nudges look for drafts changed lately.
            models.Index(fields=["updated_at"], name="term_updated_at"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Decision(models.TextChoices):
    AGREE = "agree", _("I agree")
    CHANGE = "change", _("I ask for a change")


class Consent(models.Model):
    """A party's current answer to one term. Editing the term clears its consents."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(max_length=2000, blank=True)
    decided_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["term", "party"], name="one_consent_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.get_decision_display()}"


class Version(models.Model):
    """A ratified, immutable snapshot of an alliance's terms and of who agreed when.

    `content_hash` is the SHA-256 of the previous version's hash and this snapshot, so any
    later change to a stored version breaks the chain (see `alliance.record.verify`).
    """

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    ratified_at = models.DateTimeField(default=now)
    ratified_by = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    previous_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64)
    # The hashing scheme the version was sealed with (`alliance.record.chain`); versions
    # sealed before names moved out of the snapshot keep verifying under scheme 1.
    scheme = models.PositiveSmallIntegerField(default=1)
    # Scheme 2: each signer's name and salt by party id, which the sealed snapshot commits
    # to without holding; an erased person's entry keeps only their pseudonym.
    names = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "number"], name="version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.alliance} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("A ratified version never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("A ratified version is never deleted.")

    @cached_property
    def readable(self) -> dict[str, Any]:
        """The snapshot as people read it, whatever its scheme: every signature and
        agreement with the signer's name (an erased person's pseudonym)."""
        return readable_snapshot(self.snapshot, self.names)
