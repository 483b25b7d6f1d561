"""The spine in a real browser: two people, two browser contexts, one ratified version."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+")


def mailed_link(to: str, contains: str) -> str:
    bodies = [m.body for m in mail.outbox if to in m.to]
    links = [link for body in bodies for link in LINK.findall(body) if contains in link]
    assert links, f"no {contains} link mailed to {to}"
    return links[-1]


def sign_up(page, base: str, email: str, name: str, *, confirm: bool = True) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.locator("#id_password1").fill("correct horse battery 77")
    page.locator("#id_password2").fill("correct horse battery 77")
    page.get_by_role("button", name="Sign Up").click()
    if not confirm:
        return
    page.goto(mailed_link(email, "confirm-email").replace("http://127.0.0.1:8000", base))
    page.get_by_role("button", name="Confirm").click()


def test_two_parties_ratify_version_one_in_chromium(live_server, browser, screenshots, settings):
    settings.BASE_URL = live_server.url
    base = live_server.url
    ana = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    ben = browser.new_context(viewport={"width": 414, "height": 860}).new_page()  # a phone
    for page in (ana, ben):
        page.set_default_timeout(10_000)

    ana.goto(base + "/accounts/signup/")
    sign_up(ana, base, "ana@example.org", "Ana")
    ana.get_by_role("link", name="New alliance").first.click()
    ana.get_by_label("Title").fill("Coaching: Ana and Ben")
    ana.get_by_label("Kind of relationship").select_option("coaching")
    ana.get_by_label("Purpose").fill("Ben grows into his new role.")
    ana.get_by_label("Your role").fill("coach")
    ana.get_by_role("button", name="Create alliance").click()
    alliance_url = ana.url

    ana.get_by_label("Email").fill("ben@example.org")
    ana.get_by_label("Their role").fill("client")
    ana.get_by_role("button", name="Invite").click()
    assert ana.locator("[data-next-step]").inner_text() == "Waiting for ben@example.org to join"

    ben.goto(mailed_link("ben@example.org", "/invitations/"))
    assert "Ana invites you" in ben.content()
    ben.get_by_role("main").get_by_role("link", name="Sign up").click()
    # The address the invitation went to: opening its link proved it, nothing to confirm.
    sign_up(ben, base, "ben@example.org", "Ben", confirm=False)
    ben.get_by_role("button", name="Join the alliance").click()
    assert ben.url == alliance_url

    for text in [
        "We meet every other Tuesday at 9.",
        "Email between sessions; replies within two working days.",
    ]:
        ana.goto(alliance_url)
        ana.locator("#propose").get_by_label("Term").fill(text)
        ana.locator("#propose").get_by_role("button", name="Propose").click()

    ben.goto(base + "/")
    assert ben.locator("[data-next-step]").inner_text() == "2 terms need your consent"
    ben.goto(alliance_url)
    for term in ben.locator("article.term").all():
        term.get_by_label("I agree").check()
        term.get_by_role("button", name="Answer").click()
        ben.goto(alliance_url)

    ana.goto(alliance_url)
    ana.get_by_role("button", name="Ratify version 1").click()
    assert "Version 1 is ratified" in ana.content()
    ana.goto(alliance_url)
    assert ana.locator("[data-status]").inner_text() == "Version 1 in force"
    ana.screenshot(path=str(screenshots / "ratified-alliance.png"), full_page=True)
    ben.goto(alliance_url)
    assert "We meet every other Tuesday at 9." in ben.locator("#ratified").inner_text()
    ben.screenshot(path=str(screenshots / "ratified-alliance-phone.png"), full_page=True)
