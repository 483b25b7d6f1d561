"""In Chromium, without any script of ours: a team renames its alliance from its page,
one member takes the lead, and another then sees the team's settings read-only."""

import pytest

from alliance.alliances.models import Kind
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_renames_its_alliance_and_a_lead_holds_the_settings(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana_user = make_user("Ana", "ana@example.org")
    alliance = make_alliance(ana_user, title="Team Blue", kind=Kind.TEAM, role="team member")
    join(alliance, make_user("Ben", "ben@example.org"), role="team member")
    ana, ben = ana_and_ben(browser, base)
    page_url = f"{base}/alliances/{alliance.pk}/"

    # A refused rename keeps what Ana typed and says why.
    ana.goto(page_url)
    ana.get_by_text("Rename or change the purpose").click()
    ana.locator("#details_title").fill("")
    ana.locator("#details_purpose").fill("We ship on Fridays.")
    ana.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
    ana.locator("#rename").get_by_role("button", name="Save").click()
    assert ana.locator(".errorlist").count() >= 1
    assert ana.get_by_label("Purpose").input_value() == "We ship on Fridays."

    ana.get_by_label("Title").fill("Team Blue, season two")
    ana.get_by_role("button", name="Save").click()
    assert ana.locator("h1").inner_text() == "Team Blue, season two"
    assert "We ship on Fridays." in ana.locator("main").inner_text()

    # Ana takes the lead; the page says so and states the rule.
    ana.get_by_role("button", name="become a lead").click()
    parties = ana.locator("#parties").inner_text()
    assert "lead" in ana.locator("[data-lead]").inner_text()
    assert "While nobody is a lead" in parties
    ana.screenshot(path=str(screenshots / "team-with-a-lead.png"), full_page=True)

    # Ben sees the history, and the signal setting only as words.
    ben.goto(page_url)
    history = ben.locator(".timeline").inner_text()
    assert "Ana renamed the alliance from “Team Blue” to “Team Blue, season two”" in history
    assert "Ana became a lead" in history
    assert "Only the lead, Ana, may change this." in ben.locator("#parties").inner_text()
    assert ben.get_by_role("button", name="make a lead").count() == 0
    ben.goto(f"{base}/alliances/{alliance.pk}/signals/")
    assert "Only the lead, Ana, may change this." in ben.locator("main").inner_text()
    assert ben.locator("input[name=allow_anonymous]").count() == 0
