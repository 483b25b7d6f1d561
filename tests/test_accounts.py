"""Accounts: sign-up with a name and a time zone, verification, profile, password reset."""

from django.core import mail
from django.test import Client

from alliance.accounts.models import User
from tests.conftest import login
from tests.factories import make_user, propose
from tests.helpers import links_in_last_mail, page_text, path_of, sign_up


def test_sign_up_needs_a_confirmed_email_before_anything_else(db):
    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {
            "email": "ana@example.org",
            "display_name": "Ana",
            "time_zone": "America/New_York",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="ana@example.org")
    assert (user.display_name, user.time_zone) == ("Ana", "America/New_York")
    assert browser.get("/alliances/new/").status_code == 302
    confirm = next(
        link for link in links_in_last_mail("ana@example.org") if "confirm-email" in link
    )
    browser.post(path_of(confirm))
    assert browser.get("/alliances/new/").status_code == 200


def test_sign_up_refuses_an_unknown_time_zone_and_keeps_the_form(db):
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "ana@example.org",
            "display_name": "Ana",
            "time_zone": "Mars/Olympus_Mons",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert 'value="ana@example.org"' in response.content.decode()
    assert not User.objects.exists()


def test_times_are_shown_in_the_viewers_own_zone(cast):
    propose(cast.coach_party, "We meet weekly.")
    cast.client.time_zone = "Asia/Tokyo"
    cast.client.save()
    event = cast.alliance.events.first()
    tokyo = event.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    page = page_text(login(cast.client).get(f"/alliances/{cast.alliance.pk}/"))
    assert tokyo.strftime("%H:%M") in page


def test_profile_changes_name_and_zone(db):
    user = make_user("Ana")
    browser = login(user)
    response = browser.post(
        "/profile/", {"display_name": " Ana  María ", "time_zone": "Europe/Madrid"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Ana María", "Europe/Madrid")
    bad = browser.post("/profile/", {"display_name": "", "time_zone": "Nowhere/City"})
    assert bad.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "Europe/Madrid"


def test_a_forgotten_password_can_be_reset_by_email(db):
    make_user("Ana", "ana@example.org")
    browser = Client()
    browser.post("/accounts/password/reset/", {"email": "ana@example.org"})
    reset = next(
        link for link in links_in_last_mail("ana@example.org") if "/password/reset/key/" in link
    )
    response = browser.get(path_of(reset))
    form_url = response["Location"] if response.status_code == 302 else path_of(reset)
    response = browser.post(
        form_url, {"password1": "a brand new secret 42", "password2": "a brand new secret 42"}
    )
    assert response.status_code == 302
    assert Client().login(email="ana@example.org", password="a brand new secret 42")


def test_log_out(db):
    browser = login(make_user("Ana"))
    browser.post("/accounts/logout/")
    assert browser.get("/profile/").status_code == 302


def test_sign_up_through_the_full_flow_lands_on_the_dashboard(db):
    browser = Client()
    sign_up(browser, "ana@example.org", "Ana")
    assert "Your alliances" in page_text(browser.get("/"))
    assert len(mail.outbox) == 1
