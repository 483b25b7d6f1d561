"""Withdrawing a term, withdrawing a proposed conversation and cancelling a scheduled one
ask first: the button leads to a page that says what will happen (GET changes nothing),
and only the confirming POST does it. No JavaScript needed."""

import re

from django.core import mail

from alliance.conversations import services as conversation_services
from alliance.conversations.models import Stake, StakeState
from alliance.terms.models import Term, TermStatus
from tests.conftest import login
from tests.conversations.factories import plant, soon
from tests.factories import make_alliance, make_user, party_of, propose, ratify_with
from tests.helpers import page_text


def _link(html: str, href: str) -> bool:
    """True when `href` is reached by a plain link, not by a form that posts at once."""
    return re.search(rf'<a [^>]*href="{re.escape(href)}"', html) is not None and (
        f'action="{href}"' not in html
    )


def test_withdrawing_a_term_asks_first_and_the_confirmation_withdraws_it(cast, as_client):
    term = propose(cast.coach_party, "We meet weekly.")
    url = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/"
    assert _link(as_client.get(f"/alliances/{cast.alliance.pk}/").content.decode(), url)
    question = as_client.get(url)
    assert question.status_code == 200
    text = page_text(question)
    assert "Withdraw this term?" in text
    assert "We meet weekly." in text
    assert "leaves the draft" in text
    term.refresh_from_db()
    assert term.status == TermStatus.ACTIVE
    done = as_client.post(url, {"revision": term.revision}, follow=True)
    assert "Term withdrawn from the draft." in page_text(done)
    term.refresh_from_db()
    assert term.status == TermStatus.REMOVED


def test_withdrawing_a_ratified_term_says_its_removal_needs_everyone(cast, as_coach):
    term = propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    text = page_text(as_coach.get(f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/"))
    assert "everyone agrees to its removal" in text
    assert Term.objects.get(pk=term.pk).status == TermStatus.ACTIVE


def test_asking_to_withdraw_a_term_no_longer_in_the_draft_says_so(cast, as_coach):
    """The question page says so itself and offers no button; the GET leaves no message
    behind for a later page."""
    term = propose(cast.coach_party, "We meet weekly.")
    url = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/"
    as_coach.post(url, {"revision": 1}, follow=True)
    again = as_coach.get(url)
    assert again.status_code == 200
    text = page_text(again)
    assert "This term was withdrawn already" in text
    assert "We meet weekly." in text
    assert "Withdraw the term" not in text
    assert 'name="revision"' not in again.content.decode()
    later = page_text(as_coach.get(f"/alliances/{cast.alliance.pk}/"))
    assert "withdrawn already" not in later
    assert "no longer in the draft" not in later


def test_another_alliances_term_is_not_found_on_the_question_page(cast, as_coach):
    theirs = make_alliance(make_user("Zoe"), title="Zoe's alliance")
    term = propose(party_of(theirs, theirs.parties.get().user), "We meet at dawn.")
    response = as_coach.get(f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/")
    assert response.status_code == 404
    assert "We meet at dawn." not in response.content.decode()


def test_cancelling_a_scheduled_conversation_asks_first(cast):
    stake = plant(cast.coach_party, [soon(3)])
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    base = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"
    ben = login(cast.client)
    assert _link(ben.get(base).content.decode(), base + "cancel/")
    mail.outbox.clear()
    question = ben.get(base + "cancel/")
    assert question.status_code == 200
    text = page_text(question)
    assert "Cancel this conversation?" in text
    assert "removed from everyone's calendar" in text
    assert Stake.objects.get(pk=stake.pk).state == StakeState.SCHEDULED
    assert mail.outbox == []
    ben.post(base + "cancel/")
    assert Stake.objects.get(pk=stake.pk).state == StakeState.CANCELLED
    assert len(mail.outbox) == 2


def test_withdrawing_a_proposed_conversation_asks_first(cast):
    stake = plant(cast.coach_party)
    base = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"
    ana = login(cast.coach)
    assert _link(ana.get(base).content.decode(), base + "cancel/")
    text = page_text(ana.get(base + "cancel/"))
    assert "Withdraw this proposal?" in text
    assert "their times are free again" in text
    assert Stake.objects.get(pk=stake.pk).state == StakeState.PROPOSED
    ana.post(base + "cancel/")
    assert Stake.objects.get(pk=stake.pk).state == StakeState.CANCELLED
    # Asking again about a cancelled conversation leads back to it.
    again = ana.get(base + "cancel/", follow=True)
    assert again.redirect_chain[-1][0] == base
    assert "This conversation was cancelled." in page_text(again)
