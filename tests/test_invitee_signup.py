"""An invitee signs up without retyping what we know: the address their invitation was
mailed to fills the form, and opening that link proves they read it."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from alliance.alliances import services
from tests.factories import make_alliance, make_user, party_of
from tests.helpers import links_in_last_mail, path_of


@pytest.fixture
def ana(db):
    ana = make_user("Ana", "ana@example.org")
    return party_of(make_alliance(ana, title="Coaching"), ana)


def invited_browser(raw: str) -> Client:
    browser = Client()
    assert browser.get(f"/invitations/{raw}/").status_code == 200
    return browser


def sign_up(browser: Client, raw: str, email: str):
    return browser.post(
        f"/accounts/signup/?next=/invitations/{raw}/",
        {
            "email": email,
            "display_name": "Ben",
            "time_zone": "Europe/Berlin",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )


def email_field(browser: Client) -> str:
    html = browser.get("/accounts/signup/").content.decode()
    start = html.index('name="email"')
    return html[html.rindex("<input", 0, start) : html.index(">", start)]


def test_the_sign_up_form_holds_the_address_the_invitation_was_mailed_to(ana):
    _, raw = services.invitation_create(party=ana, email="ben@example.org")
    assert 'value="ben@example.org"' in email_field(invited_browser(raw))


def test_a_link_shared_by_hand_leaves_the_address_empty(ana):
    _, mailed = services.invitation_create(party=ana, email="ben@example.org")
    _, shared = services.invitation_create(party=ana)
    assert "value=" not in email_field(Client())
    assert "value=" not in email_field(invited_browser(shared))
    # Opening a mailed link, then a shared one, does not keep the first one's address.
    browser = invited_browser(mailed)
    assert browser.get(f"/invitations/{shared}/").status_code == 200
    assert "value=" not in email_field(browser)


def test_signing_up_with_the_invited_address_asks_no_confirmation(ana):
    _, raw = services.invitation_create(party=ana, email="ben@example.org")
    browser = invited_browser(raw)
    mail.outbox.clear()
    response = sign_up(browser, raw, "BEN@example.org")
    assert response["Location"] == f"/invitations/{raw}/"
    assert mail.outbox == []
    address = EmailAddress.objects.get(user__email__iexact="ben@example.org")
    assert (address.verified, address.primary) == (True, True)
    response = browser.post(f"/invitations/{raw}/", {"role_label": "client"})
    assert response["Location"] == f"/alliances/{ana.alliance_id}/"


def test_another_address_is_confirmed_as_usual_and_the_invited_one_is_not_added(ana):
    _, raw = services.invitation_create(party=ana, email="ben@example.org")
    browser = invited_browser(raw)
    response = sign_up(browser, raw, "ben@home.example")
    assert response["Location"] == "/accounts/confirm-email/"
    assert list(
        EmailAddress.objects.filter(user__display_name="Ben").values_list("email", "verified")
    ) == [("ben@home.example", False)]
    confirm = next(link for link in links_in_last_mail("ben@home.example") if "confirm" in link)
    assert browser.post(path_of(confirm))["Location"] == f"/invitations/{raw}/"


def test_a_revoked_link_no_longer_vouches_for_the_address(ana):
    invitation, raw = services.invitation_create(party=ana, email="ben@example.org")
    browser = invited_browser(raw)
    services.invitation_revoke(party=ana, invitation_id=invitation.pk)
    assert sign_up(browser, raw, "ben@example.org")["Location"] == "/accounts/confirm-email/"
    assert not EmailAddress.objects.get(email="ben@example.org").verified


def test_without_the_link_the_invited_address_is_confirmed_as_usual(ana):
    services.invitation_create(party=ana, email="ben@example.org")
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "ben@example.org",
            "display_name": "Ben",
            "time_zone": "UTC",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert not EmailAddress.objects.get(email="ben@example.org").verified


@pytest.mark.parametrize(
    ("invited", "typed"),
    [("ben@strasse.de", "ben@straße.de"), ("sam@example.org", "\u017fam@example.org")],
)
def test_an_invitation_vouches_for_its_own_address_only_not_a_lookalike(db, invited, typed):
    """Found by a security review: an invitation to an address one owns must not verify
    another domain that merely folds to the same letters."""
    mallory = make_user("Mallory", "mallory@example.org")
    _, raw = services.invitation_create(
        party=party_of(make_alliance(mallory), mallory), email=invited
    )
    browser = Client()
    assert browser.get(f"/invitations/{raw}/").status_code == 200
    browser.post(
        f"/accounts/signup/?next=/invitations/{raw}/",
        {
            "email": typed,
            "display_name": "Ben",
            "time_zone": "UTC",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    assert not EmailAddress.objects.filter(email=typed, verified=True).exists()
