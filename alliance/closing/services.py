"""Writes for closing an alliance well: proposing to close it (or to reopen it), agreeing,
withdrawing. Every designing party of the moment must agree; observers never do.

Who must agree is read afresh at every step: a party who joins while a proposal is open
must agree too, and one who comes back answers afresh; one who leaves is no longer waited
for, so their leaving can be what settles it. Nobody joins or leaves a closed alliance
(both are changes, refused), so the parties asked to reopen it are the ones who closed it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.alliances.reactions import on_party_leave, on_party_return
from alliance.alliances.services import AllianceClosed, event_record
from alliance.closing.models import (
    ClosingAgreement,
    ClosingEvent,
    ClosingProposal,
    ProposalKind,
    ProposalOutcome,
)
from alliance.lib.clock import now
from alliance.lib.mail import send_templated
from alliance.outbox.models import EmailKind

NOTE_LIMIT = 2000

PROPOSED: dict[str, str] = {
    ProposalKind.CLOSE: ClosingEvent.CLOSING_PROPOSED,
    ProposalKind.REOPEN: ClosingEvent.REOPENING_PROPOSED,
}
AGREED: dict[str, str] = {
    ProposalKind.CLOSE: ClosingEvent.CLOSING_AGREED,
    ProposalKind.REOPEN: ClosingEvent.REOPENING_AGREED,
}
WITHDRAWN: dict[str, str] = {
    ProposalKind.CLOSE: ClosingEvent.CLOSING_WITHDRAWN,
    ProposalKind.REOPEN: ClosingEvent.REOPENING_WITHDRAWN,
}


def _lock(alliance_id: int) -> Alliance:
    return Alliance.objects.select_for_update().get(pk=alliance_id)


def _designing(party: Party) -> None:
    if party.is_observer or party.left_at is not None:
        raise ValidationError(_("Only the parties who design this alliance close or reopen it."))


def _check_state(alliance: Alliance, kind: str) -> None:
    """A closing proposal acts on an open alliance, a reopening one on a closed one."""
    if kind == ProposalKind.CLOSE and alliance.closed_at is not None:
        raise AllianceClosed
    if kind == ProposalKind.REOPEN and alliance.closed_at is None:
        raise ValidationError(_("This alliance is open: there is nothing to reopen."))


def _open_proposal(alliance_id: int) -> ClosingProposal | None:
    return (
        ClosingProposal.objects.select_for_update()
        .filter(alliance_id=alliance_id, outcome=ProposalOutcome.OPEN)
        .first()
    )


def _tell(
    alliance: Alliance,
    sender: Party | None,
    template: str,
    *,
    observers: bool = False,
    **context: object,
) -> None:
    """Mail the designing parties but `sender`; with `observers`, the observers too (they
    hear that it closed or reopened, never asked to agree)."""
    parties = Party.present if observers else Party.objects
    for other in parties.filter(alliance=alliance).select_related("user"):
        if sender is None or other.pk != sender.pk:
            send_templated(
                EmailKind.CLOSING,
                template=template,
                to=other.user,
                context={"alliance": alliance, "party": other, **context},
            )


@transaction.atomic
def _propose(*, party: Party, kind: str, note: str) -> ClosingProposal:
    _designing(party)
    alliance = _lock(party.alliance_id)
    _check_state(alliance, kind)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError(
            {"note": _("Keep the note under %(limit)d characters.") % {"limit": NOTE_LIMIT}}
        )
    if _open_proposal(alliance.pk) is not None:
        raise ValidationError(
            _("A proposal is already open here: agree to it, or let its proposer withdraw it.")
        )
    proposal = ClosingProposal.objects.create(
        alliance=alliance, kind=kind, proposed_by=party, note=note
    )
    event_record(alliance=alliance, actor=party.user, kind=PROPOSED[kind], text=note)
    _tell(
        alliance,
        party,
        "closing_proposed",
        proposal=proposal,
        proposer=party.user.name,
        reopening=kind == ProposalKind.REOPEN,
    )
    return proposal


def closing_propose(*, party: Party, note: str = "") -> ClosingProposal:
    """Propose to close the alliance; the others are told by email. Nothing closes until
    every designing party (the proposer too) has agreed."""
    return _propose(party=party, kind=ProposalKind.CLOSE, note=note)


def reopening_propose(*, party: Party, note: str = "") -> ClosingProposal:
    """Propose to reopen a closed alliance; it reopens when every designing party agrees."""
    return _propose(party=party, kind=ProposalKind.REOPEN, note=note)


def _proposal(party: Party, proposal_id: int) -> ClosingProposal:
    proposal = _open_proposal(party.alliance_id)
    if proposal is None or proposal.pk != proposal_id:
        raise ValidationError({"proposal_id": _("That proposal is no longer open.")})
    return proposal


@transaction.atomic
def proposal_withdraw(*, party: Party, proposal_id: int) -> ClosingProposal:
    """The proposer takes their proposal back; the agreements given to it lapse."""
    _lock(party.alliance_id)
    proposal = _proposal(party, proposal_id)
    if proposal.proposed_by_id != party.pk:
        raise ValidationError(_("Only the person who proposed it can withdraw it."))
    proposal.outcome = ProposalOutcome.WITHDRAWN
    proposal.settled_at = now()
    proposal.save(update_fields=["outcome", "settled_at"])
    event_record(alliance=party.alliance, actor=party.user, kind=WITHDRAWN[proposal.kind])
    return proposal


@transaction.atomic
def proposal_agree(*, party: Party, proposal_id: int) -> ClosingProposal:
    """`party` agrees to the open proposal; the last agreement carries it (closes or
    reopens the alliance) and everyone is told."""
    _designing(party)
    alliance = _lock(party.alliance_id)
    proposal = _proposal(party, proposal_id)
    _check_state(alliance, proposal.kind)
    made = ClosingAgreement.objects.get_or_create(proposal=proposal, party=party)[1]
    if not made:
        raise ValidationError(_("You have already agreed; the others have yet to."))
    event_record(alliance=alliance, actor=party.user, kind=AGREED[proposal.kind])
    _carry_if_everyone_agreed(alliance, proposal, actor=party.user)
    return proposal


def _carry_if_everyone_agreed(alliance: Alliance, proposal: ClosingProposal, actor: User) -> bool:
    designing = set(Party.objects.filter(alliance=alliance).values_list("pk", flat=True))
    agreed = set(proposal.agreements.values_list("party_id", flat=True))
    if not designing or not designing <= agreed:
        return False
    at = now()
    if proposal.kind == ProposalKind.CLOSE:
        # Recorded while the alliance is still open: the last change it takes.
        event_record(alliance=alliance, actor=actor, kind=ClosingEvent.CLOSED)
        alliance.closed_at = at
    else:
        alliance.closed_at = None
        event_record(alliance=alliance, actor=actor, kind=ClosingEvent.REOPENED)
    alliance.save(update_fields=["closed_at"])
    proposal.outcome = ProposalOutcome.CARRIED
    proposal.settled_at = at
    proposal.save(update_fields=["outcome", "settled_at"])
    _tell(
        alliance,
        None,
        "alliance_closed" if proposal.kind == ProposalKind.CLOSE else "alliance_reopened",
        observers=True,
        closed_at=at,
    )
    return True


@on_party_leave
def _settle_after_leave(party: Party) -> None:
    """Whoever left is no longer waited for: if the others have all agreed, it carries.
    Otherwise a proposal of theirs lapses with them, as if withdrawn: nobody else could
    withdraw it, and it would stand in the way of the next one."""
    proposal = _open_proposal(party.alliance_id)
    if proposal is None:
        return
    alliance = Alliance.objects.get(pk=party.alliance_id)
    if _carry_if_everyone_agreed(alliance, proposal, actor=party.user):
        return
    if proposal.proposed_by_id == party.pk:
        proposal.outcome = ProposalOutcome.WITHDRAWN
        proposal.settled_at = now()
        proposal.save(update_fields=["outcome", "settled_at"])
        event_record(alliance=alliance, actor=party.user, kind=WITHDRAWN[proposal.kind])


@on_party_return
def _forget_agreement_on_return(party: Party) -> None:
    """Someone who comes back answers afresh, as they do on terms."""
    ClosingAgreement.objects.filter(party=party, proposal__outcome=ProposalOutcome.OPEN).delete()
