"""The dashboard says what each conversation waits on, for the person looking."""

from alliance.alliances.services import party_leave
from alliance.conversations import services
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_user
from tests.helpers import page_text


def test_the_dashboard_names_what_a_conversation_waits_on(cast):
    stake = plant(cast.coach_party)
    assert "Ana proposed times for a design conversation: say which suit you" in page_text(
        login(cast.client).get("/")
    )
    assert "say which suit you" not in page_text(login(cast.coach).get("/"))

    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    stake.refresh_from_db()
    assert f"Design conversation {stake.starts_at:%a %-d %b}" in page_text(
        login(cast.client).get("/")
    )
    share(cast.coach_party, stake, first_prompt(stake), "I want calm sessions.")
    assert "1 prompt awaits your reflection" in page_text(login(cast.client).get("/"))
    assert "awaits your reflection" not in page_text(login(cast.coach).get("/"))


def test_with_three_parties_the_proposer_is_told_to_schedule(cast):
    carla = join(cast.alliance, make_user("Carla"), role="supervisor")
    stake = plant(cast.coach_party)
    first = stake.candidates.first().pk
    services.stake_answer(party=cast.client_party, stake_id=stake.pk, works=[first])
    services.stake_answer(party=carla, stake_id=stake.pk, works=[first])
    assert "A time suits everyone: schedule the design conversation" in page_text(
        login(cast.coach).get("/")
    )


def test_times_offered_by_someone_who_left_still_name_them(cast):
    """Leaving does not call off a conversation the leaver proposed: the others are
    still asked to answer Ana's times, in her name."""
    join(cast.alliance, make_user("Carla"), role="supervisor")
    plant(cast.coach_party)
    party_leave(party=cast.coach_party)
    assert "Ana proposed times for a design conversation: say which suit you" in page_text(
        login(cast.client).get("/")
    )
