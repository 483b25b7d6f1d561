"""An invitee's first minutes in a real browser: from the invitation email to a joined
alliance, with the address filled in, the zone taken from the browser and no confirmation
mail; and a person whose browser sits in another zone, asked once."""

import pytest
from django.core import mail

from alliance.accounts.models import User
from alliance.alliances import services
from tests.browser.people import log_in
from tests.browser.test_browser_journey import mailed_link
from tests.factories import make_alliance, make_user, party_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invitee_joins_from_the_email_without_retyping_or_confirming(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    ana = make_user("Ana", "ana@example.org")
    alliance = make_alliance(ana, title="Coaching: Ana and Ben")
    services.invitation_create(
        party=party_of(alliance, ana), email="ben@example.org", role_label="client"
    )
    ben = browser.new_context(timezone_id="Europe/Berlin", viewport={"width": 414, "height": 860})
    page = ben.new_page()
    page.set_default_timeout(10_000)
    mails_before = len(mail.outbox)

    # 1. Ben opens the link in his invitation email.
    page.goto(mailed_link("ben@example.org", "/invitations/"))
    assert "Ana invites you" in page.content()
    # 2. Sign up.
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    assert page.get_by_label("Email").input_value() == "ben@example.org"
    assert page.get_by_label("Time zone").input_value() == "Europe/Berlin"
    page.get_by_label("Your name").fill("Ben")
    page.locator("#id_password1").fill("correct horse battery 77")
    page.locator("#id_password2").fill("correct horse battery 77")
    page.screenshot(path=str(screenshots / "invitee-sign-up.png"), full_page=True)
    # 3. Submit: no "confirm your address" stop, straight to the invitation.
    page.get_by_role("button", name="Sign Up").click()
    assert "Join “Coaching: Ana and Ben”" in page.content()
    # 4. Join.
    page.get_by_role("button", name="Join the alliance").click()
    assert page.url == f"{live_server.url}/alliances/{alliance.pk}/"
    assert alliance.parties.filter(user__email="ben@example.org").exists()
    assert [m for m in mail.outbox[mails_before:] if "ben@example.org" in m.to] == []
    assert User.objects.get(email="ben@example.org").time_zone == "Europe/Berlin"
    # His browser and his profile agree: nothing to ask.
    assert page.locator("[data-time-zone-question]").count() == 0


def test_a_browser_in_another_zone_is_asked_once(live_server, browser, settings):
    settings.BASE_URL = live_server.url
    make_user("Ana", "ana@example.org")  # her profile says UTC
    page = browser.new_context(timezone_id="America/New_York").new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ana@example.org")
    question = page.locator("[data-time-zone-question]")
    assert "Your browser says America/New_York; your profile says UTC." in question.inner_text()
    page.get_by_role("button", name="Keep UTC").click()
    assert question.count() == 0
    page.goto(live_server.url + "/profile/")
    assert question.count() == 0
    # Her profile keeps the zone she kept: saving it does not switch behind her back.
    assert page.get_by_label("Time zone").input_value() == "UTC"
    assert User.objects.get(email="ana@example.org").time_zone == "UTC"
