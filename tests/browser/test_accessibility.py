"""axe-core on the pages the journeys do not reach: every page of an alliance as a party
and as someone who joined late, a person's own pages, the pages before signing in, forms
refused, and "not found". The `browser` fixture runs axe on each (tests/browser/axe.py)
and fails on any violation.

The pages are found, not listed: every URL pattern of the project (tests/routes.py)
that answers a GET with a whole HTML page, filled in from the scene that the persona
matrix walks (tests/scene.py). A new page is checked without anyone adding it here.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.browser.people import log_in
from tests.routes import project_patterns, url_for
from tests.scene import Scene, build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene() -> Scene:
    """The persona matrix's alliance, committed so that the live server sees it."""
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=6), tick=True) as clock:
        return build_scene(clock)


def html_pages(scene: Scene, persona: str) -> list[str]:
    """Every URL of the project that shows `persona` a whole page."""
    client = scene.client(persona)
    found = []
    for route, name in project_patterns():
        url = url_for(scene, persona, route, name)
        response = client.get(url)
        if response.status_code == 200 and b"<html" in response.content:
            found.append(url)
    return found


def refuse_next_form(page) -> None:
    """Let the server judge the form, as a browser without form validation would."""
    page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")


@pytest.mark.parametrize("persona", ["party", "late_joiner"])
def test_every_page_of_an_alliance_passes_axe(live_server, browser, scene, persona):
    urls = html_pages(scene, persona)
    alliance_pages = [u for u in urls if u.startswith(f"/alliances/{scene.alliance.pk}/")]
    # The alliance, its history, versions, conversations, prompts, check-ins, signals,
    # health; the person's dashboard, profile, notifications and calendar.
    assert len(alliance_pages) >= 10, urls
    assert {"/", "/profile/", "/profile/notifications/", "/profile/calendar/"} <= set(urls)
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, scene.users[persona].email)
    for url in urls:
        assert page.goto(live_server.url + url).status == 200, url


def test_the_observers_pages_pass_axe(live_server, browser, scene):
    """Sam's own page of the alliance, and the versions every party lets him read."""
    urls = html_pages(scene, "observer")
    alliance = f"/alliances/{scene.alliance.pk}/"
    assert {alliance, f"{alliance}versions/", f"{alliance}versions/1/"} <= set(urls), urls
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, scene.users["observer"].email)
    for url in urls:
        assert page.goto(live_server.url + url).status == 200, url


def test_pages_before_signing_in_and_refused_forms_pass_axe(live_server, browser, scene):
    base = live_server.url
    page = browser.new_context(viewport={"width": 414, "height": 860}).new_page()
    page.set_default_timeout(10_000)
    for url in [*html_pages(scene, "anonymous"), "/accounts/password/reset/"]:
        page.goto(base + url)

    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill("ana@scene.example")
    page.locator("#id_password").fill("not her password")
    page.get_by_role("button", name="Sign In").click()
    assert page.locator(".errorlist").count() == 1

    page.goto(base + "/accounts/signup/")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Your name").fill("Nina")
    page.locator("#id_password1").fill("correct horse battery 77")
    page.locator("#id_password2").fill("another horse battery 78")
    page.get_by_role("button", name="Sign Up").click()
    assert page.locator(".errorlist").count() >= 1

    log_in(page, base, "ana@scene.example")
    alliance = f"{base}/alliances/{scene.alliance.pk}"
    for url, field, button in [
        (f"{base}/alliances/new/", "Title", "Create alliance"),
        (f"{alliance}/signals/", "What needs attention", "Raise the signal"),
        (f"{alliance}/terms/new/", "Term", "Propose"),
        (f"{alliance}/rhythm/", "Next check-in", "Save"),
    ]:
        page.goto(url)
        page.get_by_label(field).first.fill("")
        refuse_next_form(page)
        page.get_by_role("button", name=button, exact=True).click()
        assert page.locator(".errorlist").count() >= 1, url


def test_not_found_has_the_apps_layout_and_passes_axe(live_server, browser, scene):
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    assert page.goto(live_server.url + "/no-such-page/").status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Nothing here"
    skip = page.get_by_role("link", name="Skip to the content")
    assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert skip.is_visible()
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    # An outsider gets the same page for an alliance that exists: nothing tells it apart.
    log_in(page, live_server.url, scene.users["outsider"].email)
    assert page.goto(f"{live_server.url}/alliances/{scene.alliance.pk}/history/").status == 404
    assert scene.alliance.title not in page.content()
    assert page.get_by_role("navigation", name="Main").get_by_text("Olga").count() == 1


def test_the_error_page_has_the_apps_layout_and_passes_axe(live_server, browser):
    """Django's own 500 page, served to the browser as a failing request would get it."""
    error = server_error(RequestFactory().get("/"))
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    policy = page.goto(live_server.url + "/accounts/login/").headers["content-security-policy"]
    page.route(
        live_server.url + "/failing/",
        lambda route: route.fulfill(
            status=500,
            body=error.content,
            headers={"content-type": error["content-type"], "content-security-policy": policy},
        ),
    )
    assert page.goto(live_server.url + "/failing/").status == 500
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Something went wrong on our side"
    # The app's stylesheet applies: the heading is in the layout's serif face.
    assert "Georgia" in heading.evaluate("h => getComputedStyle(h).fontFamily")


def test_axe_runs_under_the_apps_content_security_policy_and_names_what_is_wrong(
    live_server, browser
):
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    response = page.goto(live_server.url + "/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # The policy holds in this browser: a script written into the page does not run.
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.inlineRan = true"; document.head.append(s); }"""
    )
    assert page.evaluate("typeof window.inlineRan") == "undefined"
    assert [p for p in browser.problems if "Content Security Policy" in p]
    browser.problems.clear()

    # axe-core runs all the same, and finds a field whose label is taken away.
    page.evaluate(
        """() => { document.querySelector("label[for=id_password]").remove();
        document.querySelector("#id_password").removeAttribute("placeholder"); }"""
    )
    violations = browser.audit.check(page, record=False)
    assert "label" in [v["id"] for v in violations]
    unlabelled = f"{page.url}: label (critical) at #id_password: Fix any of the following:"
    assert [f for f in browser.audit.failures if f.startswith(unlabelled)]
    browser.audit.failures.clear()


def test_chromium_names_the_fields_axe_found_unnamed(live_server, browser, scene):
    """A second opinion from Chromium's own accessibility tree, which screen readers read."""
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, scene.users["party"].email)
    alliance = f"{live_server.url}/alliances/{scene.alliance.pk}"
    page.goto(f"{alliance}/conversations/{scene.values['stake_id']}/?prompt={scene.p2}")
    prompt = page.locator("#reflect label").inner_text()
    assert page.get_by_role("textbox", name=prompt, exact=True).count() == 1
    page.goto(f"{alliance}/rhythm/")
    for role, name in [
        ("spinbutton", "Every how many weeks"),
        ("combobox", "Which one"),
        ("combobox", "Weekday"),
        ("spinbutton", "Day of the month"),
    ]:
        assert page.get_by_role(role, name=name, exact=True).count() == 1, name
    # A message after saving is one item of a list, in a region read out as it appears.
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_role("status").get_by_role("list").get_by_role("listitem").count() == 1
