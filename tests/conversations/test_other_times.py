"""None of these times suit me: a party declines every time offered and proposes others."""

import importlib
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances.models import Event
from alliance.conversations import services
from alliance.conversations.models import CandidateTime, StakeState, TimeAnswer
from alliance.conversations.selectors import proposal_thread
from alliance.lib.clock import now
from tests.conftest import login
from tests.conversations.factories import plant, soon
from tests.factories import join, make_alliance, make_user
from tests.helpers import page_text

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def answers(stake) -> dict[tuple[str, datetime], bool]:
    return {
        (a.party.user.name, a.candidate.starts_at): a.works
        for a in TimeAnswer.objects.filter(candidate__stake=stake).select_related(
            "party__user", "candidate"
        )
    }


def counter_url(cast, stake) -> str:
    return f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/other-times/"


def test_declining_records_no_to_every_earlier_time_and_yes_to_the_new_ones(cast):
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    mail.outbox.clear()
    services.stake_counter(party=cast.client_party, stake_id=stake.pk, times=[soon(5, 15), None])
    stake.refresh_from_db()
    assert stake.state == StakeState.PROPOSED
    assert answers(stake) == {
        ("Ana", soon(3)): True,
        ("Ana", soon(4)): True,
        ("Ben", soon(3)): False,
        ("Ben", soon(4)): False,
        ("Ben", soon(5, 15)): True,
    }
    new = stake.candidates.get(starts_at=soon(5, 15))
    assert new.proposed_by == cast.client_party
    assert {c.proposed_by for c in stake.candidates.exclude(pk=new.pk)} == {cast.coach_party}
    event = Event.objects.filter(alliance=cast.alliance).first()
    assert event.verb == "declined the proposed times and proposed others"
    assert event.data == {"stake": stake.pk, "declined": 2, "proposed": 1}
    # Ana is told; Ben, who did it, is not.
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "Ben proposes other times" in message.subject
    assert "declined all 2 times offered" in message.body
    assert f"{soon(5, 15):%A %-d %B}, 15:00" in message.body
    assert f"/conversations/{stake.pk}/" in message.body
    assert "suit Ben: they declined all 2 times offered" in message.alternatives[0][0]


def test_with_two_parties_a_counter_proposed_time_that_suits_both_schedules_it(cast):
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    ben = login(cast.client)
    ben.post(counter_url(cast, stake), {"time_1": soon(6, 14).strftime("%Y-%m-%dT%H:%M")})
    theirs = stake.candidates.get(proposed_by=cast.client_party)
    first, second = stake.candidates.filter(proposed_by=cast.coach_party)
    mail.outbox.clear()
    # Ana's form keeps her earlier ticks; she adds Ben's time.
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/times/",
        {"works": [first.pk, second.pk, theirs.pk]},
        follow=True,
    )
    assert "it is scheduled" in page_text(response)
    stake.refresh_from_db()
    assert stake.state == StakeState.SCHEDULED
    assert stake.starts_at == soon(6, 14)
    assert {m.to[0] for m in mail.outbox if m.attachments} == {
        "ana@example.org",
        "ben@example.org",
    }
    # Nobody's answer is lost: Ana's to her own times and Ben's no to them stay.
    assert answers(stake)[("Ana", first.starts_at)] is True
    assert answers(stake)[("Ben", first.starts_at)] is False


def test_with_three_parties_everyone_is_told_and_the_proposer_confirms(cast):
    carla = join(cast.alliance, make_user("Carla", "carla@example.org"), role="supervisor")
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    original = stake.candidates.first()
    services.stake_answer(party=carla, stake_id=stake.pk, works=[original.pk])
    mail.outbox.clear()
    services.stake_counter(
        party=cast.client_party, stake_id=stake.pk, times=[soon(7, 9), soon(8, 9)]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "carla@example.org"]
    new = stake.candidates.get(starts_at=soon(8, 9))
    services.stake_answer(party=carla, stake_id=stake.pk, works=[original.pk, new.pk])
    services.stake_answer(
        party=cast.coach_party,
        stake_id=stake.pk,
        works=[c.pk for c in stake.candidates.filter(proposed_by=cast.coach_party)] + [new.pk],
    )
    stake.refresh_from_db()
    assert stake.state == StakeState.PROPOSED
    # Carla's answer to the original time was kept through the counter-proposal.
    assert answers(stake)[("Carla", original.starts_at)] is True
    with pytest.raises(ValidationError, match="they confirm the time"):
        services.stake_schedule(party=cast.client_party, stake_id=stake.pk, candidate_id=new.pk)
    page = page_text(
        login(cast.coach).get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/")
    )
    assert f"Schedule {soon(8, 9):%a %-d %b}, 09:00" in page
    services.stake_schedule(party=cast.coach_party, stake_id=stake.pk, candidate_id=new.pk)
    stake.refresh_from_db()
    assert stake.starts_at == soon(8, 9)


def test_times_are_typed_in_the_decliners_zone(cast):
    cast.client.time_zone = "America/New_York"
    cast.client.save()
    with time_machine.travel(datetime(2027, 1, 10, 12, tzinfo=UTC)):
        stake = plant(cast.coach_party, [datetime(2027, 1, 20, 9, tzinfo=UTC)])
        response = login(cast.client).post(counter_url(cast, stake), {"time_1": "2027-01-21T10:00"})
    assert response.status_code == 302
    new = stake.candidates.get(proposed_by=cast.client_party)
    assert new.starts_at == datetime(2027, 1, 21, 10, tzinfo=NEW_YORK)
    assert "Thursday 21 January, 15:00" in mail.outbox[-1].body  # Ana reads UTC


