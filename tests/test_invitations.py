"""Invitations: single-use, expiring links, stored hashed, re-sendable and revocable."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from alliance.alliances import services
from alliance.alliances.models import Invitation
from alliance.lib.clock import now
from alliance.lib.tokens import hash_token
from tests.conftest import login
from tests.factories import make_alliance, make_user, party_of
from tests.helpers import links_in_last_mail, page_text, path_of


@pytest.fixture
def ana_alone(db):
    ana = make_user("Ana", "ana@example.org")
    alliance = make_alliance(ana, title="Co-founding Brightly", kind="cofounders", role="CEO")
    return party_of(alliance, ana)


def test_an_emailed_invitation_carries_a_working_link_and_only_its_hash_is_stored(ana_alone):
    invitation, raw = services.invitation_create(
        party=ana_alone, email="Ben@Example.org", role_label="CTO"
    )
    assert invitation.email == "ben@example.org"
    assert invitation.token_hash == hash_token(raw)
    assert raw not in str(Invitation.objects.values().get())
    message = mail.outbox[-1]
    assert message.to == ["ben@example.org"]
    assert "Ana invites you" in message.subject
    assert "Co-founding Brightly" in message.body
    assert f"/invitations/{raw}/" in message.body
    html = message.alternatives[0][0]
    assert f"/invitations/{raw}/" in html


def test_a_link_only_invitation_sends_no_mail_and_shows_the_link_once(ana_alone):
    client = login(ana_alone.user)
    response = client.post(
        f"/alliances/{ana_alone.alliance_id}/invitations/", {"email": "", "role_label": ""}
    )
    assert mail.outbox == []
    first_view = client.get(response["Location"]).content.decode()
    link = re.search(r'value="([^"]+/invitations/[^"]+)"[^>]*data-invitation-link', first_view)
    assert link is not None
    assert Client().get(path_of(link.group(1))).status_code == 200
    assert link.group(1) not in client.get(response["Location"]).content.decode()


def test_joining_through_a_link_makes_a_party_and_spends_the_link(ana_alone):
    _, raw = services.invitation_create(party=ana_alone, email="ben@example.org")
    ben = make_user("Ben", "ben@example.org")
    party = services.invitation_accept(raw_token=raw, user=ben, role_label="  CTO ")
    assert party.role_label == "CTO"
    assert "Ben joined" in mail.outbox[-1].subject
    carla = make_user("Carla")
    with pytest.raises(services.InvitationUnusable, match="already used"):
        services.invitation_accept(raw_token=raw, user=carla, role_label="COO")
    response = login(carla).get(f"/invitations/{raw}/")
    assert response.status_code == 410
    assert "already used" in page_text(response)


def test_joining_twice_through_the_same_link_lands_the_same_person_in_the_alliance(ana_alone):
    """A double-click on "Join": the second request finds the link spent by the first, and
    it was spent by this very person, so they land in the alliance, told nothing is wrong."""
    _, raw = services.invitation_create(party=ana_alone, email="ben@example.org")
    ben = make_user("Ben", "ben@example.org")
    first = services.invitation_accept(raw_token=raw, user=ben, role_label="CTO")
    mails = len(mail.outbox)
    again = services.invitation_accept(raw_token=raw, user=ben, role_label="CTO")
    assert again.pk == first.pk
    assert len(mail.outbox) == mails  # the others hear once that Ben joined
    assert ana_alone.alliance.events.filter(kind="joined").count() == 1
    response = login(ben).post(f"/invitations/{raw}/", {"role_label": "CTO"})
    assert response.status_code == 302
    assert response["Location"] == f"/alliances/{ana_alone.alliance_id}/"


def test_an_expired_link_gets_a_clear_page_and_makes_no_party(ana_alone):
    _, raw = services.invitation_create(party=ana_alone, email="ben@example.org")
    ben = make_user("Ben", "ben@example.org")
    with time_machine.travel(now() + timedelta(days=14, minutes=1)):
        response = login(ben).get(f"/invitations/{raw}/")
        assert response.status_code == 410
        assert "This invitation expired. Ask Ana to send it again" in page_text(response)
        response = login(ben).post(f"/invitations/{raw}/", {"role_label": "CTO"})
        assert response.status_code == 410
    assert not ana_alone.alliance.parties.filter(user=ben).exists()


def test_a_link_still_works_just_before_it_expires(ana_alone):
    _, raw = services.invitation_create(party=ana_alone)
    with time_machine.travel(now() + timedelta(days=13, hours=23)):
        response = login(make_user("Ben")).get(f"/invitations/{raw}/")
        assert response.status_code == 200


def test_a_revoked_link_stops_working(ana_alone):
    invitation, raw = services.invitation_create(party=ana_alone, email="ben@example.org")
    client = login(ana_alone.user)
    client.post(f"/alliances/{ana_alone.alliance_id}/invitations/{invitation.pk}/revoke/")
    response = Client().get(f"/invitations/{raw}/")
    assert response.status_code == 410
    assert "Ana withdrew this invitation" in page_text(response)


def test_sending_again_replaces_the_link_and_restarts_the_clock(ana_alone):
    invitation, old = services.invitation_create(party=ana_alone, email="ben@example.org")
    with time_machine.travel(now() + timedelta(days=10)):
        _, new = services.invitation_renew(party=ana_alone, invitation_id=invitation.pk)
        invitation.refresh_from_db()
        assert invitation.expires_at > now() + timedelta(days=13)
    assert new != old
    assert Client().get(f"/invitations/{old}/").status_code == 404
    assert path_of(links_in_last_mail("ben@example.org")[0]) == f"/invitations/{new}/"
    assert invitation.sent_count == 2


def test_an_unknown_link_is_a_friendly_404(db):
    response = Client().get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in page_text(response)


def test_a_party_cannot_invite_someone_already_in(ana_alone):
    with pytest.raises(ValidationError, match="already in this alliance"):
        services.invitation_create(party=ana_alone, email="ana@example.org")


def test_a_bad_email_address_gets_a_message_and_invites_nobody(ana_alone):
    client = login(ana_alone.user)
    response = client.post(
        f"/alliances/{ana_alone.alliance_id}/invitations/",
        {"email": "carla@example.org, ben@", "role_label": ""},
    )
    assert response.status_code == 400
    assert "These are not email addresses: ben@." in page_text(response)
    assert 'value="carla@example.org, ben@"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_team_lead_invites_several_people_at_once(ana_alone):
    client = login(ana_alone.user)
    response = client.post(
        f"/alliances/{ana_alone.alliance_id}/invitations/",
        {"email": "ben@example.org, Carla@Example.org;\ndan@example.org", "role_label": "peer"},
        follow=True,
    )
    assert "Invitation sent to ben@example.org, carla@example.org, dan@example.org." in page_text(
        response
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ben@example.org",
        "carla@example.org",
        "dan@example.org",
    ]
    links = {m.body.split("/invitations/")[1].split("/")[0] for m in mail.outbox}
    assert len(links) == 3


def test_one_address_already_in_refuses_the_whole_list(ana_alone):
    response = login(ana_alone.user).post(
        f"/alliances/{ana_alone.alliance_id}/invitations/",
        {"email": "ben@example.org, ana@example.org", "role_label": ""},
    )
    assert response.status_code == 400
    assert "Already in this alliance: ana@example.org. Nobody was invited." in page_text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_existing_user_logs_in_and_is_brought_back_to_the_invitation(ana_alone):
    _, raw = services.invitation_create(party=ana_alone, email="ben@example.org")
    make_user("Ben", "ben@example.org")
    browser = Client()
    assert browser.get(f"/invitations/{raw}/").status_code == 200
    response = browser.post(
        f"/accounts/login/?next=/invitations/{raw}/",
        {"login": "ben@example.org", "password": "a-long-test-password-9"},
    )
    assert response["Location"] == f"/invitations/{raw}/"
    response = browser.post(f"/invitations/{raw}/", {"role_label": "CTO"})
    assert response["Location"] == f"/alliances/{ana_alone.alliance_id}/"


def test_the_dashboard_offers_to_continue_an_interrupted_join(ana_alone):
    _, raw = services.invitation_create(party=ana_alone)
    make_user("Ben", "ben@example.org")
    browser = Client()
    browser.get(f"/invitations/{raw}/")
    browser.post(
        "/accounts/login/", {"login": "ben@example.org", "password": "a-long-test-password-9"}
    )
    dashboard = browser.get("/", {"q": raw[:4]})
    assert "Continue joining" in page_text(dashboard)
    # The link's token is never in a page: one that echoes a search and is compressed
    # could give it away to whoever sees its size.
    assert raw not in dashboard.content.decode()
    assert browser.get("/invitations/continue/")["Location"] == f"/invitations/{raw}/"
    # Joined, nothing is left to continue.
    browser.post(f"/invitations/{raw}/", {"role_label": "client"})
    assert "Continue joining" not in page_text(browser.get("/"))
    assert browser.get("/invitations/continue/")["Location"] == "/"


def test_a_team_alliance_takes_any_number_of_parties(db):
    lead = make_user("Lee")
    team = make_alliance(lead, title="Platform team", kind="team", role="team lead")
    for n in range(5):
        _, raw = services.invitation_create(party=party_of(team, lead))
        services.invitation_accept(
            raw_token=raw, user=make_user(f"Member {n}"), role_label="engineer"
        )
    assert team.parties.count() == 6


def test_revoking_names_who_can_no_longer_join(ana_alone):
    invitation, _ = services.invitation_create(party=ana_alone, email="ben@example.org")
    response = login(ana_alone.user).post(
        f"/alliances/{ana_alone.alliance_id}/invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "The invitation for ben@example.org no longer works." in page_text(response)
    again = login(ana_alone.user).post(
        f"/alliances/{ana_alone.alliance_id}/invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "That invitation was revoked." in page_text(again)
