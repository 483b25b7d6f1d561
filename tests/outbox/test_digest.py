"""Each kind of email as it happens, in the daily digest, or off; and the digest itself:
one email a morning, in the person's own time zone, with everything since the last one,
grouped by alliance, never an item twice, nothing on a quiet day."""

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from alliance.accounts.erasure import account_erase
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance
from alliance.closing import services as closing_services
from alliance.conversations import services as conversation_services
from alliance.lib.clock import now
from alliance.outbox import services as outbox_services
from alliance.outbox.digests import digest_hold, digests_queue
from alliance.outbox.models import (
    OPTIONAL_KINDS,
    DigestItem,
    NotificationPreferences,
    OutboxMessage,
)
from alliance.outbox.nudges import nudges_queue
from alliance.tending import services as tending_services
from tests.factories import (
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)
from tests.helpers import page_text, path_of
from tests.test_races import at_once

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # before any change of clocks in 2026


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def choose(user, **deliveries: str) -> None:
    outbox_services.preferences_update(user=user, deliveries=deliveries, checkin_reminder_days=3)


def digests_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email] and "daily digest" in m.subject]


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


# Preferences per kind --------------------------------------------------------------


def _ratified(cast) -> None:
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])


def _joined(cast, clock) -> None:
    join(cast.alliance, make_user("Cleo"))


def _ratified_kind(cast, clock) -> None:
    _ratified(cast)


def _term_change(cast, clock) -> None:
    propose(cast.coach_party, "We answer within a day.")


def _nudge(cast, clock) -> None:
    propose(cast.coach_party, "We answer within a day.")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()


