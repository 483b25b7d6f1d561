"""coach.js in Chromium: typing into a coached textarea shows the coach's flags."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The conversation pages will carry this markup; until then the test adds it to a real
# form (the profile form, which holds a CSRF token) and loads the script.
COACHED_TEXTAREA = """() => new Promise((loaded, failed) => {
  const form = document.querySelector("main form");
  form.insertAdjacentHTML("beforeend",
    '<textarea id="reflection" data-feedback-coach></textarea>' +
    '<div data-feedback-for="reflection"></div>');
  const script = document.createElement("script");
  script.src = "/static/feedback/coach.js";
  script.onload = loaded;
  script.onerror = failed;
  document.body.appendChild(script);
})"""


def test_flags_appear_after_a_pause_in_typing(live_server, browser, cast):
    session = Client()
    session.force_login(cast.client)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/profile/")
    page.evaluate(COACHED_TEXTAREA)
    page.locator("#reflection").type("You never listen to <b>me</b>.")

    flags = page.locator('[data-feedback-for="reflection"] .feedback-flag')
    flags.first.wait_for()
    assert flags.count() == 2
    blame = page.locator(".feedback-flag-blame")
    assert blame.locator("q").inner_text() == "You never"
    assert "I feel unheard" in blame.locator(".feedback-flag-suggestion").inner_text()
    # What was typed is shown as text, never as markup.
    assert page.locator('[data-feedback-for="reflection"] b').count() == 0
    context.close()
