"""A check-in someone has not filled in nudges them, and only them."""

from datetime import timedelta

from django.core import mail

from alliance.outbox.nudges import nudges_queue
from alliance.tending import services
from tests.tending.test_checkins import rate


def test_an_unfilled_check_in_nudges_only_the_one_who_has_not_rated(ratified, clock):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"])
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    subjects = {(m.to[0], m.subject) for m in mail.outbox if "check-in" in m.subject}
    assert subjects == {
        ("ben@example.org", "[Alliance] Your check-in on “Coaching: Ana and Ben” is waiting")
    }
    rate(ratified.client_party, checkin, ["well", "well"])
    clock.shift(timedelta(days=3))
    mail.outbox.clear()
    nudges_queue()
    assert not [m for m in mail.outbox if "is waiting" in m.subject]
