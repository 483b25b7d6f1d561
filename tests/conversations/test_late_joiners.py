"""A reveal is fixed to the parties who were there.

Ana and Ben reveal a prompt; Cleo joins later. The reveal never closes again for Ana and
Ben; Cleo neither reads what was revealed before she joined (on any surface) nor is waited
for on it. Prompts not yet revealed wait for her like for anyone.
"""

import importlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services as alliance_services
from alliance.conversations import services
from alliance.conversations.models import Reflection, Reveal
from alliance.conversations.selectors import conversation_for
from alliance.lib.clock import now
from alliance.outbox.nudges import nudges_queue
from tests.conftest import login
from tests.conversations.factories import plant, share
from tests.factories import join, make_alliance, make_user, party_of
from tests.helpers import page_text

ANA_SAYS = "Ana hopes the sessions stay brave and unhurried"
BEN_SAYS = "Ben wants candour about the quarterly targets"


@pytest.fixture
def revealed(cast):
    """A conversation whose first prompt Ana and Ben revealed before Cleo joined."""
    stake = plant(cast.coach_party)
    prompts = list(stake.alliance.prompts.order_by("position")[:2])
    share(cast.coach_party, stake, prompts[0], ANA_SAYS)
    share(cast.client_party, stake, prompts[0], BEN_SAYS)
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo, role="team member")
    return stake, prompts[0], prompts[1], party_of(cast.alliance, cleo)


def page(client, stake, prompt) -> str:
    base = f"/alliances/{stake.alliance_id}/conversations/{stake.pk}/"
    return page_text(client.get(f"{base}?prompt={prompt.pk}"))


def test_a_reveal_stays_open_for_those_who_were_there(cast, revealed):
    stake, first, _, _ = revealed
    text = page(login(cast.client), stake, first)
    assert ANA_SAYS in text
    assert BEN_SAYS in text
    assert "Cleo: not yet" not in text
    board = conversation_for(cast.client_party, stake).board(first.pk)
    assert board.revealed
    assert [a.party.user.name for a in board.answers] == ["Ana", "Ben"]


def test_a_late_joiner_reads_nothing_revealed_before_they_joined(cast, revealed):
    stake, first, _, cleo = revealed
    client = login(cleo.user)
    base = f"/alliances/{stake.alliance_id}/conversations/{stake.pk}/"
    conversation = page(client, stake, first)
    assert "revealed before you joined" in conversation
    board = page_text(client.get(f"{base}board/?prompt={first.pk}"))
    export = client.get(f"/alliances/{stake.alliance_id}/export.json").content.decode()
    for surface in (conversation, board, export):
        assert "brave and unhurried" not in surface
        assert "quarterly targets" not in surface
    for reflection in Reflection.objects.filter(stake=stake):
        url = f"/alliances/{stake.alliance_id}/reflections/{reflection.pk}/term/"
        assert client.get(url).status_code == 404


def test_a_late_joiner_cannot_answer_a_prompt_revealed_before_they_joined(cast, revealed):
    stake, first, _, cleo = revealed
    client = login(cleo.user)
    url = f"/alliances/{stake.alliance_id}/conversations/{stake.pk}/prompts/{first.pk}/reflection/"
    for action in ("skip", "share", "save"):
        response = client.post(url, {"text": "Cleo's view", "action": action}, follow=True)
        assert "brave and unhurried" not in response.content.decode()
        assert "revealed before you joined" in page_text(response)
    assert not Reflection.objects.filter(party=cleo).exists()
    with pytest.raises(ValidationError):
        services.reflection_skip(party=cleo, stake_id=stake.pk, prompt_id=first.pk)


def test_a_late_joiner_is_not_waited_for_on_a_revealed_prompt(cast, revealed):
    stake, first, _, cleo = revealed
    board = conversation_for(cleo, stake).board(None)
    # The page opens on a prompt Cleo can still answer, not on the closed one.
    assert board is not None
    assert board.prompt.pk != first.pk
    dashboard = page_text(login(cleo.user).get("/"))
    assert "awaits your reflection" not in dashboard


def test_a_prompt_not_yet_revealed_waits_for_the_late_joiner(cast, revealed):
    stake, _, second, cleo = revealed
    share(cast.coach_party, stake, second, "Ana on the second prompt")
    share(cast.client_party, stake, second, "Ben on the second prompt")
    assert not conversation_for(cast.client_party, stake).board(second.pk).revealed
    assert "Cleo: not yet" in page(login(cast.client), stake, second)
    share(cleo, stake, second, "Cleo on the second prompt")
    board = conversation_for(cleo, stake).board(second.pk)
    assert board.revealed
    assert [a.text for a in board.answers] == [
        "Ana on the second prompt",
        "Ben on the second prompt",
        "Cleo on the second prompt",
    ]


def test_a_party_who_left_keeps_their_revealed_reflection_visible_alike_everywhere(cast, revealed):
    """The conversation page and the "propose a term from this" page agree about a former
    party's reflection: revealed to the people who were there, it stays readable to them."""
    stake, first, _, _ = revealed
    ben = cast.client_party
    alliance_services.party_leave(party=ben)
    ana = login(cast.coach)
    assert BEN_SAYS in page(ana, stake, first)
    bens = Reflection.objects.get(stake=stake, prompt=first, party=ben)
    url = f"/alliances/{stake.alliance_id}/reflections/{bens.pk}/term/"
    assert ana.get(url).status_code == 200


