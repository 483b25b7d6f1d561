"""Invitations cannot flood anyone's inbox: 20 an hour per person, 50 a day per alliance,
the same one again at most every 10 minutes; a refusal says when to try again."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.accounts.models import User
from alliance.alliances import services
from alliance.alliances.models import Invitation
from tests.conftest import login
from tests.factories import make_alliance, party_of
from tests.helpers import page_text

# 16:00 in Berlin, where Ana lives.
FOUR_PM = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    # The cast meets two days earlier: Ben's invitation is outside every window.
    with time_machine.travel(FOUR_PM - timedelta(days=2), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ana(clock, cast):
    clock.move_to(FOUR_PM)
    User.objects.filter(pk=cast.coach.pk).update(time_zone="Europe/Berlin")
    cast.coach.refresh_from_db()
    mail.outbox.clear()
    return cast


def addresses(n: int, start: int = 0) -> str:
    return ", ".join(f"guest{i}@example.org" for i in range(start, start + n))


def invite(browser, alliance_id: int, emails: str):
    return browser.post(f"/alliances/{alliance_id}/invitations/", {"email": emails})


def invitation_mails() -> int:
    return sum("invites you" in m.subject for m in mail.outbox)


def test_one_person_sends_at_most_twenty_an_hour_then_hears_when_to_try_again(ana, clock):
    browser = login(ana.coach)
    alliance = ana.alliance.pk
    assert invite(browser, alliance, addresses(12)).status_code == 302
    clock.move_to(FOUR_PM + timedelta(minutes=20))
    assert invite(browser, alliance, addresses(8, start=12)).status_code == 302
    assert invitation_mails() == 20

    clock.move_to(FOUR_PM + timedelta(minutes=30))
    refused = invite(browser, alliance, "late@example.org")
    assert refused.status_code == 400
    assert (
        "You have sent 20 invitations in the last hour, as many as one person may. "
        "Try again after 17:00." in page_text(refused)
    )
    assert 'value="late@example.org"' in refused.content.decode()
    # A new alliance of her own is no way around it.
    elsewhere = party_of(make_alliance(ana.coach, title="Another"), ana.coach)
    with pytest.raises(ValidationError, match="Try again after 17:00"):
        services.invitation_create(party=elsewhere, email="late@example.org")
    assert invitation_mails() == 20
    assert not Invitation.objects.filter(email="late@example.org").exists()

    # At 17:00 the first twelve leave the hour.
    clock.move_to(FOUR_PM + timedelta(hours=1, seconds=1))
    assert invite(browser, alliance, addresses(12, start=20)).status_code == 302
    assert invitation_mails() == 32


def test_a_list_that_does_not_fit_invites_nobody_and_stays_in_the_box(ana, clock):
    browser = login(ana.coach)
    invite(browser, ana.alliance.pk, addresses(15))
    typed = addresses(8, start=100)
    refused = invite(browser, ana.alliance.pk, typed)
    assert refused.status_code == 400
    assert (
        "You can send 5 more invitations this hour. Invite fewer people now, or all of "
        "them after 17:00." in page_text(refused)
    )
    assert f'value="{typed}"' in refused.content.decode()
    assert Invitation.objects.count() == 15 + 1  # and the one Ben joined through
    assert invitation_mails() == 15


def test_an_alliance_sends_at_most_fifty_a_day(ana, clock):
    ana_browser, ben_browser = login(ana.coach), login(ana.client)
    alliance = ana.alliance.pk
    invite(ana_browser, alliance, addresses(20))
    assert invite(ben_browser, alliance, addresses(20, start=20)).status_code == 302
    clock.move_to(FOUR_PM + timedelta(hours=1, minutes=1))
    refused = invite(ana_browser, alliance, addresses(11, start=40))
    assert (
        "This alliance can send 10 more invitations today. Invite fewer people now, or "
        "all of them after 3 March, 16:00." in page_text(refused)
    )
    assert invite(ana_browser, alliance, addresses(10, start=40)).status_code == 302
    assert invitation_mails() == 50

    refused = invite(ben_browser, alliance, "one.more@example.org")
    assert refused.status_code == 400
    # Ben reads the time in his own zone, UTC.
    assert (
        "This alliance has sent 50 invitations in the last 24 hours, as many as one "
        "alliance may. Try again after 3 March, 15:00." in page_text(refused)
    )
    assert invitation_mails() == 50


def test_the_same_invitation_goes_out_again_at_most_every_ten_minutes(ana, clock):
    invitation, _ = services.invitation_create(party=ana.coach_party, email="ben2@example.org")
    browser = login(ana.coach)
    url = f"/alliances/{ana.alliance.pk}/invitations/{invitation.pk}/renew/"
    clock.move_to(FOUR_PM + timedelta(minutes=5))
    page = browser.post(url, follow=True)
    assert "This invitation went out at 16:00. You can send it again after 16:10." in page_text(
        page
    )
    assert invitation_mails() == 1
    assert Invitation.objects.get(pk=invitation.pk).token_hash == invitation.token_hash

    clock.move_to(FOUR_PM + timedelta(minutes=10))
    page = browser.post(url, follow=True)
    assert "Invitation sent again to ben2@example.org." in page_text(page)
    assert invitation_mails() == 2


def test_sending_again_counts_toward_the_hour(ana, clock):
    first, _ = services.invitation_create(party=ana.coach_party, email="first@example.org")
    invite(login(ana.coach), ana.alliance.pk, addresses(18))
    clock.move_to(FOUR_PM + timedelta(minutes=15))
    services.invitation_renew(party=ana.coach_party, invitation_id=first.pk)
    with pytest.raises(ValidationError, match="You have sent 20 invitations"):
        services.invitation_create(party=ana.coach_party, email="twenty-first@example.org")