def test_the_page_shows_who_proposed_and_declined_what(cast):
    stake = plant(cast.coach_party, [soon(3, 9), soon(4, 9)])
    services.stake_counter(party=cast.client_party, stake_id=stake.pk, times=[soon(5, 16)])
    page = page_text(
        login(cast.coach).get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/")
    )
    assert "How the times came about" in page
    day = "%a %-d %b"
    assert f"Proposed: {soon(3):{day}}, 09:00; {soon(4):{day}}, 09:00" in page
    assert f"Declined: {soon(3):{day}}, 09:00; {soon(4):{day}}, 09:00" in page
    assert f"Proposed: {soon(5):{day}}, 16:00" in page
    assert f"{soon(5):{day}}, 16:00 proposed by Ben" in page
    assert page.index("Ana ·") < page.index("Ben ·", page.index("How the times came about"))
    # Ana is asked on her dashboard about Ben's times.
    assert "Ben proposed times for a design conversation: say which suit you" in page_text(
        login(cast.coach).get("/")
    )
    assert "say which suit you" not in page_text(login(cast.client).get("/"))
    history = page_text(login(cast.coach).get(f"/alliances/{cast.alliance.pk}/history/"))
    assert "Ben declined the proposed times and proposed others" in history


def test_a_single_proposal_shows_no_thread(cast):
    stake = plant(cast.coach_party)
    page = page_text(
        login(cast.client).get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/")
    )
    assert "None of these suit me" in page
    assert "How the times came about" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2001-01-01T10:00", "Every time you offer must lie in the future."),
        ("9000-01-01T10:00", "days ahead"),
        (None, "is offered already; tick it among the times above instead."),
    ],
)
def test_refused_times_change_nothing_and_stay_in_the_form(cast, typed, message):
    stake = plant(cast.coach_party, [soon(3), soon(4)])
    typed = typed or soon(4).strftime("%Y-%m-%dT%H:%M")
    before = answers(stake)
    mail.outbox.clear()
    other = soon(20, 11).strftime("%Y-%m-%dT%H:%M")
    response = login(cast.client).post(counter_url(cast, stake), {"time_1": typed, "time_2": other})
    assert response.status_code == 400
    assert message in page_text(response)
    html = response.content.decode()
    assert f'value="{typed}"' in html
    assert f'value="{other}"' in html
    assert '<details id="other-times" open>' in html
    assert stake.candidates.count() == 2
    assert answers(stake) == before
    assert not mail.outbox


def test_too_many_times_are_refused(cast):
    stake = plant(cast.coach_party)
    with pytest.raises(ValidationError, match="at most 5"):
        services.stake_counter(
            party=cast.client_party, stake_id=stake.pk, times=[soon(d) for d in range(5, 11)]
        )
    assert stake.candidates.count() == 2


def test_rounds_of_other_times_stop_at_twenty_times_in_all(cast):
    """Counter-proposals cannot fill the page, nor the others' inboxes, without end."""
    stake = plant(cast.coach_party)  # two times
    for round_start in (5, 10, 15):
        party = cast.client_party if round_start != 10 else cast.coach_party
        services.stake_counter(
            party=party, stake_id=stake.pk, times=[soon(round_start + d) for d in range(5)]
        )
    assert stake.candidates.count() == 17
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="17 times on offer already"):
        services.stake_counter(
            party=cast.client_party, stake_id=stake.pk, times=[soon(30 + d) for d in range(4)]
        )
    assert stake.candidates.count() == 17
    assert not mail.outbox


@pytest.mark.parametrize("state", [StakeState.SCHEDULED, StakeState.CANCELLED])
def test_a_conversation_no_longer_looking_for_a_time_refuses(cast, state):
    stake = plant(cast.coach_party, [soon(3)])
    if state == StakeState.SCHEDULED:
        services.stake_answer(
            party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
        )
    else:
        services.stake_cancel(party=cast.coach_party, stake_id=stake.pk)
    typed = soon(9).strftime("%Y-%m-%dT%H:%M")
    response = login(cast.client).post(counter_url(cast, stake), {"time_1": typed}, follow=True)
    assert "This conversation is no longer looking for a time." in page_text(response)
    assert stake.candidates.count() == 1


def test_an_empty_form_asks_for_a_time(cast):
    stake = plant(cast.coach_party)
    response = login(cast.client).post(counter_url(cast, stake), {"time_1": ""})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)
    assert stake.candidates.count() == 2


def test_an_outsider_or_another_alliance_cannot_propose_times(cast):
    stake = plant(cast.coach_party)
    typed = {"time_1": soon(9).strftime("%Y-%m-%dT%H:%M")}
    assert login(cast.outsider).post(counter_url(cast, stake), typed).status_code == 404
    # A party of another alliance, using her own alliance's URL with this stake's id.
    theirs = make_alliance(cast.outsider, title="Zephyr team")
    response = login(cast.outsider).post(
        f"/alliances/{theirs.pk}/conversations/{stake.pk}/other-times/", typed
    )
    assert response.status_code == 404
    assert not CandidateTime.objects.filter(starts_at=soon(9)).exists()


def test_the_migration_gives_earlier_times_to_whoever_planted_the_stake(cast):
    migration = importlib.import_module(
        "alliance.conversations.migrations.0005_candidate_proposed_by"
    )
    stake = plant(cast.coach_party)
    CandidateTime.objects.update(proposed_by=None, proposed_at=now() + timedelta(days=1))
    migration.times_are_the_planters(django_apps, None)
    assert {(c.proposed_by, c.proposed_at) for c in stake.candidates.all()} == {
        (cast.coach_party, stake.created_at)
    }
    # One proposal, so no thread of proposals on the page.
    assert len(proposal_thread(list(stake.candidates.all()))) == 1
