"""A check-in is fixed to the parties who were there, as a reveal is.

Ana and Ben complete a check-in and reveal their reflections; Cleo joins while it is still
open. It never closes again for them; Cleo neither reads their ratings or reflections nor
is waited for. A check-in that is still being filled in waits for her like for anyone.
"""

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services as alliance_services
from alliance.lib.clock import now
from alliance.outbox.nudges import nudges_queue
from alliance.tending import services
from alliance.tending.models import CheckIn
from alliance.tending.selectors import checkin_page
from tests.conftest import login
from tests.factories import join, make_user
from tests.helpers import page_text
from tests.tending.test_checkins import rate

ANA_FEELS = "Ana feels the fortnightly rhythm suits her well"
BEN_FEELS = "Ben finds the mail promise hard to keep in March"


@pytest.fixture
def completed(ratified):
    """A check-in Ana and Ben rated and revealed, still open, and Cleo joined since."""
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=ANA_FEELS, share=True)
    rate(ratified.client_party, checkin, ["okay", "tending"], reflection=BEN_FEELS, share=True)
    cleo = join(ratified.alliance, make_user("Cleo", "cleo@example.org"), role="team member")
    return checkin, cleo


def url(checkin) -> str:
    return f"/alliances/{checkin.alliance_id}/checkins/{checkin.pk}/"


def test_the_reveal_stays_open_for_those_who_were_there(ratified, completed):
    checkin, _ = completed
    text = page_text(login(ratified.client).get(url(checkin)))
    assert ANA_FEELS in text
    assert BEN_FEELS in text
    assert "Waiting for" not in text
    page = checkin_page(party=ratified.client_party, checkin_id=checkin.pk)
    assert page.revealed
    assert page.waiting_for == []


def test_a_late_joiner_reads_neither_ratings_nor_reflections_given_before(ratified, completed):
    checkin, cleo = completed
    client = login(cleo.user)
    text = page_text(client.get(url(checkin)))
    assert "before you joined" in text
    export = client.get(f"/alliances/{checkin.alliance_id}/export.json").content.decode()
    for surface in (text, export):
        assert "fortnightly rhythm suits" not in surface
        assert "hard to keep in March" not in surface
    page = checkin_page(party=cleo, checkin_id=checkin.pk)
    assert not page.revealed
    assert all(rating is None for row in page.rows for _, rating in row.others)


def test_a_late_joiner_cannot_rate_a_check_in_completed_before_they_joined(ratified, completed):
    checkin, cleo = completed
    with pytest.raises(ValidationError, match="before you joined"):
        rate(cleo, checkin, ["well", "well"], reflection="Cleo's view", share=True)
    assert not checkin.ratings.filter(party=cleo).exists()
    # Ana and Ben still decide together, without waiting for Cleo.
    services.checkin_close(party=ratified.coach_party, checkin_id=checkin.pk, outcome="kept")


def test_a_late_joiner_gets_no_nudge_for_a_completed_check_in(ratified, completed):
    mail.outbox.clear()
    nudges_queue(now() + timedelta(days=10))
    nudged = [m.subject for m in mail.outbox if "cleo@example.org" in m.to]
    assert not [s for s in nudged if "check-in" in s], nudged


def test_a_check_in_still_being_filled_in_waits_for_the_late_joiner(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=ANA_FEELS, share=True)
    cleo = join(ratified.alliance, make_user("Cleo"), role="team member")
    rate(ratified.client_party, checkin, ["okay", "tending"], reflection=BEN_FEELS, share=True)
    page = checkin_page(party=ratified.client_party, checkin_id=checkin.pk)
    assert [p.user.name for p in page.waiting_for] == ["Cleo"]
    assert not page.revealed
    rate(cleo, checkin, ["well", "well"], reflection="Cleo sees it working", share=True)
    page = checkin_page(party=cleo, checkin_id=checkin.pk)
    assert page.revealed
    assert sorted(r.text for r in page.shared) == sorted(
        [ANA_FEELS, BEN_FEELS, "Cleo sees it working"]
    )


def test_someone_leaving_does_not_close_the_reveal(ratified, completed):
    checkin, _ = completed
    alliance_services.party_leave(party=ratified.client_party)
    page = checkin_page(party=ratified.coach_party, checkin_id=checkin.pk)
    assert page.revealed
    assert BEN_FEELS in json.dumps([r.text for r in page.shared])


def test_a_late_joiner_who_may_not_share_is_not_waited_for_by_the_reveal(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=ANA_FEELS, share=True)
    rate(ratified.client_party, checkin, ["okay", "okay"], reflection=BEN_FEELS)  # completes it
    join(ratified.alliance, make_user("Cleo"), role="team member")
    rate(ratified.client_party, checkin, ["okay", "okay"], reflection=BEN_FEELS, share=True)
    page = checkin_page(party=ratified.coach_party, checkin_id=checkin.pk)
    assert page.revealed
    assert [name for name, _ in page.revealed_reflections] == ["Ana", "Ben"]


def test_a_reflection_shared_by_someone_who_left_before_the_reveal_stays_hidden(ratified):
    cleo = join(ratified.alliance, make_user("Cleo"), role="team member")
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(cleo, checkin, ["well", "okay"], reflection="Cleo spoke before leaving", share=True)
    alliance_services.party_leave(party=cleo)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=ANA_FEELS, share=True)
    text = page_text(login(ratified.coach).get(url(checkin)))
    assert "1 of 2 shared" in text  # Ben has not shared; Cleo, gone, does not count
    rate(ratified.client_party, checkin, ["well", "okay"], reflection=BEN_FEELS, share=True)
    text = page_text(login(ratified.client).get(url(checkin)))
    assert ANA_FEELS in text
    assert "Cleo spoke before leaving" not in text


def test_a_late_joiner_reads_no_ratings_of_check_ins_before_they_joined_on_the_health_page(
    ratified,
):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "tending"])
    rate(ratified.client_party, checkin, ["okay", "tending"])
    services.checkin_close(party=ratified.coach_party, checkin_id=checkin.pk, outcome="kept")
    health = f"/alliances/{ratified.alliance.pk}/health/"
    assert "Ana: needs tending, Ben: needs tending" in page_text(login(ratified.client).get(health))
    cleo = join(ratified.alliance, make_user("Cleo"), role="team member")
    text = page_text(login(cleo.user).get(health))
    assert "needs tending," not in text
    assert "Ana: working well" not in text
    assert "lowest" not in text.split("Each dot shows")[0]


def test_the_alliance_page_does_not_ask_a_late_joiner_to_rate(ratified, completed):
    checkin, cleo = completed
    text = page_text(login(cleo.user).get(f"/alliances/{checkin.alliance_id}/"))
    assert "Rate the terms and reflect" not in text
    assert "you will rate the next one" in text


def test_the_migration_keeps_a_reveal_made_before_someone_joined(ratified, completed):
    checkin, cleo = completed
    migration = importlib.import_module("alliance.tending.migrations.0002_checkin_reveal")
    CheckIn.objects.update(reflections_revealed_at=None)
    checkin.revealed_to.clear()
    migration.record_past_reveals(django_apps, None)
    assert checkin_page(party=ratified.client_party, checkin_id=checkin.pk).revealed
    assert not checkin_page(party=cleo, checkin_id=checkin.pk).revealed
