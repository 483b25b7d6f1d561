"""A version printed from the browser keeps its terms and signatures and drops what only
works on a screen: the site's navigation, links, forms and buttons. Its print view (the
PDF's page) opens from the version page."""

from typing import Any

import pytest

from alliance.terms.models import Category
from tests.browser.people import log_in
from tests.factories import join, make_alliance, make_user, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_printed_version_keeps_terms_and_signatures_only(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    ana_user = make_user("Ana", "ana@example.org")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    ben = join(alliance, make_user("Ben", "ben@example.org"))
    ana = alliance.parties.get(user=ana_user)
    propose(ana, "We meet every second Tuesday at 9:00.")
    propose(ben, "Cancel 24 hours ahead.", Category.TIME)
    ratify_with([ana, ben])

    page: Any = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "ana@example.org")
    page.goto(f"{live_server.url}/alliances/{alliance.pk}/versions/1/")
    assert page.locator(".record-links a").count() == 3
    assert page.locator("form").count() > 0  # the check-in plan, on screen

    page.emulate_media(media="print")
    for hidden in ("header.site-header", "form", "button", ".record-links", "p.screen-only"):
        for element in page.locator(hidden).all():
            assert not element.is_visible(), f"{hidden} is printed"
    for kept in ("We meet every second Tuesday at 9:00.", "Cancel 24 hours ahead."):
        assert page.locator(".term-text").get_by_text(kept).is_visible()
    assert not page.locator(".rhythm-suggestion").is_visible()  # the plan is for screens
    assert page.locator(".signatures").get_by_text("Ben").is_visible()
    assert page.locator(".hash").first.is_visible()
    page.pdf(path=str(screenshots / "version-page-printed.pdf"))

    page.emulate_media(media="screen")
    page.get_by_role("link", name="Print view").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/versions/1/print/")
    assert page.get_by_role("heading", name="Coaching: Ana and Ben").is_visible()
    assert page.locator(".record-signature-name").all_inner_texts() == ["Ana", "Ben"]
    page.screenshot(path=str(screenshots / "version-print-view.png"), full_page=True)
