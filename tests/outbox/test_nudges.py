"""Nudges go only to the people something waits on: one after ALLIANCE_NUDGE_DAYS, one
more after as many days again, never a third."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from alliance.outbox.nudges import PROVIDERS, nudges_due, nudges_queue
from alliance.terms import services as term_services
from tests.factories import agree_all, join, make_user, propose

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def nudges_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [user.email] and "answer" in m.subject]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def draft(cast, clock):
    """Ana proposed two terms on Monday; Ben has not answered; Cleo agreed to both."""
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo, role="observer")
    propose(cast.coach_party, "We meet weekly.")
    propose(cast.coach_party, "We answer within a day.")
    agree_all(cast.alliance.parties.get(user=cleo))
    mail.outbox.clear()
    cast.cleo = cleo
    return cast


def on_day(clock, day: int) -> int:
    clock.move_to(MONDAY + timedelta(days=day))
    return nudges_queue()


def test_no_nudge_before_the_delay(draft, clock):
    assert on_day(clock, 1) == 0
    assert mail.outbox == []


def test_one_nudge_then_one_more_then_never_again(draft, clock):
    assert on_day(clock, 2) == 1
    assert nudges_to(draft.client) == [
        "[Alliance] 2 terms in “Coaching: Ana and Ben” wait for your answer"
    ]
    assert "2 terms in the draft" in mail.outbox[0].body
    assert on_day(clock, 3) == 0, "the second waits another NUDGE_DAYS"
    assert on_day(clock, 4) == 1
    assert "last reminder" in mail.outbox[-1].body
    for day in (5, 8, 30):
        assert on_day(clock, day) == 0
    assert len(nudges_to(draft.client)) == 2


def test_those_who_answered_get_none(draft, clock):
    for day in (2, 4, 6):
        on_day(clock, day)
    assert nudges_to(draft.coach) == []
    assert nudges_to(draft.cleo) == []


def test_answering_stops_the_second_nudge(draft, clock):
    on_day(clock, 2)
    term = draft.alliance.terms.first()
    term_services.consent_give(
        party=draft.client_party,
        term_id=term.pk,
        revision=term.revision,
        decision="change",
        comment="Every other week?",
    )
    other = draft.alliance.terms.last()
    term_services.consent_give(
        party=draft.client_party, term_id=other.pk, revision=other.revision, decision="agree"
    )
    assert on_day(clock, 4) == 0
    assert len(nudges_to(draft.client)) == 1


def test_a_changed_draft_starts_a_new_pair(draft, clock):
    on_day(clock, 2)
    on_day(clock, 4)
    propose(draft.coach_party, "We keep Fridays free.")
    assert on_day(clock, 5) == 0
    assert on_day(clock, 6) == 2, "Ben and Cleo: the new term waits on both"
    assert len(nudges_to(draft.client)) == 3
    assert "3 terms" in nudges_to(draft.client)[-1]
    assert nudges_to(draft.cleo) == [
        "[Alliance] A term in “Coaching: Ana and Ben” waits for your answer"
    ]


def test_running_the_job_twice_queues_nothing_twice(draft, clock):
    clock.move_to(MONDAY + timedelta(days=2))
    due = nudges_due(MONDAY + timedelta(days=2))
    assert [(item.user, n) for item, n in due] == [(draft.client, 1)]
    assert nudges_queue() == 1
    assert nudges_queue() == 0


def test_the_delay_is_a_setting(draft, clock, settings):
    settings.NUDGE_DAYS = 5
    assert on_day(clock, 4) == 0
    assert on_day(clock, 5) == 1


def test_a_person_who_turned_nudges_off_gets_none(draft, clock):
    from alliance.outbox.services import unsubscribe

    unsubscribe(user=draft.client, kind="nudge")
    assert on_day(clock, 2) == 0
    assert mail.outbox == []


def test_nudges_can_be_unsubscribed_in_one_click(draft, clock):
    on_day(clock, 2)
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_providers_are_registered_by_name():
    assert "terms" in PROVIDERS
