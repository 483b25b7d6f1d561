"""A coach's practice in a real browser, three people in three browser contexts and no
script of ours needed: Ana the coach starts from the built-in coaching template, invites
Ben her client and Sofia his sponsor as an observer; Ben and Ana ratify version 1 without
Sofia, then both let observers see the versions; a design conversation includes Sofia,
who never reads a word of what was reflected; Ana's dashboard finds Ben and shows the
conversation ahead; and, a season later, Ana and Ben close the alliance together and keep
its record."""

from datetime import timedelta

import pytest
from django.core import mail

from alliance.alliances.models import Alliance, Kind
from alliance.lib.clock import now
from alliance.starting.builtins import COACHING
from tests.browser.people import log_in
from tests.browser.test_browser_journey import mailed_link
from tests.factories import join, make_alliance, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Coaching: Ana and Ben"
RHYTHM_TERM = str(COACHING.terms[0].text)
EDITED_RHYTHM = "We meet every three weeks for 60 minutes, by video, for six months."
# Words the designing parties write that the sponsor must never read.
PRIVATE_DRAFT = "I am afraid my manager reads everything I say here."
DESIGN_SHARED = "I hope to leave each session with one step I chose myself."
COACH_SHARED = "I hope Ben trusts that our sessions stay between us."
CLOSING_BEN = "I learned to say no to meetings that do not need me."
CLOSING_ANA = "I watched Ben find a calm voice in hard conversations."
CHANGE_COMMENT = "Every three weeks would suit my calendar better."


def new_page(browser, **options):
    page = browser.new_context(timezone_id="Europe/Berlin", **options).new_page()
    page.set_default_timeout(10_000)
    return page


def sign_up_from_invitation(page, email: str, name: str) -> None:
    """Open the emailed invitation, sign up with the address it went to, land on Join."""
    page.goto(mailed_link(email, "/invitations/"))
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    assert page.get_by_label("Email").input_value() == email
    page.get_by_label("Your name").fill(name)
    page.locator("#id_password1").fill("correct horse battery 77")
    page.locator("#id_password2").fill("correct horse battery 77")
    page.get_by_role("button", name="Sign Up").click()


def invite(page, email: str, role: str, *, observer: bool = False) -> None:
    invite_form = page.locator("#parties form", has=page.get_by_label("Their role"))
    invite_form.get_by_label("Email addresses").fill(email)
    invite_form.get_by_label("Their role").fill(role)
    if observer:
        invite_form.get_by_label("As an observer").check()
    send(page, invite_form.get_by_role("button", name="Invite"))


def send(page, button) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def status_of(page, url: str) -> int:
    """The status a URL answers this person's session, asked without showing the page:
    a dozen identical "not found" pages add nothing for axe to check."""
    return page.request.get(url, max_redirects=0).status


def unfolded(ics: str) -> str:
    """Calendar text as one reads it: long lines joined again, commas and semicolons
    without their escapes."""
    return ics.replace("\r\n ", "").replace("\\", "")


def text_of(page) -> str:
    return " ".join(page.locator("body").inner_text().split())


def reflect_and_share(page, prompt_url: str, text: str) -> None:
    page.goto(prompt_url)
    page.locator("#id_text").fill(text)
    send(page, page.get_by_role("button", name="Share"))


