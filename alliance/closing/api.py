"""Closing an alliance well, or reopening it, through the API: the open proposal and who
agreed, propose, agree, withdraw. These are the writes a closed alliance still takes."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from alliance.alliances.models import Party
from alliance.api.access import answers, party
from alliance.api.texts import StorableText
from alliance.closing import selectors, services
from alliance.closing.models import ClosingProposal, ProposalKind, ProposalOutcome
from alliance.closing.selectors import ClosingState
from alliance.closing.services import NOTE_LIMIT
from alliance.lib.forms import MAX_ID

router = Router(tags=["closing"])


class ClosingPartyOut(Schema):
    party_id: int
    name: str
    role: str


def _party_out(p: Party) -> ClosingPartyOut:
    return ClosingPartyOut(party_id=p.pk, name=p.user.name, role=p.role_label)


class ProposalOut(Schema):
    id: int
    kind: ProposalKind
    note: str
    proposed_by: ClosingPartyOut
    created_at: datetime
    agreed: list[ClosingPartyOut]
    waiting_on: list[ClosingPartyOut]
    i_agreed: bool
    mine: bool = Field(description="The caller proposed it, and may withdraw it.")
    conversation_id: int | None = Field(
        description="The closing conversation (a stake) planted since the proposal, if any."
    )


class PastProposalOut(Schema):
    id: int
    kind: ProposalKind
    proposed_by: str
    created_at: datetime
    outcome: ProposalOutcome
    settled_at: datetime | None


class ClosingOut(Schema):
    closed_at: datetime | None = Field(description="Null while the alliance is open.")
    proposal: ProposalOut | None = Field(description="The proposal waiting for agreement.")
    history: list[PastProposalOut] = Field(description="Earlier proposals, newest first.")
    url: str


def _closing_out(me: Party) -> ClosingOut:
    me.alliance.refresh_from_db(fields=["closed_at"])
    state: ClosingState = selectors.closing_state(me)
    proposal: ClosingProposal | None = state.proposal
    return ClosingOut(
        closed_at=me.alliance.closed_at,
        proposal=ProposalOut(
            id=proposal.pk,
            kind=ProposalKind(proposal.kind),
            note=proposal.note,
            proposed_by=_party_out(proposal.proposed_by),
            created_at=proposal.created_at,
            agreed=[_party_out(p) for p in state.agreed_parties],
            waiting_on=[_party_out(p) for p in state.waiting_on],
            i_agreed=state.i_agreed,
            mine=state.mine,
            conversation_id=state.conversation.pk if state.conversation is not None else None,
        )
        if proposal is not None
        else None,
        history=[
            PastProposalOut(
                id=p.pk,
                kind=ProposalKind(p.kind),
                proposed_by=p.proposed_by.user.name,
                created_at=p.created_at,
                outcome=ProposalOutcome(p.outcome),
                settled_at=p.settled_at,
            )
            for p in state.history
        ],
        url=reverse("api:closing_detail", kwargs={"alliance_id": me.alliance_id}),
    )


@router.get(
    "/alliances/{id:alliance_id}/closing",
    response=ClosingOut,
    summary="Closing: where it stands",
    openapi_extra=answers("parties"),
)
def closing_detail(request: HttpRequest, alliance_id: int) -> ClosingOut:
    """Whether the alliance is closed, the proposal to close (or reopen) it that waits for
    agreement, who agreed and who has yet to, and the earlier proposals."""
    return _closing_out(party(request, alliance_id))


class ProposalIn(Schema):
    kind: ProposalKind = Field(
        description="`close` an open alliance, or `reopen` a closed one: what you mean to do."
    )
    note: StorableText = Field("", max_length=NOTE_LIMIT, description="A note to the others.")


@router.post(
    "/alliances/{id:alliance_id}/closing",
    response={201: ClosingOut},
    summary="Propose to close or reopen",
    openapi_extra=answers("parties"),
)
def closing_propose(
    request: HttpRequest, alliance_id: int, payload: ProposalIn
) -> Status[ClosingOut]:
    """Propose to close the alliance (or, once closed, to reopen it); the others are told
    by email. Nothing changes until every designing party, you too, has agreed. Proposing
    to close a closed alliance is 409."""
    me = party(request, alliance_id)
    propose = (
        services.reopening_propose
        if payload.kind == ProposalKind.REOPEN
        else services.closing_propose
    )
    propose(party=me, note=payload.note)
    return Status(201, _closing_out(me))


class ProposalChoiceIn(Schema):
    proposal_id: int = Field(
        ge=1, le=MAX_ID, strict=True, description="The proposal you read: not one made since."
    )


@router.post(
    "/alliances/{id:alliance_id}/closing/agree",
    response=ClosingOut,
    summary="Agree to close or reopen",
    openapi_extra=answers("parties"),
)
def closing_agree(request: HttpRequest, alliance_id: int, payload: ProposalChoiceIn) -> ClosingOut:
    """Agree to the open proposal. The last agreement carries it: the alliance closes (and
    takes no change from then on but the steps of reopening it) or opens again, and
    everyone, observers too, is told."""
    me = party(request, alliance_id)
    services.proposal_agree(party=me, proposal_id=payload.proposal_id)
    return _closing_out(me)


@router.post(
    "/alliances/{id:alliance_id}/closing/withdraw",
    response=ClosingOut,
    summary="Withdraw my proposal",
    openapi_extra=answers("parties"),
)
def closing_withdraw(
    request: HttpRequest, alliance_id: int, payload: ProposalChoiceIn
) -> ClosingOut:
    """Take back your own proposal; the agreements given to it lapse."""
    me = party(request, alliance_id)
    services.proposal_withdraw(party=me, proposal_id=payload.proposal_id)
    return _closing_out(me)
