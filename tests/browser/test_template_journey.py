"""Starting from a built-in template in a real browser, and keeping the result as one's
own template: every page on the way passes axe."""

import pytest

from alliance.alliances.models import Alliance
from alliance.starting.builtins import TEAM
from alliance.starting.models import Template
from tests.browser.people import log_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_lead_starts_from_the_team_template_and_keeps_it_as_her_own(live_server, browser):
    make_user("Ana", "ana@example.org")
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ana@example.org")

    page.goto(f"{live_server.url}/alliances/new/")
    page.get_by_label("Template", exact=True).select_option(label=str(TEAM.name))
    page.get_by_role("button", name="Use this template").click()
    assert page.locator("#id_title").input_value() == str(TEAM.name)
    assert page.locator("#id_kind").input_value() == "team"
    page.locator("#id_title").fill("Platform team")
    page.get_by_role("button", name="Create alliance").click()

    alliance = Alliance.objects.get(title="Platform team")
    assert page.url == f"{live_server.url}/alliances/{alliance.pk}/"
    draft = page.locator("#draft")
    for term in TEAM.terms:
        assert str(term.text) in " ".join(draft.inner_text().split())

    page.locator("#template-name").fill("Our team agreement")
    page.get_by_role("button", name="Save as template").click()
    assert page.url == f"{live_server.url}/templates/"
    assert page.get_by_role("heading", name="Our team agreement").is_visible()
    saved = Template.objects.get(name="Our team agreement")
    assert [t["text"] for t in saved.terms] == [str(t.text) for t in TEAM.terms]
