"""Ana makes a personal access token in Chromium: from her profile to the tokens page, the
secret shown once beside how to use it, a script of hers (urllib) calling the live API with
it, then revoking it after the page asks, and the script refused from then on."""

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.people import log_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def call_api(base: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_ana_makes_uses_and_revokes_a_token(live_server, browser, settings):
    settings.BASE_URL = live_server.url
    make_user("Ana", "ana@example.org")
    page = browser.new_context(viewport={"width": 414, "height": 860}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ana@example.org")

    page.goto(live_server.url + "/profile/")
    page.get_by_role("link", name="Access tokens for the API").click()
    assert page.url == live_server.url + "/profile/tokens/"
    page.get_by_text("You have no tokens yet.").wait_for()

    page.get_by_label("Name").fill("My CRM")
    page.get_by_label("Read and write").check()
    page.get_by_label("In 30 days").check()
    page.get_by_role("button", name="Make the token").click()
    page.get_by_text("shown only now").wait_for()
    secret = page.get_by_label("The new token").input_value()
    assert secret.startswith("alliance_pat_")
    assert f"Authorization: Bearer {secret}" in page.locator("#new-token").inner_text()
    assert page.get_by_role("link", name="the API documentation").first.get_attribute("href") == (
        "/api/v1/docs"
    )

    status, me = call_api(live_server.url, secret)
    assert status == 200
    assert me["email"] == "ana@example.org"

    # The next visit lists it, used just now, and never shows the secret again.
    page.goto(live_server.url + "/profile/tokens/")
    listed = page.locator("li[id^=token-]").first.inner_text()
    assert "My CRM" in listed
    assert "Read and write" in listed
    assert "Last used" in listed
    assert secret not in page.content()

    page.get_by_role("link", name="Revoke “My CRM”…").click()
    page.get_by_role("heading", name="Revoke “My CRM”?").wait_for()
    assert call_api(live_server.url, secret)[0] == 200  # asking revoked nothing
    page.get_by_role("button", name="Revoke “My CRM”").click()
    page.get_by_text("“My CRM” is revoked").wait_for()

    status, problem = call_api(live_server.url, secret)
    assert status == 401
    assert problem["status"] == 401