def test_a_coach_a_client_and_a_sponsor_from_template_to_closing(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    # Ana's practice already holds another client and a team she leads.
    other = make_alliance(ana_user, title="Coaching: Ana and Carla", role="coach")
    join(other, make_user("Carla"), role="client")
    team = make_alliance(ana_user, title="Coaches’ circle", kind=Kind.TEAM, role="member")
    join(team, make_user("Tom"), role="member")

    ana = new_page(browser, viewport={"width": 1200, "height": 900})
    ben = new_page(browser, viewport={"width": 414, "height": 860})  # a phone
    sofia = new_page(browser, viewport={"width": 1024, "height": 800})
    log_in(ana, base, ana_user.email)

    # 1. Ana starts from the built-in coaching template and invites Ben and Sofia.
    ana.goto(base + "/templates/")
    builtin = ana.locator("li", has=ana.get_by_role("heading", name=str(COACHING.name)))
    builtin.get_by_role("link", name="Start an alliance from this").click()
    assert ana.locator("#id_kind").input_value() == "coaching"
    assert "follows the alliance as an observer" in text_of(ana)
    ana.get_by_label("Title").fill(TITLE)
    ana.get_by_label("Your role").fill("coach")
    ana.get_by_role("button", name="Create alliance").click()
    alliance = Alliance.objects.get(title=TITLE)
    alliance_url = f"{base}/alliances/{alliance.pk}/"
    assert ana.url == alliance_url
    assert len(COACHING.terms) == ana.locator("#draft article.term").count()
    invite(ana, "ben@example.org", "client")
    invite(ana, "sofia@example.org", "sponsor", observer=True)
    invited = ana.locator("#parties").inner_text()
    assert "ben@example.org" in invited
    assert "sofia@example.org" in invited

    # 2. Ben joins as a party; Sofia joins as an observer and is told what that means.
    sign_up_from_invitation(ben, "ben@example.org", "Ben")
    ben.get_by_role("button", name="Join the alliance").click()
    assert ben.url == alliance_url

    sign_up_from_invitation(sofia, "sofia@example.org", "Sofia")
    assert "You join as an observer" in text_of(sofia)
    assert "you are never asked to agree to anything" in text_of(sofia)
    sofia.get_by_role("button", name="Join as an observer").click()
    assert sofia.url == alliance_url
    assert sofia.locator("[data-observing]").inner_text() == "Observing"
    seen = sofia.locator("#not-shown").inner_text()
    assert "You never see their reflections, drafts, ratings, comments or tending signals" in seen
    assert "Not shown to you now: the ratified versions." in seen
    assert sofia.locator("#versions").count() == 0
    assert sofia.locator("#health").count() == 0
    assert RHYTHM_TERM not in text_of(sofia)  # nor the draft's terms
    sofia.screenshot(path=str(screenshots / "coaching-sponsor-page.png"), full_page=True)

    # The terms wait for Ben's consent, never for Sofia's.
    ben.goto(base + "/")
    assert f"{len(COACHING.terms)} terms need your consent" in text_of(ben)
    sofia.goto(base + "/")
    assert "you observe as sponsor" in text_of(sofia)
    assert "need your consent" not in text_of(sofia)

    # Ben asks for a change to the rhythm; Ana edits the term; Ben agrees to every term.
    ben.goto(alliance_url)
    rhythm = ben.locator("article.term", has_text=RHYTHM_TERM)
    rhythm.get_by_label("I ask for a change").check()
    rhythm.get_by_label("What would you change?").fill(CHANGE_COMMENT)
    send(ben, rhythm.get_by_role("button", name="Answer"))

    ana.goto(alliance_url)
    rhythm = ana.locator("article.term", has_text=RHYTHM_TERM)
    assert CHANGE_COMMENT in rhythm.inner_text()
    rhythm.get_by_role("link", name="Edit").click()
    ana.get_by_label("Term").fill(EDITED_RHYTHM)
    send(ana, ana.get_by_role("button", name="Save the change"))

    ben.goto(alliance_url)
    waiting_for_ben = ben.locator("#draft article.term", has=ben.get_by_label("I agree"))
    assert waiting_for_ben.count() == len(COACHING.terms)
    for _ in COACHING.terms:
        term = waiting_for_ben.first
        term.get_by_label("I agree").check()
        send(ben, term.get_by_role("button", name="Answer"))
    assert waiting_for_ben.count() == 0
    ana.goto(alliance_url)
    # Sofia is never asked, and nothing waits for her.
    assert "Sofia" not in ana.locator("#draft").inner_text()
    send(ana, ana.get_by_role("button", name="Ratify version 1"))
    assert "Version 1 is ratified" in text_of(ana)
    ana.goto(alliance_url)
    signed = ana.locator("#ratified").inner_text()
    assert EDITED_RHYTHM in signed
    assert "Ana (coach), Ben (client)." in signed
    assert "Sofia" not in signed

    # 3. The versions reach Sofia only once both Ana and Ben agree.
    version_url = f"{alliance_url}versions/1/"
    assert status_of(sofia, version_url) == 404
    for grant in ("versions", "health"):
        send(ana, ana.locator(f'[data-grant="{grant}"]').get_by_role("button", name="I agree"))
    assert "Not yet agreed: Ben" in ana.locator('[data-grant="versions"]').inner_text()
    sofia.goto(alliance_url)
    assert sofia.locator("#versions").count() == 0
    assert status_of(sofia, version_url) == 404
    ben.goto(alliance_url)
    for grant in ("versions", "health"):
        send(ben, ben.locator(f'[data-grant="{grant}"]').get_by_role("button", name="I agree"))
    sofia.goto(alliance_url)
    assert "No check-in completed yet." in sofia.locator("#health").inner_text()
    sofia.locator("#versions").get_by_role("link", name="Version 1").click()
    assert sofia.url == version_url
    assert EDITED_RHYTHM in text_of(sofia)
    for closed_to_observers in (
        "conversations/",
        "conversations/new/",
        "history/",
        "export.json",
        "checkins/",
        "signals/",
        "health/",
        "closing/",
    ):
        assert status_of(sofia, alliance_url + closed_to_observers) == 404, closed_to_observers

    # 4. A design conversation that includes Sofia; Ben keeps a draft to himself.
    ana.goto(alliance_url)
    ana.get_by_role("link", name="Plant a stake").click()
    assert ana.get_by_label("Conversation").input_value() == "design"
    groundwork = ana.locator("#id_groundwork").input_value()
    assert groundwork.startswith("Before we start working on your goals")
    in_five_days = (now() + timedelta(days=5)).date()
    ana.locator("#id_time_1").fill(f"{in_five_days.isoformat()}T10:00")
    ana.get_by_label("Place or video link").fill("https://meet.example.org/ana-ben")
    ana.get_by_label("Include the observers").check()
    ana.get_by_role("button", name="Propose the conversation").click()
    conversation_url = ana.url.split("?")[0].split("#")[0]

    ben.goto(conversation_url)
    ben.locator("input[name=works]").check()
    send(ben, ben.get_by_role("button", name="Save my answer"))
    assert "it is scheduled" in text_of(ben)
    assert any(m.attachments for m in mail.outbox if "sofia@example.org" in m.to)

    ben.goto(conversation_url)
    ben.locator("#id_text").fill(PRIVATE_DRAFT)
    send(ben, ben.get_by_role("button", name="Save draft"))
    ben.goto(conversation_url)
    assert ben.locator("#id_text").input_value() == PRIVATE_DRAFT
    ana.goto(conversation_url)
    assert PRIVATE_DRAFT not in text_of(ana)  # a draft is its author's alone
    # The second prompt: both share, and the reveal shows both answers to both.
    second_prompt = ben.locator(".prompt-nav a").nth(1).get_attribute("href")
    second_prompt_url = conversation_url + second_prompt.split("#")[0]
    reflect_and_share(ben, second_prompt_url, DESIGN_SHARED)
    reflect_and_share(ana, second_prompt_url, COACH_SHARED)
    ana.goto(second_prompt_url)
    assert ana.locator("#reveal").get_attribute("data-revealed") == "yes"
    assert DESIGN_SHARED in ana.locator("#reveal").inner_text()

    sofia.goto(alliance_url)
    assert "Design conversation" in sofia.locator("#meetings").inner_text()
    assert "https://meet.example.org/ana-ben" in sofia.locator("#meetings").inner_text()
    assert status_of(sofia, conversation_url) == 404
    sofia.goto(base + "/profile/calendar/")
    send(sofia, sofia.get_by_role("button", name="Make my feed address"))
    feed_url = sofia.locator("[data-feed-url]").input_value()
    assert "Design conversation" in sofia.request.get(feed_url).text()

    # 5. Ana's dashboard: the filters, a search for Ben, the conversation in the agenda.
    ana.goto(base + "/")
    agenda = ana.get_by_role("region", name="The next 30 days")
    assert f"Design conversation: {TITLE}" in agenda.inner_text()
    assert "10:00" in agenda.inner_text()
    assert ana.locator("a.title").count() == 3
    ana.get_by_label("Kind").select_option("coaching")
    send(ana, ana.get_by_role("button", name="Show"))
    assert sorted(ana.locator("a.title").all_inner_texts()) == [
        "Coaching: Ana and Ben",
        "Coaching: Ana and Carla",
    ]
    ana.get_by_label("Search").fill("Ben")
    send(ana, ana.get_by_role("button", name="Show"))
    assert ana.locator("a.title").all_inner_texts() == [TITLE]
    ana.get_by_label("Status").select_option("closed")
    send(ana, ana.get_by_role("button", name="Show"))
    assert ana.locator("[data-none-match]").count() == 1
    ana.get_by_role("link", name="Show all").click()
    ana.screenshot(path=str(screenshots / "coaching-dashboard-agenda.png"), full_page=True)

    sofia.goto(base + "/")
    entry = sofia.locator(".alliance-list li", has_text=TITLE)
    assert "you observe as sponsor" in entry.inner_text()
    assert f"Design conversation: {TITLE}" in sofia.locator("[data-agenda]").inner_text()

    # 6. The closing: proposed with a note, a closing conversation, both agree.
    ana.goto(alliance_url)
    ana.get_by_role("link", name="Close the alliance").click()
    ana.get_by_label("A note to the others (optional)").fill("Our twelve sessions are done.")
    ana.get_by_role("button", name="Propose to close").click()
    ana.get_by_role("link", name="Plant the closing conversation").click()
    assert ana.get_by_label("Conversation").input_value() == "closing"
    in_six_days = (now() + timedelta(days=6)).date()
    ana.locator("#id_time_1").fill(f"{in_six_days.isoformat()}T09:00")
    ana.get_by_role("button", name="Propose the conversation").click()
    closing_url = ana.url.split("?")[0].split("#")[0]
    ben.goto(closing_url)
    ben.locator("input[name=works]").check()
    send(ben, ben.get_by_role("button", name="Save my answer"))
    assert "it is scheduled" in text_of(ben)
    first_prompt = ben.locator(".prompt-nav a").first
    assert "achieve" in first_prompt.inner_text()
    first_prompt_url = closing_url + first_prompt.get_attribute("href").split("#")[0]
    reflect_and_share(ben, first_prompt_url, CLOSING_BEN)
    reflect_and_share(ana, first_prompt_url, CLOSING_ANA)
    ana.goto(first_prompt_url)
    assert ana.locator("#reveal").get_attribute("data-revealed") == "yes"
    revealed = ana.locator("#reveal").inner_text()
    assert CLOSING_BEN in revealed
    assert CLOSING_ANA in revealed

    for page in (ben, ana):
        page.goto(f"{alliance_url}closing/")
        assert "Our twelve sessions are done." in page.locator("[data-closing-note]").inner_text()
        send(page, page.get_by_role("button", name="I agree to close it"))
    ana.goto(alliance_url)
    assert ana.locator("[data-status]").inner_text() == "Closed"
    assert "Closed on" in ana.locator("[data-closed]").inner_text()
    for gone in ("Propose", "Invite"):
        assert ana.get_by_role("button", name=gone).count() == 0, gone
    assert ana.get_by_role("link", name="Plant a stake").count() == 0
    assert ana.get_by_text("Rename or change the purpose").count() == 0
    # What observers see may only shrink now: Ana can withdraw, never grant anew.
    assert ana.get_by_role("button", name="I agree").count() == 0
    assert ana.get_by_role("button", name="withdraw my agreement").count() == 2
    ana.screenshot(path=str(screenshots / "coaching-closed-alliance.png"), full_page=True)

    ana.goto(base + "/")
    assert TITLE not in ana.locator(".alliance-list").inner_text()
    ana.get_by_label("Status").select_option("closed")
    send(ana, ana.get_by_role("button", name="Show"))
    assert ana.locator("a.title").all_inner_texts() == [TITLE]

    # The record stays: versions and export for Ana and Ben, not for Sofia.
    for page in (ana, ben):
        page.goto(version_url)
        assert EDITED_RHYTHM in text_of(page)
        export = page.request.get(f"{alliance_url}export.json")
        assert export.status == 200
        assert export.json()["alliance"]["title"] == TITLE
    assert status_of(sofia, f"{alliance_url}export.json") == 404

    # Every page Sofia can open, and every mail she got, without a word anyone reflected.
    private = [PRIVATE_DRAFT, DESIGN_SHARED, COACH_SHARED, CLOSING_BEN, CLOSING_ANA, groundwork]
    private += [CHANGE_COMMENT]
    for url in (
        version_url,
        f"{alliance_url}versions/",
        f"{alliance_url}versions/compare/",
        f"{alliance_url}leave/",
        base + "/",
        alliance_url,
    ):
        sofia.goto(url)
        shown = sofia.content() + text_of(sofia)
        for words in private:
            assert words not in shown, (url, words)
    feed = unfolded(sofia.request.get(feed_url).text())
    for words in private:
        assert words not in feed, words
    assert "Closed on" in sofia.locator("[data-closed]").inner_text()
    sofia_mail = [m for m in mail.outbox if "sofia@example.org" in m.to]
    assert sofia_mail
    for message in sofia_mail:
        parts = [message.subject, message.body]
        parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
        parts += [unfolded(str(attachment[1])) for attachment in message.attachments]
        for words in private:
            assert not any(words in part for part in parts), (message.subject, words)
