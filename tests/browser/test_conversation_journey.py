"""The design conversation in a real browser: a stake, private reflections, the reveal,
and a term drafted from what was said."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from alliance.lib.clock import now
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_parties_plant_a_stake_reflect_reveal_and_draft_a_term(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="America/New_York")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana, ben = ana_and_ben(browser, base)

    # Ana plants a stake with two times, some weeks ahead, at 10:00 in Berlin.
    first, second = now().date() + timedelta(days=40), now().date() + timedelta(days=41)
    in_new_york = (
        datetime.combine(second, time(10), ZoneInfo("Europe/Berlin"))
        .astimezone(ZoneInfo("America/New_York"))
        .strftime("%a %-d %b, %H:%M")
    )
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    ana.get_by_role("link", name="Plant a stake").click()
    ana.locator("#id_time_1").fill(f"{first.isoformat()}T10:00")
    ana.locator("#id_time_2").fill(f"{second.isoformat()}T10:00")
    ana.get_by_label("Place or video link").fill("https://meet.example.org/ana-ben")
    ana.get_by_role("button", name="Propose the conversation").click()
    conversation_url = ana.url.split("?")[0].split("#")[0]
    assert "Groundwork" in ana.content()

    # Ben sees the times in New York time and picks the second.
    ben.goto(conversation_url)
    assert in_new_york in ben.content()
    ben.get_by_label(in_new_york).check()
    ben.get_by_role("button", name="Save my answer").click()
    assert "it is scheduled" in ben.content()
    assert any(m.attachments for m in mail.outbox if "ana@example.org" in m.to)

    # Both reflect on the first prompt; Ana's draft stays hers until both shared.
    ana.goto(conversation_url)
    ana.locator("#id_text").fill("I want our sessions to feel honest and calm.")
    ana.get_by_role("button", name="Share").click()
    ana.locator(".prompt-nav a").first.click()  # back to the prompt she answered, to watch
    ben.goto(conversation_url)
    assert "honest and calm" not in ben.content()
    assert ben.locator("[data-who-shared]").inner_text().startswith("Ana: shared")
    ben.locator("#id_text").fill("You never tell me what you really think.")
    ben.wait_for_selector(".feedback-flag-blame")
    assert "I feel" in ben.locator(".feedback-flag-blame").inner_text()
    browser.audit.check(ben)  # the coach's flags came in without a new page
    ben.locator("#reflect").screenshot(path=str(screenshots / "feedback-coach.png"))
    ben.locator("#id_text").fill("I hope for honest feedback, even when it stings.")
    ben.get_by_role("button", name="Share").click()

    ben.locator(".prompt-nav a").first.click()
    assert ben.locator("#reveal").get_attribute("data-revealed") == "yes"
    assert ben.locator("#reveal mark").first.inner_text().lower() == "honest"
    ben.locator("#reveal").screenshot(path=str(screenshots / "reveal.png"))

    # Ana's page updates on its own (no reload) and she turns Ben's words into a term.
    ana.wait_for_selector("#reveal[data-revealed=yes]", timeout=15_000)
    browser.audit.check(ana)  # so did the reveal
    ana.screenshot(path=str(screenshots / "conversation.png"), full_page=True)
    ana.locator('.reflection[data-party="Ben"]').get_by_role(
        "link", name="Propose a term from this"
    ).click()
    ana.get_by_label("Term").fill("We give each other honest feedback, kindly, in every session.")
    ana.get_by_role("button", name="Propose the term").click()
    assert "Term proposed from the reflection" in ana.content()
