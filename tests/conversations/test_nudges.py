"""Nudges go only to whoever the conversation waits on: at most two, after a delay."""

from datetime import timedelta

import time_machine
from django.core import mail

from alliance.lib.clock import now
from alliance.outbox.nudges import nudges_queue
from tests.conversations.factories import first_prompt, plant, share


def nudged(to: str, subject_part: str) -> int:
    return sum(1 for m in mail.outbox if to in m.to and subject_part in m.subject)


def test_a_party_who_has_not_answered_the_times_is_nudged_twice_at_most(cast):
    plant(cast.coach_party)
    start = now()
    with time_machine.travel(start + timedelta(days=1)):
        nudges_queue()
    assert nudged("ben@example.org", "Which times suit you") == 0
    for days in (2, 3, 4, 6, 9):
        with time_machine.travel(start + timedelta(days=days, minutes=1)):
            nudges_queue()
    assert nudged("ben@example.org", "Which times suit you") == 2
    assert nudged("ana@example.org", "Which times suit you") == 0


def test_reflections_awaited_nudge_only_the_one_who_has_not_shared(cast):
    stake = plant(cast.coach_party)
    from alliance.conversations import services

    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    share(cast.coach_party, stake, first_prompt(stake), "I want calm sessions.")
    with time_machine.travel(now() + timedelta(days=2, minutes=1)):
        nudges_queue()
        nudges_queue()
    assert nudged("ben@example.org", "Your reflections are awaited") == 1
    assert nudged("ana@example.org", "Your reflections are awaited") == 0
    body = next(m.body for m in mail.outbox if "awaited" in m.subject)
    assert "calm sessions" not in body


def test_times_proposed_instead_nudge_those_who_have_not_answered_them(cast):
    from alliance.conversations import services
    from tests.conversations.factories import soon

    stake = plant(cast.coach_party)
    services.stake_answer(party=cast.client_party, stake_id=stake.pk, works=[])
    start = now()
    with time_machine.travel(start + timedelta(hours=1)):
        services.stake_counter(party=cast.client_party, stake_id=stake.pk, times=[soon(9)])
    for days in (1, 3, 6, 9):
        with time_machine.travel(start + timedelta(days=days, hours=1, minutes=1)):
            nudges_queue()
    assert nudged("ana@example.org", "Which times suit you") == 2
    assert nudged("ben@example.org", "Which times suit you") == 0
    reminder = next(m for m in mail.outbox if "Which times suit you" in m.subject)
    assert "Ben proposed times" in reminder.body
