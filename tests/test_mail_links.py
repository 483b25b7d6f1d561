"""Every link in every mail is on ALLIANCE_BASE_URL, whatever Host the request named.

A proxy that passes any Host header through (simulated here by allowing `evil.example`)
must not let an attacker mail a victim a password-reset link to the attacker's own host.
"""

import pytest
from django.core import mail
from django.test import Client

from alliance.alliances import services
from tests.conftest import login
from tests.factories import make_alliance, make_user, party_of
from tests.helpers import LINK, path_of

BASE_URL = "https://alliance.example.org"
EVIL = "evil.example"


@pytest.fixture(autouse=True)
def permissive_proxy(settings):
    settings.BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = ["testserver", EVIL]


def attacker() -> Client:
    return Client(HTTP_HOST=EVIL)


def mail_to(address: str):
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no email to {address}; outbox has {[m.to for m in mail.outbox]}"
    return messages[-1]


def assert_links_on_base_url(message) -> list[str]:
    """Every part of the message (text and HTML) names only the base URL; returns the links."""
    parts = [message.body] + [content for content, _mime in message.alternatives]
    links = []
    for part in parts:
        assert EVIL not in part
        for link in LINK.findall(part):
            assert link.startswith(BASE_URL + "/"), link
            links.append(link)
    assert EVIL not in message.subject
    assert links, "the message carries a link"
    return links


def test_a_password_reset_asked_with_a_forged_host_mails_a_link_to_the_real_site(db):
    make_user("Vic", "victim@example.org")
    response = attacker().post("/accounts/password/reset/", {"email": "victim@example.org"})
    assert response.status_code == 302
    message = mail_to("victim@example.org")
    links = assert_links_on_base_url(message)
    assert "your account on Alliance" in message.body
    assert "alliance.example.org" in message.body
    reset = next(link for link in links if "/password/reset/key/" in link)
    # The link still works, on the real site.
    assert Client().get(path_of(reset)).status_code in (200, 302)


def test_a_reset_for_an_unknown_address_points_to_the_real_sign_up(db):
    attacker().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    links = assert_links_on_base_url(mail_to("nobody@example.org"))
    assert f"{BASE_URL}/accounts/signup/" in links


def test_a_sign_up_with_a_forged_host_mails_a_confirmation_link_to_the_real_site(db):
    attacker().post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "New",
            "time_zone": "UTC",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    links = assert_links_on_base_url(mail_to("new@example.org"))
    assert any("/accounts/confirm-email/" in link for link in links)


def test_a_sign_up_with_a_taken_address_mails_its_owner_links_to_the_real_site(db):
    make_user("Vic", "victim@example.org")
    attacker().post(
        "/accounts/signup/",
        {
            "email": "victim@example.org",
            "display_name": "Vic",
            "time_zone": "UTC",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    links = assert_links_on_base_url(mail_to("victim@example.org"))
    assert f"{BASE_URL}/accounts/password/reset/" in links


def test_an_invitation_sent_from_a_forged_host_links_to_the_real_site(db):
    ana = make_user("Ana", "ana@example.org")
    party = party_of(make_alliance(ana), ana)
    browser = login(ana)
    browser.defaults["HTTP_HOST"] = EVIL
    browser.post(
        f"/alliances/{party.alliance_id}/invitations/",
        {"email": "ben@example.org", "role_label": "client"},
    )
    message = mail_to("ben@example.org")
    assert message.alternatives, "the invitation has an HTML part"
    links = assert_links_on_base_url(message)
    assert any("/invitations/" in link for link in links)
    assert services.invitation_url("x").startswith(BASE_URL)
