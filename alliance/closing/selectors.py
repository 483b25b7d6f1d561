"""Reads for closing an alliance: where a proposal to close or reopen it stands."""

from dataclasses import dataclass, field

from alliance.alliances.models import Party
from alliance.closing.models import ClosingProposal, ProposalOutcome
from alliance.conversations.models import Stake, StakeKind, StakeState


@dataclass
class ClosingState:
    """What the closing page shows one party."""

    party: Party
    parties: list[Party]  # the designing parties, who must all agree
    proposal: ClosingProposal | None
    agreed: set[int] = field(default_factory=set)
    # The closing conversation planted since the proposal, if any.
    conversation: Stake | None = None
    history: list[ClosingProposal] = field(default_factory=list)

    @property
    def i_agreed(self) -> bool:
        return self.party.pk in self.agreed

    @property
    def waiting_on(self) -> list[Party]:
        return [p for p in self.parties if p.pk not in self.agreed]

    @property
    def agreed_parties(self) -> list[Party]:
        return [p for p in self.parties if p.pk in self.agreed]

    @property
    def mine(self) -> bool:
        return self.proposal is not None and self.proposal.proposed_by_id == self.party.pk


def closing_state(party: Party) -> ClosingState:
    """Where closing (or reopening) `party`'s alliance stands, in a fixed number of queries."""
    alliance = party.alliance
    proposals = list(
        ClosingProposal.objects.filter(alliance=alliance)
        .select_related("proposed_by__user")
        .prefetch_related("agreements")
    )
    proposal = next((p for p in proposals if p.outcome == ProposalOutcome.OPEN), None)
    state = ClosingState(
        party=party,
        parties=list(Party.objects.filter(alliance=alliance).select_related("user")),
        proposal=proposal,
        history=[p for p in proposals if p is not proposal],
    )
    if proposal is not None:
        state.agreed = {a.party_id for a in proposal.agreements.all()}
        state.conversation = (
            Stake.objects.filter(
                alliance=alliance, kind=StakeKind.CLOSING, created_at__gte=proposal.created_at
            )
            .exclude(state=StakeState.CANCELLED)
            .first()
        )
    return state
