"""Factory functions for tests: real rows through the real services."""

import itertools
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress

from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Kind, Party
from alliance.terms import services as term_services
from alliance.terms.models import Category, Term, Version

if TYPE_CHECKING:
    from alliance.closing.models import ClosingProposal

PASSWORD = "a-long-test-password-9"
_counter = itertools.count(1)


def make_user(name: str = "", email: str = "", time_zone: str = "UTC") -> User:
    n = next(_counter)
    email = email or f"person{n}@example.org"
    user = User.objects.create_user(
        email, PASSWORD, display_name=name or f"Person {n}", time_zone=time_zone
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_alliance(
    creator: User, title: str = "Coaching", kind: str = Kind.COACHING, role: str = "coach"
) -> Alliance:
    return alliance_services.alliance_create(
        user=creator, title=title, kind=kind, purpose="Grow as a leader.", role_label=role
    )


def join(alliance: Alliance, user: User, role: str = "client", as_observer: bool = False) -> Party:
    inviter = alliance.parties.select_related("user", "alliance").first()
    assert inviter is not None
    _, raw = alliance_services.invitation_create(party=inviter, as_observer=as_observer)
    return alliance_services.invitation_accept(raw_token=raw, user=user, role_label=role)


def party_of(alliance: Alliance, user: User) -> Party:
    return Party.objects.select_related("alliance", "user").get(alliance=alliance, user=user)


def propose(party: Party, text: str, category: str = Category.RHYTHM, note: str = "") -> Term:
    return term_services.term_propose(party=party, category=category, text=text, note=note)


def agree_all(party: Party) -> None:
    from alliance.terms.selectors import draft_for

    for item in draft_for(party.alliance).items:
        if not item.agrees(party):
            term_services.consent_give(
                party=party, term_id=item.term.pk, revision=item.term.revision, decision="agree"
            )


def ratify_with(parties: list[Party]) -> Version:
    for party in parties:
        agree_all(party)
    return term_services.version_ratify(party=parties[0])


def close_with(*parties: Party) -> "ClosingProposal":
    """The first party proposes to close the alliance; every one of `parties` agrees."""
    from alliance.closing import services as closing_services

    proposal = closing_services.closing_propose(party=parties[0])
    for party in parties:
        closing_services.proposal_agree(party=party, proposal_id=proposal.pk)
    return proposal
