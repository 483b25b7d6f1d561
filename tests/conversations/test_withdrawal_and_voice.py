"""Hearing what changed, and an opening in the proposer's own voice."""

import pytest
from django.core import mail

from alliance.alliances.models import Event
from alliance.conversations import services
from alliance.conversations.models import Stake, StakeState
from tests.conftest import login
from tests.conversations.factories import plant, soon
from tests.factories import join, make_user
from tests.helpers import page_text


def test_withdrawing_a_proposal_tells_the_people_it_was_sent_to(cast):
    cleo = join(cast.alliance, make_user("Cleo", "cleo@example.org"), role="client")
    stake = plant(cast.coach_party)
    mail.outbox.clear()
    login(cast.coach).post(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/cancel/")
    stake.refresh_from_db()
    assert stake.state == StakeState.CANCELLED
    told = {address for m in mail.outbox for address in m.to}
    assert told == {"ben@example.org", cleo.user.email}
    for message in mail.outbox:
        assert message.subject.startswith("[Alliance] Withdrawn: the proposed design")
        assert "Ana withdrew the proposed design conversation" in message.body
        html = message.alternatives[0][0]
        assert "Ana withdrew the proposed design conversation" in html
        # No calendar entry was ever sent for a proposal, so no CANCEL either.
        assert not message.attachments
    assert Event.objects.filter(kind="stake_cancelled").count() == 1


def test_cancelling_a_scheduled_conversation_still_sends_everyone_a_cancel(cast):
    stake = plant(cast.coach_party, [soon(3)])
    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    mail.outbox.clear()
    services.stake_cancel(party=cast.client_party, stake_id=stake.pk)
    assert {m.to[0] for m in mail.outbox} == {"ana@example.org", "ben@example.org"}
    assert all("CANCEL" in m.attachments[0][2] for m in mail.outbox)


def new_stake_page(client, alliance_id) -> str:
    return page_text(client.get(f"/alliances/{alliance_id}/conversations/new/"))


def test_the_groundwork_speaks_in_the_voice_of_whoever_proposes(cast):
    coach_text = new_stake_page(login(cast.coach), cast.alliance.pk)
    client_text = new_stake_page(login(cast.client), cast.alliance.pk)
    assert "Before we start on your goals" in coach_text
    assert "Before we start on your goals" not in client_text
    assert "I want our coaching to work well for me and for you" in client_text


@pytest.mark.parametrize(
    ("kind", "opening"),
    [
        ("checkin", "I'd like us to look at how our alliance is working."),
        ("redesign", "Some of what we agreed is not working as we hoped."),
        ("design", "I want our coaching to work well for me and for you."),
    ],
)
def test_an_untouched_opening_follows_the_kind_of_conversation(cast, kind, opening):
    """Without JavaScript: the client leaves the design opening as offered and chooses a
    check-in; the check-in opens as a check-in."""
    offered = services.default_groundwork(cast.client_party)
    response = login(cast.client).post(
        f"/alliances/{cast.alliance.pk}/conversations/new/",
        {
            "kind": kind,
            "duration_minutes": 60,
            "time_1": soon(3).strftime("%Y-%m-%dT%H:%M"),
            "groundwork": offered,
        },
    )
    assert response.status_code == 302
    assert Stake.objects.get().groundwork.startswith(opening)


def test_words_the_proposer_typed_are_kept_whatever_the_kind(cast):
    typed = "Ana, I want to talk about how our Tuesdays feel lately."
    login(cast.client).post(
        f"/alliances/{cast.alliance.pk}/conversations/new/",
        {
            "kind": "checkin",
            "duration_minutes": 60,
            "time_1": soon(3).strftime("%Y-%m-%dT%H:%M"),
            "groundwork": typed,
        },
    )
    assert (
        Stake.objects.get().groundwork == "Ana, I want to talk about how our Tuesdays feel lately."
    )
