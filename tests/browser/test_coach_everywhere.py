"""The feedback coach as you type, wherever words reach another person: a tending
signal's note, a check-in's comment on a term, a comment asking for a change. Flags
shown as the person typed count as seen: the form then saves at once."""

import pytest

from alliance.tending import services as tending_services
from alliance.tending.models import Rating, Signal
from alliance.terms.models import Consent
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLAME = "You never reply to my emails."


def test_flags_appear_as_you_type_and_the_words_save_as_written(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = base = live_server.url
    ana_user = make_user("Ana", "ana@example.org", time_zone="Europe/Berlin")
    ben_user = make_user("Ben", "ben@example.org", time_zone="Europe/Berlin")
    alliance = make_alliance(ana_user, title="Coaching: Ana and Ben")
    join(alliance, ben_user)
    ana_party, ben_party = party_of(alliance, ana_user), party_of(alliance, ben_user)
    propose(ana_party, "We meet every other Tuesday at 9.")
    email = propose(ana_party, "I answer emails within two working days.", "communication")
    ratify_with([ana_party, ben_party])
    ana, ben = ana_and_ben(browser, base)

    # Ben's tending signal: the coach answers under the note while he types.
    ben.goto(f"{base}/alliances/{alliance.pk}/signals/")
    ben.get_by_label("What needs attention").press_sequentially(BLAME, delay=5)
    flag = ben.locator('[data-feedback-for="id_note"] .feedback-flag-blame')
    flag.wait_for()
    assert "I-statement" in flag.inner_text()
    browser.audit.check(ben)
    ben.locator("#raise").screenshot(path=str(screenshots / "coach-signal-note.png"))
    ben.get_by_role("button", name="Raise the signal").click()
    ben.wait_for_url(f"{base}/alliances/{alliance.pk}/")
    assert Signal.objects.get().note == BLAME

    # Ana's check-in: a comment on one term, coached as she types.
    checkin = tending_services.checkin_start(party=ana_party)
    ana.goto(f"{base}/alliances/{alliance.pk}/checkins/{checkin.pk}/")
    for score in ana.locator("input[value=okay]").all():
        score.check()
    comment = f"comment-{email.pk}"
    ana.locator(f"#{comment}").press_sequentially("You always answer late.", delay=5)
    ana.locator(f'[data-feedback-for="{comment}"] .feedback-flag').first.wait_for()
    assert ana.locator('[data-feedback-for^="comment-"] .feedback-flag').count() >= 1
    browser.audit.check(ana)
    ana.get_by_role("button", name="Save my check-in").click()
    ana.wait_for_url(f"{base}/alliances/{alliance.pk}/checkins/{checkin.pk}/")
    assert Rating.objects.get(party=ana_party, term_id=email.pk).comment == (
        "You always answer late."
    )

    # A redesign: Ben asks for a change to a term with a comment the coach reads.
    ana.goto(f"{base}/alliances/{alliance.pk}/terms/new/")
    ana.get_by_label("Term").fill("We swap notes after each session.")
    ana.get_by_role("button", name="Propose").click()
    ben.goto(f"{base}/alliances/{alliance.pk}/")
    term = ben.locator("article.term", has_text="We swap notes after each session.")
    term.get_by_label("I ask for a change").check()
    term.get_by_label("What would you change?").press_sequentially(BLAME, delay=5)
    term.locator(".feedback-flag-blame").wait_for()
    browser.audit.check(ben)
    term.get_by_role("button", name="Answer").click()
    ben.wait_for_url(f"{base}/alliances/{alliance.pk}/#term-*")
    assert Consent.objects.get(party=ben_party, decision="change").comment == BLAME

    # Words the script never saw (set without an input event, as when it failed to load)
    # are read on submit: they come back with the flags on a page of their own, and the
    # same button then sends them as they are.
    ana.goto(f"{base}/alliances/{alliance.pk}/")
    term = ana.locator("article.term", has_text="We swap notes after each session.")
    term.get_by_text("Change my answer").click()  # she agreed to her own proposal
    term.get_by_label("I ask for a change").check()
    term.get_by_label("What would you change?").evaluate("(box, text) => box.value = text", BLAME)
    term.get_by_role("button", name="Answer").click()
    ana.wait_for_url(f"{base}/alliances/{alliance.pk}/terms/*/consent/")
    assert "Nothing is saved yet" in ana.locator(".messages").inner_text()
    assert ana.locator(".feedback-flag-blame").count() == 1
    assert ana.get_by_label("What would you change?").input_value() == BLAME
    assert not Consent.objects.filter(party=ana_party, decision="change").exists()
    ana.screenshot(path=str(screenshots / "coach-held-on-save.png"))
    ana.get_by_role("button", name="Answer").click()
    ana.wait_for_url(f"{base}/alliances/{alliance.pk}/#term-*")
    assert Consent.objects.get(party=ana_party, decision="change").comment == BLAME
