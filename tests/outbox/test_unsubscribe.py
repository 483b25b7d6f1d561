"""One-click unsubscribe per kind of email, and the page where people choose their email."""

import re

import pytest
from django.core import mail
from django.test import Client

from alliance.alliances.services import invitation_create
from alliance.outbox.models import OPTIONAL_KINDS, NotificationPreferences
from tests.conftest import login
from tests.factories import join, make_user, propose, ratify_with
from tests.helpers import page_text

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


def choices(**chosen: str) -> dict[str, str]:
    """The preferences form as posted: every kind as it happens but those in `chosen`."""
    return {
        **{f"delivery_{kind}": chosen.get(kind, "immediate") for kind in OPTIONAL_KINDS},
        "checkin_reminder_days": chosen.get("days", "5"),
    }


def test_the_preferences_page_turns_kinds_off_and_on(cast):
    client = login(cast.client)
    page = client.get("/profile/notifications/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Tending signals from the other parties" in text
    assert "In the daily digest" in text
    # Invitations always come, and the page says why, without a choice to make.
    assert "Invitations to an alliance" in text
    assert 'name="delivery_invitation"' not in page.content.decode()
    assert 'name="delivery_calendar"' not in page.content.decode()

    response = client.post("/profile/notifications/", choices(ratified="off", joined="digest"))
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user=cast.client)
    assert preferences.deliveries == {"joined": "digest", "ratified": "off"}
    assert preferences.checkin_reminder_days == 5
    again = page_text(client.get("/profile/notifications/"))
    assert "Your email choices are saved." in again

    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    assert not [m for m in mail.outbox if m.to == [cast.client.email] and "Version" in m.subject]


def test_the_page_shows_each_kind_as_chosen(cast):
    client = login(cast.client)
    client.post("/profile/notifications/", choices(nudge="off", tending_signal="digest"))
    page = client.get("/profile/notifications/").content.decode()
    assert re.search(r'name="delivery_nudge" value="off"[^>]*checked', page)
    assert re.search(r'name="delivery_tending_signal" value="digest"[^>]*checked', page)
    assert re.search(r'name="delivery_joined" value="immediate"[^>]*checked', page)


def test_the_preferences_page_refuses_a_bad_number_and_keeps_the_old_choice(cast):
    client = login(cast.client)
    response = client.post("/profile/notifications/", choices(joined="off", days="-1"))
    assert response.status_code == 200
    assert b"greater than or equal to 0" in response.content
    # What they chose stays on the page for them to send again.
    assert re.search(r'name="delivery_joined" value="off"[^>]*checked', response.content.decode())
    assert not NotificationPreferences.objects.filter(user=cast.client).exists()


def test_the_preferences_page_refuses_an_unknown_choice(cast):
    client = login(cast.client)
    response = client.post("/profile/notifications/", choices(joined="weekly"))
    assert response.status_code == 200
    assert "Choose as it happens, in the daily digest, or off." in page_text(response)
    assert not NotificationPreferences.objects.filter(user=cast.client).exists()


def test_the_preferences_page_needs_a_login():
    response = Client().get("/profile/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_profile_links_to_the_email_choices(cast):
    assert b"/profile/notifications/" in login(cast.client).get("/profile/").content
