"""Reveals and check-ins across joins, leaves and returns, and the migrations that record
the reveals made before they were stored. Cases found by an independent review: each
once left a prompt or check-in stuck, or a reveal lost on upgrade."""

import importlib
from datetime import timedelta

import time_machine
from django.apps import apps

from alliance.alliances import services as alliance_services
from alliance.conversations.models import Reveal
from alliance.conversations.selectors import conversation_for
from alliance.lib.clock import now
from alliance.tending import services
from alliance.tending.models import CheckIn
from alliance.tending.selectors import checkin_page
from tests.conftest import login
from tests.conversations.factories import plant, share
from tests.factories import join, make_user, party_of
from tests.helpers import page_text
from tests.tending.test_checkins import rate


def first(stake):
    return stake.alliance.prompts.order_by("position").first()


def test_a_returner_whose_answer_completes_a_prompt_reveals_it(cast):
    """Ben answers, leaves; Ana answers alone (no reveal, one party); Ben returns.
    Everyone here has answered, nobody can act, the prompt never reveals."""
    stake = plant(cast.coach_party)
    p = first(stake)
    share(cast.client_party, stake, p, "BEN BEFORE LEAVING")
    alliance_services.party_leave(party=cast.client_party)
    share(party_of(cast.alliance, cast.coach), stake, p, "ANA ALONE")
    join(cast.alliance, cast.client)
    ben = party_of(cast.alliance, cast.client)
    board = conversation_for(ben, stake).board(p.pk)
    assert not board.waits_on_me
    assert board.revealed, "both answered, prompt stuck unrevealed"


def test_a_returner_whose_rating_completes_a_check_in_completes_it(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.client_party, checkin, ["okay", "okay"])
    alliance_services.party_leave(party=ratified.client_party)
    rate(ratified.coach_party, checkin, ["well", "okay"])
    join(ratified.alliance, ratified.client)
    checkin.refresh_from_db()
    assert checkin.completed_at is not None, "both rated, not complete"


def test_the_migration_dates_a_reveal_by_the_first_share_not_a_revision(cast):
    mig = importlib.import_module("alliance.conversations.migrations.0004_prompt_reveal")
    with time_machine.travel(now() + timedelta(days=1), tick=False) as t:
        stake = plant(cast.coach_party)
        p = first(stake)
        share(cast.coach_party, stake, p, "ANA")
        t.shift(60)
        share(cast.client_party, stake, p, "BEN")
        t.shift(60)
        join(cast.alliance, make_user("Cleo"))
        t.shift(60)
        share(cast.coach_party, stake, p, "ANA REVISED")
        Reveal.objects.all().delete()
        mig.record_past_reveals(apps, None)
        assert conversation_for(cast.client_party, stake).board(p.pk).revealed


def test_a_completed_check_in_whose_raters_all_left_gives_way_to_the_next(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"])
    rate(ratified.client_party, checkin, ["okay", "okay"])  # complete, not yet decided
    cleo = join(ratified.alliance, make_user("Cleo", "cleo@example.org"))
    dave = join(ratified.alliance, make_user("Dave", "dave@example.org"))
    alliance_services.party_leave(party=ratified.coach_party)
    alliance_services.party_leave(party=party_of(ratified.alliance, ratified.client))
    c = login(cleo.user)
    c.post(f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/close/", {"outcome": "kept"})
    again = services.checkin_start(party=dave)
    assert again.pk != checkin.pk or CheckIn.objects.get(pk=checkin.pk).closed_at is not None, (
        "Cleo and Dave can neither close the old check-in nor start a new one"
    )
    history = page_text(login(cleo.user).get(f"/alliances/{ratified.alliance.pk}/history/"))
    assert "so it closed" in history


def test_the_migration_keeps_a_reveal_when_a_party_left_since(cast):
    mig = importlib.import_module("alliance.conversations.migrations.0004_prompt_reveal")
    with time_machine.travel(now() + timedelta(days=1), tick=False) as t:
        stake = plant(cast.coach_party)
        p = first(stake)
        share(cast.coach_party, stake, p, "ANA")
        t.shift(60)
        share(cast.client_party, stake, p, "BEN WORDS")
        t.shift(60)
        alliance_services.party_leave(party=cast.client_party)
        before = conversation_for(cast.coach_party, stake).board(p.pk)
        assert before.revealed
        assert any("BEN WORDS" in a.text for a in before.answers)
        Reveal.objects.all().delete()
        mig.record_past_reveals(apps, None)
        after = conversation_for(party_of(cast.alliance, cast.coach), stake).board(p.pk)
        assert after.revealed, "Ana had read Ben's reveal; after the migration it is closed"


def test_the_check_in_migration_keeps_a_reveal_when_a_party_left_since(ratified):
    mig = importlib.import_module("alliance.tending.migrations.0002_checkin_reveal")
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection="ANA", share=True)
    rate(ratified.client_party, checkin, ["okay", "okay"], reflection="BEN WORDS", share=True)
    alliance_services.party_leave(party=ratified.client_party)
    assert checkin_page(party=ratified.coach_party, checkin_id=checkin.pk).revealed
    CheckIn.objects.update(reflections_revealed_at=None)
    CheckIn.revealed_to.through.objects.all().delete()
    mig.record_past_reveals(apps, None)
    assert checkin_page(
        party=party_of(ratified.alliance, ratified.coach), checkin_id=checkin.pk
    ).revealed


def test_the_migration_keeps_a_leavers_revealed_answer(cast):
    mig = importlib.import_module("alliance.conversations.migrations.0004_prompt_reveal")
    with time_machine.travel(now() + timedelta(days=1), tick=False) as t:
        cleo = join(cast.alliance, make_user("Cleo", "cleo@example.org"))
        t.shift(60)
        stake = plant(cast.coach_party)
        p = first(stake)
        for who, txt in (
            (cast.coach_party, "ANA"),
            (cast.client_party, "BEN"),
            (cleo, "CLEO WORDS"),
        ):
            share(who, stake, p, txt)
            t.shift(60)
        alliance_services.party_leave(party=cleo)
        Reveal.objects.all().delete()
        mig.record_past_reveals(apps, None)
        b = conversation_for(party_of(cast.alliance, cast.coach), stake).board(p.pk)
        assert any("CLEO WORDS" in a.text for a in b.answers), [
            a.party.user.name for a in b.answers
        ]


def test_the_migration_counts_a_departure_that_revealed_a_prompt(cast):
    mig = importlib.import_module("alliance.conversations.migrations.0004_prompt_reveal")
    with time_machine.travel(now() + timedelta(days=1), tick=False) as t:
        cleo = join(cast.alliance, make_user("Cleo", "cleo@example.org"))
        t.shift(60)
        stake = plant(cast.coach_party)
        p = first(stake)
        share(cast.coach_party, stake, p, "ANA")
        t.shift(60)
        share(cast.client_party, stake, p, "BEN")
        t.shift(60)
        dave = join(cast.alliance, make_user("Dave", "dave@example.org"))
        t.shift(60)
        share(dave, stake, p, "DAVE WORDS")
        t.shift(60)
        alliance_services.party_leave(party=cleo)  # reveal to Ana, Ben, Dave happens now
        assert conversation_for(dave, stake).board(p.pk).revealed
        Reveal.objects.all().delete()
        mig.record_past_reveals(apps, None)
        b = conversation_for(party_of(cast.alliance, dave.user), stake).board(p.pk)
        assert not b.closed_to_me, "Dave answered and was in the reveal; migration shuts him out"