def _checkin_reminder(cast, clock) -> None:
    _ratified(cast)
    tending_services.rhythm_set(
        party=cast.coach_party,
        starts_on=date(2026, 3, 4),
        at_time=time(10),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    tending_services.checkin_reminders_due(now())


def _tending_signal(cast, clock) -> None:
    _ratified(cast)
    tending_services.signal_raise(party=cast.coach_party, note="Our Tuesdays slipped.")


def _signal_progress(cast, clock) -> None:
    _ratified(cast)
    signal = tending_services.signal_raise(party=cast.client_party, note="Our Tuesdays slipped.")
    tending_services.signal_acknowledge(party=cast.coach_party, signal_id=signal.pk)


def _conversation(cast, clock) -> None:
    soon = MONDAY + timedelta(days=3)
    conversation_services.stake_plant(
        party=cast.coach_party, kind="design", times=[soon], duration_minutes=60
    )


def _alliance_changed(cast, clock) -> None:
    alliance = cast.coach_party.alliance
    alliance_services.alliance_details_change(
        party=cast.coach_party,
        revision=alliance.revision,
        title="Coaching, the second season",
        purpose=alliance.purpose,
    )


def _closing(cast, clock) -> None:
    closing_services.closing_propose(party=cast.coach_party, note="We have done what we came for.")


def _party_erased(cast, clock) -> None:
    account_erase(cast.coach)


TRIGGERS: dict[str, Callable] = {
    "joined": _joined,
    "ratified": _ratified_kind,
    "term_change": _term_change,
    "nudge": _nudge,
    "checkin_reminder": _checkin_reminder,
    "tending_signal": _tending_signal,
    "signal_progress": _signal_progress,
    "conversation": _conversation,
    "alliance_changed": _alliance_changed,
    "closing": _closing,
    "party_erased": _party_erased,
}


def test_every_kind_a_person_chooses_for_has_a_story_here():
    assert set(TRIGGERS) == {str(kind) for kind in OPTIONAL_KINDS}


@pytest.mark.parametrize("kind", sorted(TRIGGERS))
@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_each_kind_comes_as_the_person_chose(cast, clock, kind, delivery):
    choose(cast.client, **{kind: delivery})
    TRIGGERS[kind](cast, clock)
    list_id = f"<{kind.replace('_', '-')}."
    sent = [m for m in mails_to(cast.client) if list_id in m.extra_headers["List-Id"]]
    held = list(DigestItem.objects.filter(recipient=cast.client, kind=kind))
    assert (len(sent) > 0, len(held) > 0) == {
        "immediate": (True, False),
        "digest": (False, True),
        "off": (False, False),
    }[delivery]
    # Ana chose nothing: what she gets of that kind still comes as it happens.
    assert not DigestItem.objects.filter(recipient=cast.coach).exists()

    clock.shift(timedelta(days=1))
    digests_queue()
    digests = digests_to(cast.client)
    if delivery == "digest":
        [digest] = digests
        for item in held:
            assert item.text in digest.body
    else:
        assert digests == []


def test_a_calendar_invitation_comes_as_it_happens_whatever_the_conversation_choice(cast, clock):
    choose(cast.client, conversation="digest")
    soon = MONDAY + timedelta(days=3)
    stake = conversation_services.stake_plant(
        party=cast.coach_party, kind="design", times=[soon], duration_minutes=60
    )
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    [invitation] = [m for m in mails_to(cast.client) if m.attachments]
    assert "calendar" in invitation.extra_headers["List-Id"]
    assert "List-Unsubscribe" not in invitation.extra_headers
    # The proposal itself waited for the digest.
    assert DigestItem.objects.filter(recipient=cast.client, kind="conversation").count() == 1


def test_a_nudge_held_for_the_digest_is_held_once_and_its_second_comes_later(cast, clock):
    choose(cast.client, nudge="digest")
    propose(cast.coach_party, "We answer within a day.")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    nudges_queue()
    assert DigestItem.objects.filter(recipient=cast.client, kind="nudge").count() == 1
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    clock.shift(timedelta(days=5))
    nudges_queue()
    assert DigestItem.objects.filter(recipient=cast.client, kind="nudge").count() == 2


# The digest across days ------------------------------------------------------------


def test_a_day_of_news_comes_the_next_morning_once_and_a_quiet_day_sends_nothing(cast, clock):
    choose(cast.client, term_change="digest")
    propose(cast.coach_party, "We meet weekly.")
    clock.move_to(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    propose(cast.coach_party, "We answer within a day.")

    clock.move_to(datetime(2026, 3, 3, 6, 59, tzinfo=UTC))
    assert digests_queue() == 0, "not before the morning"
    clock.move_to(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert digests_queue() == 1
    [tuesday] = digests_to(cast.client)
    assert tuesday.subject == "[Alliance] Your daily digest: 2 things happened"
    assert "Ana proposes a term for “Coaching: Ana and Ben”" in tuesday.body
    assert tuesday.body.count("Ana proposes a term") == 2
    assert digests_queue() == 0, "a second run the same morning sends nothing"

    clock.move_to(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    propose(cast.coach_party, "We write on Fridays.")
    clock.move_to(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    assert digests_queue() == 1
    wednesday = digests_to(cast.client)[-1]
    assert wednesday.subject == "[Alliance] Your daily digest: 1 thing happened"
    assert wednesday.body.count("Ana proposes a term") == 1
    assert "Tuesday 3 March, 08:00" in wednesday.body

    clock.move_to(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))
    assert digests_queue() == 0
    assert len(digests_to(cast.client)) == 2


def test_the_morning_is_the_persons_own(cast, clock):
    """Ben lives in Tokyo (UTC+9), Cleo in New York (UTC-5 until 8 March): news of Monday
    09:00 UTC reaches Cleo at 07:00 her time that same day, Ben at 07:00 his next day."""
    cleo = make_user("Cleo", "cleo@example.org", time_zone="America/New_York")
    join(cast.alliance, cleo)
    type(cast.client).objects.filter(pk=cast.client.pk).update(time_zone="Asia/Tokyo")
    cast.client.refresh_from_db()
    for person in (cast.client, cleo):
        choose(person, term_change="digest")
    propose(cast.coach_party, "We meet weekly.")

    clock.move_to(datetime(2026, 3, 2, 11, 59, tzinfo=UTC))
    assert digests_queue() == 0
    clock.move_to(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # 07:00 in New York
    assert digests_queue() == 1
    assert len(digests_to(cleo)) == 1
    assert digests_to(cast.client) == []
    clock.move_to(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))  # 07:00 on Tuesday in Tokyo
    assert digests_queue() == 1
    [ben_digest] = digests_to(cast.client)
    # Times in the digest are the reader's own.
    assert "Monday 2 March, 18:00" in ben_digest.body


def test_the_digest_groups_by_alliance_with_links(cast, clock):
    other = make_alliance(cast.coach, title="Mentoring: Ana and Ben")
    join(other, cast.client)
    choose(cast.client, term_change="digest", signal_progress="digest")
    propose(cast.coach_party, "We meet weekly.")
    propose(party_of(other, cast.coach), "We read one book a month.")
    clock.move_to(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    digests_queue()
    [digest] = digests_to(cast.client)
    body = digest.body
    first = body.index("Coaching: Ana and Ben\n")
    second = body.index("Mentoring: Ana and Ben\n")
    assert first < second
    assert f"/alliances/{cast.alliance.pk}/" in body[first:second]
    assert f"/alliances/{other.pk}/" in body[second:]
    html = digest.alternatives[0][0]
    assert re.search(rf'<a href="[^"]*/alliances/{other.pk}/">Mentoring: Ana and Ben</a>', html)


def test_a_closed_alliance_holds_nothing_but_the_news_that_it_closed(cast, clock):
    choose(cast.client, closing="digest")
    close_with(cast.coach_party, cast.client_party)
    alliance = Alliance.objects.get(pk=cast.alliance.pk)
    # Nothing else can happen in it now; were anything to try, it would not be held.
    held = digest_hold(user=cast.client, alliance=alliance, kind="term_change", text="A term")
    assert held is None
    clock.shift(timedelta(days=1))
    assert digests_queue() == 1
    [digest] = digests_to(cast.client)
    assert "closed" in digest.body.lower()
    assert "A term" not in digest.body


def test_who_takes_closing_news_in_the_digest_hears_that_the_alliance_closed(cast, clock):
    choose(cast.client, closing="digest")
    close_with(cast.coach_party, cast.client_party)
    clock.shift(timedelta(days=1))
    digests_queue()
    [digest] = digests_to(cast.client)
    assert "“Coaching: Ana and Ben” is closed" in digest.body


def test_a_reminder_held_before_the_alliance_closed_is_not_sent_after(cast, clock):
    choose(cast.client, nudge="digest", closing="digest")
    _nudge(cast, clock)
    assert DigestItem.objects.filter(recipient=cast.client, kind="nudge").exists()
    close_with(cast.coach_party, cast.client_party)
    clock.shift(timedelta(days=1))
    digests_queue()
    [digest] = digests_to(cast.client)
    assert "is closed" in digest.body
    assert "waits for your answer" not in digest.body


def test_news_of_an_alliance_left_is_not_digested(cast, clock):
    choose(cast.client, term_change="digest")
    propose(cast.coach_party, "We meet weekly.")
    alliance_services.party_leave(party=cast.client_party)
    clock.shift(timedelta(days=1))
    assert digests_queue() == 0
    assert digests_to(cast.client) == []
    assert not DigestItem.objects.filter(digested_at__isnull=True).exists()


def test_news_held_for_a_party_who_comes_back_as_an_observer_is_not_digested(cast, clock):
    """Ben leaves and comes back the same day as an observer: the signal raised while he
    was a party was held for him then, but an observer never sees tending signals."""
    choose(cast.client, tending_signal="digest")
    _ratified(cast)
    tending_services.signal_raise(party=cast.coach_party, note="Our Tuesdays slipped.")
    clock.shift(timedelta(minutes=5))
    alliance_services.party_leave(party=cast.client_party)
    join(cast.alliance, cast.client, role="sponsor", as_observer=True)
    clock.shift(timedelta(days=1))
    digests_queue()
    assert not [m for m in digests_to(cast.client) if "needs tending" in m.body]
    assert not DigestItem.objects.filter(digested_at__isnull=True).exists()


def test_the_digests_unsubscribe_link_turns_off_what_went_into_it(cast, clock):
    choose(cast.client, term_change="digest", joined="digest", ratified="immediate")
    propose(cast.coach_party, "We meet weekly.")
    clock.shift(timedelta(days=1))
    digests_queue()
    [digest] = digests_to(cast.client)
    link = digest.extra_headers["List-Unsubscribe"][1:-1]
    asked = Client().get(path_of(link))
    assert "will no longer get the daily digest" in page_text(asked)
    response = Client(enforce_csrf_checks=True).post(path_of(link))
    assert response.status_code == 200
    assert "gets no daily digest any more" in page_text(response)
    chosen = NotificationPreferences.objects.get(user=cast.client).deliveries
    assert chosen == {"term_change": "off", "joined": "off"}


def test_held_news_still_comes_after_a_switch_to_as_it_happens(cast, clock):
    choose(cast.client, term_change="digest")
    propose(cast.coach_party, "We meet weekly.")
    choose(cast.client, term_change="immediate")
    clock.shift(timedelta(days=1))
    assert digests_queue() == 1


def test_held_news_of_a_kind_turned_off_since_is_not_sent(cast, clock):
    choose(cast.client, term_change="digest", joined="digest")
    propose(cast.coach_party, "We meet weekly.")
    join(cast.alliance, make_user("Cleo"))
    choose(cast.client, term_change="off", joined="digest")
    clock.shift(timedelta(days=1))
    assert digests_queue() == 1
    [digest] = digests_to(cast.client)
    assert "Cleo joined" in digest.body
    assert "proposes a term" not in digest.body
    assert digests_queue() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_digest():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    choose(ben, term_change="digest", joined="digest")
    propose(party_of(alliance, ana), "We meet weekly.")
    propose(party_of(alliance, ana), "We answer within a day.")
    morning = now() + timedelta(days=2)
    mail.outbox.clear()
    results = at_once(lambda: digests_queue(morning), lambda: digests_queue(morning))
    assert sorted(results) == [0, 1], results
    [digest] = digests_to(ben)
    assert digest.body.count("proposes a term") == 2
    assert OutboxMessage.objects.filter(kind="digest").count() == 1
    assert not DigestItem.objects.filter(digested_at__isnull=True).exists()


def test_a_digest_that_fails_keeps_its_items_and_stops_no_one_elses(cast, clock, caplog):
    """Ben's time zone, hand-edited into one that does not exist, breaks his digest as
    it is written: his items stay waiting, unclaimed, and Cleo still gets hers."""
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo)
    for person in (cast.client, cleo):
        choose(person, term_change="digest")
    propose(cast.coach_party, "We meet weekly.")
    type(cast.client).objects.filter(pk=cast.client.pk).update(time_zone="Mars/Olympus")
    clock.shift(timedelta(days=1))
    with caplog.at_level(logging.ERROR):
        assert digests_queue() == 1
    assert len(digests_to(cleo)) == 1
    assert digests_to(cast.client) == []
    assert DigestItem.objects.get(recipient=cast.client).digested_at is None
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"user {cast.client.pk}" in record.getMessage()
