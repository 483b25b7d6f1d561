"""Closing an alliance well: a proposal, a closing conversation reflected privately and
revealed, everyone agrees, and the alliance is closed: read-only, quiet, still readable.
Reopening takes everyone too."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services as alliance_services
from alliance.alliances.models import Event, Party
from alliance.alliances.services import AllianceClosed
from alliance.closing import services
from alliance.closing.models import ClosingProposal, ProposalOutcome
from alliance.conversations.library import CLOSING_THEME
from alliance.conversations.models import StakeKind
from alliance.terms.models import Term
from tests.conftest import login
from tests.conversations.factories import plant, share
from tests.factories import close_with, join, make_user, party_of, propose, ratify_with
from tests.helpers import page_text


def closed(cast) -> bool:
    cast.alliance.refresh_from_db()
    return cast.alliance.closed_at is not None


def test_the_closing_journey_from_proposal_to_closed(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    ana, ben = login(cast.coach), login(cast.client)
    url = f"/alliances/{cast.alliance.pk}/closing/"
    mail.outbox.clear()

    response = ana.post(url + "propose/", {"note": "We have reached what we set out to do."})
    assert response.status_code == 302
    told = [m for m in mail.outbox if m.to == ["ben@example.org"]]
    assert len(told) == 1
    assert "Ana proposes to close" in told[0].subject
    assert "We have reached what we set out to do." in told[0].body
    assert not [m for m in mail.outbox if m.to == ["ana@example.org"]]
    page = page_text(ben.get(url))
    assert "A proposal to close the alliance" in page
    assert "We have reached what we set out to do." in page

    # The closing conversation, planted from the proposal's page: its own prompts only.
    assert "?kind=closing" in ben.get(url).content.decode()
    form = page_text(ana.get(f"/alliances/{cast.alliance.pk}/conversations/new/?kind=closing"))
    assert "We are coming to the end of this alliance" in form
    stake = plant(cast.coach_party, kind=StakeKind.CLOSING)
    conversation = page_text(ana.get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"))
    assert "what did we achieve together" in conversation
    assert "When this relationship is at its best" not in conversation
    prompts = list(cast.alliance.prompts.filter(theme=CLOSING_THEME).order_by("position"))
    assert len(prompts) == 5
    assert "Open the closing conversation" in page_text(ben.get(url))

    # Private until both have shared, then side by side.
    share(cast.coach_party, stake, prompts[2], "I appreciate your patience with me.")
    board = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/?prompt={prompts[2].pk}"
    assert "your patience" not in page_text(ben.get(board))
    share(cast.client_party, stake, prompts[2], "I appreciate your honesty.")
    assert "your patience" in page_text(ben.get(board))
    assert "your honesty" in page_text(ana.get(board))

    # Everyone agrees: closed, recorded, told.
    proposal = ClosingProposal.objects.get(alliance=cast.alliance)
    ana.post(url + "agree/", {"proposal": proposal.pk})
    assert not closed(cast)
    assert "not yet" in page_text(ana.get(url))
    mail.outbox.clear()
    ben.post(url + "agree/", {"proposal": proposal.pk})
    assert closed(cast)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    assert all("is closed" in m.subject for m in mail.outbox)
    kinds = list(
        Event.objects.filter(alliance=cast.alliance)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    assert "closing_proposed" in kinds
    assert kinds[-3:] == ["closing_agreed", "closing_agreed", "closed"]
    page = page_text(ana.get(f"/alliances/{cast.alliance.pk}/"))
    assert "Closed on" in page
    assert "Propose a term" not in page
    assert "Invite someone" not in page
    # The record stays: versions, history and export.
    assert ana.get(f"/alliances/{cast.alliance.pk}/versions/1/").status_code == 200
    assert "every party agreed, and the alliance is closed" in page_text(
        ben.get(f"/alliances/{cast.alliance.pk}/history/")
    )
    export = ben.get(f"/alliances/{cast.alliance.pk}/export.json")
    assert export.status_code == 200
    assert export.json()["alliance"]["closed_at"] is not None


def test_nothing_closes_before_every_party_agreed(cast):
    proposal = services.closing_propose(party=cast.coach_party)
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    assert not closed(cast)
    with pytest.raises(ValidationError):
        services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    assert closed(cast)


def test_only_the_proposer_withdraws_and_then_nothing_is_open(cast):
    proposal = services.closing_propose(party=cast.coach_party, note="Time to stop.")
    ben = login(cast.client)
    url = f"/alliances/{cast.alliance.pk}/closing/"
    ben.post(url + "withdraw/", {"proposal": proposal.pk})
    assert "Only the person who proposed it can withdraw it." in page_text(ben.get(url))
    assert ClosingProposal.objects.get().is_open
    login(cast.coach).post(url + "withdraw/", {"proposal": proposal.pk})
    assert ClosingProposal.objects.get().outcome == ProposalOutcome.WITHDRAWN
    with pytest.raises(ValidationError):
        services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    assert not closed(cast)
    # A fresh proposal may follow.
    services.closing_propose(party=cast.client_party)


def test_one_proposal_at_a_time(cast):
    services.closing_propose(party=cast.coach_party)
    with pytest.raises(ValidationError):
        services.closing_propose(party=cast.client_party)


def test_a_newcomer_while_a_proposal_is_open_must_agree_too(cast):
    proposal = services.closing_propose(party=cast.coach_party)
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    cleo = join(cast.alliance, make_user("Cleo"), role="supervisor")
    services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    assert not closed(cast), "Cleo joined before everyone had agreed: she is asked too"
    services.proposal_agree(party=cleo, proposal_id=proposal.pk)
    assert closed(cast)


def test_when_the_only_one_not_yet_agreed_leaves_it_closes(cast):
    cleo_user = make_user("Cleo")
    cleo = join(cast.alliance, cleo_user, role="supervisor")
    proposal = services.closing_propose(party=cast.coach_party)
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    alliance_services.party_leave(party=cleo)
    assert closed(cast)


def test_a_proposal_lapses_when_its_proposer_leaves(cast):
    cleo = join(cast.alliance, make_user("Cleo"), role="supervisor")
    proposal = services.closing_propose(party=cleo)
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    alliance_services.party_leave(party=cleo)
    proposal.refresh_from_db()
    assert proposal.outcome == ProposalOutcome.WITHDRAWN
    assert not closed(cast), "Ben never agreed"
    services.closing_propose(party=cast.client_party)


def test_someone_who_comes_back_answers_afresh(cast):
    cleo_user = make_user("Cleo")
    cleo = join(cast.alliance, cleo_user, role="supervisor")
    proposal = services.closing_propose(party=cast.coach_party)
    services.proposal_agree(party=cleo, proposal_id=proposal.pk)
    alliance_services.party_leave(party=cleo)
    cleo = join(cast.alliance, cleo_user, role="supervisor")
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    assert not closed(cast)
    services.proposal_agree(party=cleo, proposal_id=proposal.pk)
    assert closed(cast)


def test_observers_are_never_waited_for_and_never_agree(cast):
    sponsor = Party.everyone.create(
        alliance=cast.alliance, user=make_user("Sam"), role_label="sponsor", is_observer=True
    )
    proposal = services.closing_propose(party=cast.coach_party)
    with pytest.raises(ValidationError):
        services.proposal_agree(party=sponsor, proposal_id=proposal.pk)
    with pytest.raises(ValidationError):
        services.closing_propose(party=sponsor)
    assert not any(m.to == [sponsor.user.email] for m in mail.outbox), "asked, never"
    services.proposal_agree(party=cast.coach_party, proposal_id=proposal.pk)
    services.proposal_agree(party=cast.client_party, proposal_id=proposal.pk)
    assert closed(cast)
    told = [m for m in mail.outbox if m.to == [sponsor.user.email]]
    assert len(told) == 1, "observers are told it closed"
    assert "is closed" in told[0].subject
    # Nor promised what an observer cannot open: the history and the export are 404 to them.
    assert "history and export" not in told[0].body
    assert "what its parties allow observers to see" in told[0].body
    assert "you are a party" not in told[0].body, "an observer is not called a party"
    parties_told = [m.body for m in mail.outbox if m.to == [cast.client.email]]
    assert "its versions, history and export stay yours to read" in parties_told[-1]
    # Its history and export are the parties' own: the mail promises an observer neither.
    for body in (told[0].body, told[0].alternatives[0][0]):
        assert "history" not in body
        assert "export" not in body


def test_services_refuse_every_change_to_a_closed_alliance(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    close_with(cast.coach_party, cast.client_party)
    terms = Term.objects.count()
    with pytest.raises(AllianceClosed):
        propose(party_of(cast.alliance, cast.coach), "A new term.")
    with pytest.raises(AllianceClosed):
        alliance_services.invitation_create(party=party_of(cast.alliance, cast.coach))
    with pytest.raises(AllianceClosed):
        alliance_services.party_leave(party=party_of(cast.alliance, cast.client))
    with pytest.raises(AllianceClosed):
        services.closing_propose(party=party_of(cast.alliance, cast.client))
    assert Term.objects.count() == terms
    assert Party.objects.filter(alliance=cast.alliance).count() == 2


def test_an_invitation_to_a_closed_alliance_no_longer_works(cast):
    _, raw = alliance_services.invitation_create(party=cast.coach_party)
    close_with(cast.coach_party, cast.client_party)
    carla = make_user("Carla")
    page = page_text(login(carla).get(f"/invitations/{raw}/"))
    assert "closed it, so nobody can join it" in page
    with pytest.raises(alliance_services.InvitationUnusable):
        alliance_services.invitation_accept(raw_token=raw, user=carla, role_label="peer")
    assert not Party.everyone.filter(user=carla).exists()


def test_reopening_needs_everyone_and_then_the_alliance_changes_again(cast):
    close_with(cast.coach_party, cast.client_party)
    ana, ben = login(cast.coach), login(cast.client)
    url = f"/alliances/{cast.alliance.pk}/closing/"
    assert "Reopen the alliance" in page_text(ana.get(url))
    ana.post(url + "propose/", {"note": "Shall we start again?"})
    proposal = ClosingProposal.objects.get(outcome=ProposalOutcome.OPEN)
    assert proposal.kind == "reopen"
    ana.post(url + "agree/", {"proposal": proposal.pk})
    assert closed(cast), "Ben has not agreed yet"
    response = ana.post(
        f"/alliances/{cast.alliance.pk}/terms/new/", {"category": "rhythm", "text": "Too early."}
    )
    assert response.status_code == 302
    assert not Term.objects.exists()
    ben.post(url + "agree/", {"proposal": proposal.pk})
    assert not closed(cast)
    assert Event.objects.filter(alliance=cast.alliance, kind="reopened").exists()
    ana.post(f"/alliances/{cast.alliance.pk}/terms/new/", {"category": "rhythm", "text": "Now."})
    assert Term.objects.filter(text="Now.").exists()


def test_bad_input_changes_nothing_and_keeps_the_text(cast):
    ana = login(cast.coach)
    url = f"/alliances/{cast.alliance.pk}/closing/"
    long_note = "We did it. " * 300
    response = ana.post(url + "propose/", {"note": long_note})
    assert response.status_code == 400
    assert "We did it." in response.content.decode()
    for value in ("", "x", "-1", "99999999999999999999999"):
        assert ana.post(url + "agree/", {"proposal": value}).status_code == 302
        assert ana.post(url + "withdraw/", {"proposal": value}).status_code == 302
    assert not ClosingProposal.objects.exists()


def test_a_closing_prompt_is_answered_only_in_the_closing_conversation(cast):
    design = plant(cast.coach_party)
    closing_prompt = cast.alliance.prompts.filter(theme=CLOSING_THEME).first()
    with pytest.raises(ValidationError):
        share(cast.coach_party, design, closing_prompt, "Out of place.")
    closing = plant(cast.coach_party, kind=StakeKind.CLOSING)
    design_prompt = cast.alliance.prompts.exclude(theme=CLOSING_THEME).first()
    with pytest.raises(ValidationError):
        share(cast.coach_party, closing, design_prompt, "Out of place too.")
