"""Closed sign-up (ALLIANCE_OPEN_SIGNUP=false): only a still-valid invitation opens the
sign-up form, and each invitation link opens it for one account only."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances import services
from alliance.lib.clock import now
from tests.factories import make_alliance, make_user, party_of
from tests.helpers import links_in_last_mail, page_text, path_of

CLOSED = "Sign-up is by invitation only"


@pytest.fixture
def ana(db, settings):
    settings.OPEN_SIGNUP = False
    ana = make_user("Ana", "ana@example.org")
    return party_of(make_alliance(ana, title="Coaching"), ana)


def sign_up(browser: Client, email: str, next_url: str = ""):
    return browser.post(
        "/accounts/signup/" + (f"?next={next_url}" if next_url else ""),
        {
            "email": email,
            "display_name": email.split("@")[0],
            "time_zone": "UTC",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )


def invited_browser(raw: str) -> Client:
    browser = Client()
    assert browser.get(f"/invitations/{raw}/").status_code == 200
    return browser


def assert_closed(browser: Client, email: str) -> None:
    assert CLOSED in page_text(browser.get("/accounts/signup/"))
    sign_up(browser, email)
    assert not User.objects.filter(email=email).exists()


def test_without_an_invitation_the_sign_up_is_closed_and_says_why(ana):
    assert_closed(Client(), "stranger@example.org")


def test_a_valid_invitation_opens_the_sign_up_for_one_account(ana):
    _, raw = services.invitation_create(party=ana)
    browser = invited_browser(raw)
    assert "Sign up" in page_text(browser.get("/accounts/signup/"))
    assert sign_up(browser, "ben@example.org").status_code == 302
    assert User.objects.filter(email="ben@example.org").exists()
    # The same browser cannot make a second account from it ...
    assert_closed(browser, "ben2@example.org")
    # ... nor can the same link in a fresh browser.
    assert_closed(invited_browser(raw), "ben3@example.org")


def test_an_invitation_revoked_after_the_visit_no_longer_opens_the_sign_up(ana):
    invitation, raw = services.invitation_create(party=ana)
    browser = invited_browser(raw)
    services.invitation_revoke(party=ana, invitation_id=invitation.pk)
    assert_closed(browser, "ben@example.org")


def test_an_invitation_that_expired_after_the_visit_no_longer_opens_the_sign_up(ana):
    _, raw = services.invitation_create(party=ana)
    browser = invited_browser(raw)
    with time_machine.travel(now() + timedelta(days=15)):
        assert_closed(browser, "ben@example.org")


def test_an_invitation_someone_else_used_no_longer_opens_the_sign_up(ana):
    _, raw = services.invitation_create(party=ana)
    browser = invited_browser(raw)
    services.invitation_accept(raw_token=raw, user=make_user("Carla"), role_label="client")
    assert_closed(browser, "ben@example.org")


def test_a_fresh_link_sent_again_opens_the_sign_up_once_more(ana):
    """Someone who mistyped their address asks for the link again and can sign up."""
    invitation, raw = services.invitation_create(party=ana, email="ben@example.org")
    sign_up(invited_browser(raw), "bne@example.org")
    # Sending the same invitation again waits a few minutes (the flood limit).
    with time_machine.travel(now() + timedelta(minutes=15), tick=False):
        _, fresh = services.invitation_renew(party=ana, invitation_id=invitation.pk)
        browser = invited_browser(fresh)
        assert sign_up(browser, "ben@example.org").status_code == 302
    assert User.objects.filter(email="ben@example.org").exists()


def test_open_sign_up_needs_no_invitation(ana, settings):
    settings.OPEN_SIGNUP = True
    browser = Client()
    assert sign_up(browser, "new@example.org").status_code == 302
    assert sign_up(Client(), "other@example.org").status_code == 302


def test_the_new_account_still_joins_through_the_link_that_opened_sign_up(ana):
    _, raw = services.invitation_create(party=ana, email="ben@example.org")
    browser = invited_browser(raw)
    response = sign_up(browser, "ben@example.org", next_url=f"/invitations/{raw}/")
    # The address the link was mailed to needs no confirmation: straight back to join.
    assert response["Location"] == f"/invitations/{raw}/"
    response = browser.post(f"/invitations/{raw}/", {"role_label": "client"})
    assert response["Location"] == f"/alliances/{ana.alliance_id}/"
    assert ana.alliance.parties.filter(user__email="ben@example.org").exists()


def test_with_another_address_the_new_account_confirms_it_then_joins(ana):
    _, raw = services.invitation_create(party=ana, email="ben@example.org")
    browser = invited_browser(raw)
    response = sign_up(browser, "ben@home.example", next_url=f"/invitations/{raw}/")
    assert response["Location"] == "/accounts/confirm-email/"
    confirm = next(link for link in links_in_last_mail("ben@home.example") if "confirm" in link)
    response = browser.post(path_of(confirm))
    assert response["Location"] == f"/invitations/{raw}/"
    # The link was spent on this account: a second one through it is refused.
    assert_closed(invited_browser(raw), "ben@example.org")
