"""One-click unsubscribe per kind of email, and the page where people choose their email."""

import re

import pytest
from django.core import mail
from django.test import Client

from alliance.alliances.services import invitation_create
from alliance.outbox.models import NotificationPreferences
from tests.conftest import login
from tests.factories import join, make_user, propose, ratify_with

pytestmark = pytest.mark.django_db


def unsubscribe_link(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http")
    assert header.endswith(">")
    return header[1:-1]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def ratified_mail_to(cast, email: str):
    ratify_with([cast.coach_party, cast.client_party])
    return next(m for m in mail.outbox if m.to == [email] and "Version" in m.subject)


def test_optional_mail_carries_rfc_8058_headers_and_a_link_in_the_body(cast):
    propose(cast.coach_party, "We meet weekly.")
    message = ratified_mail_to(cast, cast.client.email)
    link = unsubscribe_link(message)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert link in message.alternatives[0][0]


def test_the_link_asks_before_it_unsubscribes(cast):
    propose(cast.coach_party, "We meet weekly.")
    link = path_of(unsubscribe_link(ratified_mail_to(cast, cast.client.email)))
    page = Client().get(link)
    assert page.status_code == 200
    assert b"Stop these emails?" in page.content
    assert b'<form method="post"' in page.content
    assert not NotificationPreferences.objects.filter(user=cast.client).exists()


def test_one_click_post_unsubscribes_from_that_kind_only(cast):
    propose(cast.coach_party, "We meet weekly.")
    link = path_of(unsubscribe_link(ratified_mail_to(cast, cast.client.email)))
    # Mail clients post without cookies or a CSRF token (RFC 8058).
    response = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"no more emails about" in response.content

    mail.outbox.clear()
    propose(cast.coach_party, "We answer within a day.")
    ratify_with([cast.coach_party, cast.client_party])
    assert [m.to for m in mail.outbox if "Version 2" in m.subject] == [[cast.coach.email]]

    # Another kind still arrives.
    mail.outbox.clear()
    newcomer = make_user("Cleo")
    join(cast.alliance, newcomer)
    assert sorted(m.to[0] for m in mail.outbox) == [cast.coach.email, cast.client.email]


def test_a_tampered_link_changes_nothing_and_says_so(cast):
    propose(cast.coach_party, "We meet weekly.")
    link = path_of(unsubscribe_link(ratified_mail_to(cast, cast.client.email)))
    tampered = link.replace(":", ":x", 1)
    for method in (Client().get, Client().post):
        response = method(tampered)
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    assert not NotificationPreferences.objects.filter(user=cast.client).exists()


def test_account_mail_and_invitations_cannot_be_unsubscribed(cast):
    invitation_create(party=cast.coach_party, email="new@example.org")
    message = mail.outbox[-1]
    assert "List-Unsubscribe" not in message.extra_headers
    assert "/unsubscribe/" not in message.body


def test_the_preferences_page_turns_kinds_off_and_on(cast):
    client = login(cast.client)
    page = client.get("/profile/notifications/")
    assert page.status_code == 200
    assert b"Tending signals" in page.content
    assert b"Invitations" not in page.content, "invitations cannot be turned off"

    wanted = ["joined", "nudge", "checkin_reminder", "tending_signal", "conversation", "closing"]
    response = client.post(
        "/profile/notifications/", {"wanted_kinds": wanted, "checkin_reminder_days": 5}
    )
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user=cast.client)
    assert (preferences.muted_kinds, preferences.checkin_reminder_days) == (["ratified"], 5)

    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    assert not [m for m in mail.outbox if m.to == [cast.client.email] and "Version" in m.subject]


def test_the_preferences_page_refuses_a_bad_number_and_keeps_the_old_choice(cast):
    client = login(cast.client)
    response = client.post(
        "/profile/notifications/", {"wanted_kinds": [], "checkin_reminder_days": -1}
    )
    assert response.status_code == 200
    assert b"greater than or equal to 0" in response.content
    assert not NotificationPreferences.objects.filter(user=cast.client).exists()


def test_the_preferences_page_needs_a_login():
    response = Client().get("/profile/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_profile_links_to_the_email_choices(cast):
    assert b"/profile/notifications/" in login(cast.client).get("/profile/").content
