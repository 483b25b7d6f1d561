"""On a phone (390x844) the parts a person came for are within reach: the reflection box
of the current prompt comes before the list of every prompt, and the health chart's
words are at least 11 px tall as rendered, not shrunk with the picture."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from alliance.conversations.selectors import prompts_of
from alliance.lib.clock import now
from alliance.tending import services as tending_services
from tests.browser.people import log_in
from tests.conversations.factories import plant
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

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


# Each text of the chart: its size as rendered (font size times the drawing's scale) and
# its box on the screen.
CHART_TEXTS = """svg => [
    ...svg.querySelectorAll(':scope > text, :scope > foreignObject > div')
].map(t => {
    const box = t.getBoundingClientRect();
    const scale = (t.getScreenCTM ? t.getScreenCTM() : svg.getScreenCTM()).a;
    return {
        text: [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('').trim(),
        px: parseFloat(getComputedStyle(t).fontSize) * scale,
        left: box.left, right: box.right, top: box.top, bottom: box.bottom,
    };
})"""


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_on_a_phone_the_health_chart_is_legible_and_no_label_overprints(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana, ben = party_of(alliance, ana_user), party_of(alliance, ben_user)
    start = now() - timedelta(days=120)
    with time_machine.travel(start, tick=False) as clock:
        propose(ana, "Between sessions we write by email and answer within two working days.")
        ratify_with([ana, ben])
        clock.shift(timedelta(hours=2))  # version 2 on the same morning
        propose(ana, "We meet every other Tuesday at 9.")
        ratify_with([ana, ben])
        clock.shift(timedelta(days=60))
        checkin = tending_services.checkin_start(party=ana)
        terms = [t["id"] for t in alliance.versions.get(number=2).snapshot["terms"]]
        for party, scores in ((ana, ["well", "well"]), (ben, ["tending", "well"])):
            tending_services.checkin_answer(
                party=party,
                checkin_id=checkin.pk,
                ratings={t: (s, "") for t, s in zip(terms, scores, strict=True)},
            )
        clock.shift(timedelta(days=20))
        tending_services.signal_raise(party=ben, note="Emails pile up.", term_id=terms[0])

    page = phone(browser, live_server.url, "ben@example.org")
    page.goto(f"{live_server.url}/alliances/{alliance.pk}/health/")
    chart = page.locator("svg.health-chart")
    texts = chart.evaluate(CHART_TEXTS)
    assert len(texts) == 6  # three lane names, one label for v1 and v2, two dates
    smallest = min(t["px"] for t in texts)
    print(f"smallest chart text on a phone: {smallest:.1f} px")
    assert smallest >= 11, [(t["text"], round(t["px"], 1)) for t in texts]
    overprints = [
        (a["text"], b["text"])
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if _overlap(a, b)
    ]
    assert overprints == []
    # The chart fits the phone's width: nothing to scroll sideways for.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = chart.bounding_box()
    outside = [
        t["text"] for t in texts if t["left"] < box["x"] or t["right"] > box["x"] + box["width"]
    ]
    assert outside == [], (box, texts)
    # The dot of the email term shows Ben's "needs tending", not an average.
    assert chart.locator(".rating.tending").count() == 1
    assert "Ben: needs tending" in chart.locator(".rating.tending title").text_content()
    page.screenshot(path=str(screenshots / "health-phone.png"), full_page=True)
