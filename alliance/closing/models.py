from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Alliance, Party
from alliance.lib.clock import now


class ClosingEvent(models.TextChoices):
    CLOSING_PROPOSED = "closing_proposed", _("proposed to close the alliance")
    REOPENING_PROPOSED = "reopening_proposed", _("proposed to reopen the alliance")
    CLOSING_WITHDRAWN = "closing_withdrawn", _("withdrew the proposal to close the alliance")
    REOPENING_WITHDRAWN = "reopening_withdrawn", _("withdrew the proposal to reopen it")
    CLOSING_AGREED = "closing_agreed", _("agreed to close the alliance")
    REOPENING_AGREED = "reopening_agreed", _("agreed to reopen the alliance")
    # Whoever settled it: the last to agree, or the one whose leaving left no one waited on.
    CLOSED = "closed", _("settled it: every party agreed, and the alliance is closed")
    REOPENED = "reopened", _("settled it: every party agreed, and the alliance is open again")


class ProposalKind(models.TextChoices):
    CLOSE = "close", _("Close the alliance")
    REOPEN = "reopen", _("Reopen the alliance")


class ProposalOutcome(models.TextChoices):
    OPEN = "", _("Waiting for everyone to agree")
    CARRIED = "carried", _("Everyone agreed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ClosingProposal(models.Model):
    """A party's proposal to close the alliance, or to reopen it once closed. It carries
    when every designing party of the moment has agreed; one is open at a time."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="closing_proposals"
    )
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    proposed_by = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=now)
    outcome = models.CharField(
        max_length=10, choices=ProposalOutcome.choices, default=ProposalOutcome.OPEN, blank=True
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance"],
                condition=Q(outcome=""),
                name="one_open_closing_proposal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.alliance_id})"

    @property
    def is_open(self) -> bool:
        return self.outcome == ProposalOutcome.OPEN


class ClosingAgreement(models.Model):
    """One party's "I agree" to a proposal to close or reopen."""

    proposal = models.ForeignKey(
        ClosingProposal, on_delete=models.CASCADE, related_name="agreements"
    )
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    agreed_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["agreed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "party"], name="one_agreement_per_party")
        ]

    def __str__(self) -> str:
        return f"Party {self.party_id} agrees to proposal {self.proposal_id}"