def test_a_reflection_shared_by_someone_who_left_before_the_reveal_stays_hidden(cast):
    stake = plant(cast.coach_party)
    prompt = stake.alliance.prompts.order_by("position").first()
    cleo = join(cast.alliance, make_user("Cleo"), role="team member")
    share(cleo, stake, prompt, "Cleo spoke before leaving")
    alliance_services.party_leave(party=cleo)
    share(cast.coach_party, stake, prompt, ANA_SAYS)
    share(cast.client_party, stake, prompt, BEN_SAYS)
    assert "Cleo spoke" not in page(login(cast.coach), stake, prompt)
    cleos = Reflection.objects.get(party=cleo)
    url = f"/alliances/{stake.alliance_id}/reflections/{cleos.pk}/term/"
    assert login(cast.coach).get(url).status_code == 404


def test_saving_a_draft_after_skipping_does_not_close_the_reveal(cast, revealed):
    _, _, _, cleo = revealed
    stake = plant(cast.coach_party)
    prompt = stake.alliance.prompts.order_by("position").first()
    share(cast.coach_party, stake, prompt, ANA_SAYS)
    share(cast.client_party, stake, prompt, BEN_SAYS)
    services.reflection_skip(party=cleo, stake_id=stake.pk, prompt_id=prompt.pk)
    assert conversation_for(cast.coach_party, stake).board(prompt.pk).revealed
    services.reflection_save(
        party=cleo, stake_id=stake.pk, prompt_id=prompt.pk, text="second thoughts", revision=None
    )
    board = conversation_for(cast.coach_party, stake).board(prompt.pk)
    assert board.revealed
    assert BEN_SAYS in [a.text for a in board.answers]
    assert "second thoughts" not in json.dumps([a.text for a in board.answers])


def test_a_late_joiner_gets_no_nudge_about_a_prompt_revealed_before_they_joined(cast, revealed):
    mail.outbox.clear()
    nudges_queue(now() + timedelta(days=10))
    nudged = [m.subject for m in mail.outbox if "cleo@example.org" in m.to]
    assert not [s for s in nudged if "reflection" in s.lower()], nudged


def test_what_one_party_wrote_alone_waits_for_whoever_joins(db):
    """A coach prepares before the client accepts: that is not a reveal, it waits."""
    ana = make_user("Ana", "ana@example.org")
    alliance = make_alliance(ana)
    stake = plant(party_of(alliance, ana))
    prompt = stake.alliance.prompts.order_by("position").first()
    share(party_of(alliance, ana), stake, prompt, ANA_SAYS)
    ben = join(alliance, make_user("Ben"))
    board = conversation_for(ben, stake).board(prompt.pk)
    assert not board.closed_to_me
    assert not board.revealed
    share(ben, stake, prompt, BEN_SAYS)
    assert [a.text for a in conversation_for(ben, stake).board(prompt.pk).answers] == [
        ANA_SAYS,
        BEN_SAYS,
    ]


def test_a_returning_party_still_reads_what_they_wrote_themselves(cast):
    cleo_user = make_user("Cleo", "cleo@example.org")
    cleo = join(cast.alliance, cleo_user, role="team member")
    stake = plant(cast.coach_party)
    prompt = stake.alliance.prompts.order_by("position").first()
    share(cleo, stake, prompt, "Cleo wrote these words before leaving")
    alliance_services.party_leave(party=cleo)
    share(cast.coach_party, stake, prompt, ANA_SAYS)
    share(cast.client_party, stake, prompt, BEN_SAYS)
    join(cast.alliance, cleo_user, role="team member")
    client = login(cleo_user)
    for body in (
        page(client, stake, prompt),
        client.get(f"/alliances/{cast.alliance.pk}/export.json").content.decode(),
    ):
        assert "Cleo wrote these words before leaving" in body
        assert "brave and unhurried" not in body


def test_the_migration_records_each_reveal_as_it_first_happened(cast):
    """Rows from before reveals were recorded: Ana and Ben revealed a prompt, then Cleo
    joined. The migration gives the reveal to Ana and Ben, not to Cleo."""
    migration = importlib.import_module("alliance.conversations.migrations.0004_prompt_reveal")
    stake = plant(cast.coach_party)
    prompt = stake.alliance.prompts.order_by("position").first()
    share(cast.coach_party, stake, prompt, ANA_SAYS)
    share(cast.client_party, stake, prompt, BEN_SAYS)
    with time_machine.travel(now() + timedelta(minutes=5)):
        cleo = join(cast.alliance, make_user("Cleo"), role="team member")
    Reveal.objects.all().delete()
    migration.record_past_reveals(django_apps, None)
    assert conversation_for(cast.client_party, stake).board(prompt.pk).revealed
    assert conversation_for(cleo, stake).board(prompt.pk).closed_to_me
