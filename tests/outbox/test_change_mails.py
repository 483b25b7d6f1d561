"""The others hear when a term is proposed or changed, and when a tending signal is
acknowledged or resolved: every other designing party, never the one who acted, never an
observer nor someone who left."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services as alliance_services
from alliance.alliances.models import Party
from alliance.outbox.models import OutboxMessage
from alliance.tending import services as tending_services
from alliance.terms import services as term_services
from tests.factories import join, make_user, party_of, propose, ratify_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(cast):
    """Ana and Ben design; Cleo designs too; Olga observes (a sponsor); Fred left."""
    cast.cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cast.cleo)
    sponsor = join(cast.alliance, cast.outsider, role="sponsor")
    Party.everyone.filter(pk=sponsor.pk).update(is_observer=True)
    cast.fred = make_user("Fred", "fred@example.org")
    alliance_services.party_leave(party=join(cast.alliance, cast.fred))
    mail.outbox.clear()
    return cast


def recipients(kind: str) -> list[str]:
    return sorted(OutboxMessage.objects.filter(kind=kind).values_list("to_email", flat=True))


def test_a_proposed_term_goes_to_the_other_designing_parties(crowd):
    propose(crowd.coach_party, "We meet every other Tuesday.", note="Mornings suit me.")
    assert recipients("term_change") == ["ben@example.org", "cleo@example.org"]
    message = next(m for m in mail.outbox if m.to == ["ben@example.org"])
    assert message.subject == "[Alliance] Ana proposes a term for “Coaching: Ana and Ben”"
    assert "We meet every other Tuesday." in message.body
    assert "Their note: Mornings suit me." in message.body
    assert f"/alliances/{crowd.alliance.pk}/" in message.body


def test_an_edited_term_shows_both_wordings_to_the_others(crowd):
    term = propose(crowd.client_party, "We meet weekly.")
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()
    term_services.term_edit(
        party=crowd.coach_party,
        term_id=term.pk,
        revision=term.revision,
        category=term.category,
        text="We meet every two weeks.",
    )
    assert recipients("term_change") == ["ben@example.org", "cleo@example.org"]
    message = next(m for m in mail.outbox if m.to == ["ben@example.org"])
    assert message.subject == "[Alliance] Ana changed a term of “Coaching: Ana and Ben”"
    assert message.body.index("We meet weekly.") < message.body.index("We meet every two weeks.")


def test_an_edit_that_changes_nothing_sends_nothing(crowd):
    term = propose(crowd.coach_party, "We meet weekly.")
    mail.outbox.clear()
    term_services.term_edit(
        party=crowd.coach_party,
        term_id=term.pk,
        revision=term.revision,
        category=term.category,
        text="We meet weekly.",
    )
    assert mail.outbox == []


def test_signal_acknowledged_and_resolved_go_to_everyone_else(crowd):
    ana, ben, cleo = crowd.coach_party, crowd.client_party, party_of(crowd.alliance, crowd.cleo)
    propose(ana, "We meet weekly.")
    ratify_with([ana, ben, cleo])
    signal = tending_services.signal_raise(party=ben, note="Tuesdays no longer work for me.")
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()

    tending_services.signal_acknowledge(party=ana, signal_id=signal.pk)
    assert recipients("signal_progress") == ["ben@example.org", "cleo@example.org"]
    acknowledged = next(m for m in mail.outbox if m.to == ["ben@example.org"])
    assert "Ana acknowledged this tending signal" in acknowledged.body
    assert "Tuesdays no longer work for me." in acknowledged.body

    OutboxMessage.objects.all().delete()
    mail.outbox.clear()
    tending_services.signal_resolve(
        party=cleo, signal_id=signal.pk, resolution="We moved to Thursdays.", version_number=1
    )
    assert recipients("signal_progress") == ["ana@example.org", "ben@example.org"]
    resolved = next(m for m in mail.outbox if m.to == ["ana@example.org"])
    assert (
        resolved.subject == "[Alliance] Cleo resolved a tending signal in “Coaching: Ana and Ben”"
    )
    assert "We moved to Thursdays." in resolved.body
    assert "Resolved by version 1." in resolved.body
    assert f"/alliances/{crowd.alliance.pk}/signals/" in resolved.body


def test_a_refused_change_sends_nothing(crowd):
    before = OutboxMessage.objects.count()
    with pytest.raises(ValidationError):
        propose(crowd.coach_party, "   ")
    assert mail.outbox == []
    assert OutboxMessage.objects.count() == before
