"""The term pages as a party uses them: nothing typed is lost, conflicts are explained."""

import re

from alliance.terms.models import Consent, Term
from tests.factories import propose, ratify_with
from tests.helpers import page_text


def test_an_invalid_proposal_keeps_what_was_typed(cast, as_coach):
    url = f"/alliances/{cast.alliance.pk}/terms/new/"
    response = as_coach.post(
        url, {"category": "nope", "text": "We meet on Mondays.", "note": "Mine"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert "We meet on Mondays." in response.content.decode()
    assert not Term.objects.exists()


def test_going_back_and_proposing_again_makes_no_second_term(cast, as_coach, as_client):
    url = f"/alliances/{cast.alliance.pk}/terms/new/"
    form = {"category": "rhythm", "text": "We meet on Mondays at 8.", "note": ""}
    first = as_coach.post(url, form, follow=True)
    assert "Term proposed." in page_text(first)
    term = Term.objects.get()
    # Back to the form, Propose again: the same term, once, and Ana is told so.
    again = as_coach.post(url, {**form, "text": "  We meet on Mondays at 8. "}, follow=True)
    assert Term.objects.count() == 1
    assert again.redirect_chain[-1][0] == f"/alliances/{cast.alliance.pk}/#term-{term.pk}"
    assert "You proposed this term already" in page_text(again)
    assert cast.alliance.events.filter(kind="term_proposed").count() == 1
    # Someone else proposing the same words, or Ana proposing other words, is a new term.
    as_client.post(url, form)
    as_coach.post(url, {**form, "text": "We meet on Mondays at 9."})
    assert Term.objects.count() == 3


def test_the_same_words_with_a_new_note_keep_the_note(cast, as_coach):
    """Proposing the same words again with another note is no resend: the note the person
    wrote is in the draft, not dropped."""
    url = f"/alliances/{cast.alliance.pk}/terms/new/"
    form = {"category": "rhythm", "text": "We meet on Mondays at 8.", "note": ""}
    as_coach.post(url, form, follow=True)
    again = as_coach.post(url, {**form, "note": "Except in school holidays."}, follow=True)
    assert "Term proposed." in page_text(again)
    assert "Except in school holidays." in page_text(again)
    assert sorted(Term.objects.values_list("note", flat=True)) == ["", "Except in school holidays."]


def test_a_withdrawn_term_can_be_proposed_again(cast, as_coach):
    term = propose(cast.coach_party, "We meet weekly.")
    as_coach.post(f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/", {"revision": 1})
    as_coach.post(
        f"/alliances/{cast.alliance.pk}/terms/new/",
        {"category": "rhythm", "text": "We meet weekly."},
    )
    assert Term.objects.filter(text="We meet weekly.").count() == 2


def test_two_simultaneous_edits_show_both_texts_and_lose_nothing(cast, as_coach, as_client):
    term = propose(cast.coach_party, "We meet weekly.")
    url = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/edit/"
    # Both open the edit form at revision 1.
    assert 'value="1"' in as_coach.get(url).content.decode()
    assert 'value="1"' in as_client.get(url).content.decode()
    first = as_client.post(url, {"category": "rhythm", "text": "Every two weeks.", "revision": 1})
    assert first.status_code == 302
    second = as_coach.post(
        url, {"category": "rhythm", "text": "Weekly, but 45 minutes.", "revision": 1}
    )
    assert second.status_code == 409
    text = page_text(second)
    assert "Someone changed this term while you were editing it" in text
    assert "Every two weeks." in text
    assert "Weekly, but 45 minutes." in second.content.decode()
    term.refresh_from_db()
    assert term.text == "Every two weeks."
    # Saving again from the conflict page (now at revision 2) goes through.
    third = as_coach.post(
        url, {"category": "rhythm", "text": "Weekly, but 45 minutes.", "revision": 2}
    )
    assert third.status_code == 302
    term.refresh_from_db()
    assert term.text == "Weekly, but 45 minutes."


def test_consent_to_a_term_that_just_changed_is_refused_with_a_message(cast, as_coach, as_client):
    term = propose(cast.coach_party, "We meet weekly.")
    as_coach.post(
        f"/alliances/{cast.alliance.pk}/terms/{term.pk}/edit/",
        {"category": "rhythm", "text": "We meet monthly.", "revision": 1},
    )
    response = as_client.post(
        f"/alliances/{cast.alliance.pk}/terms/{term.pk}/consent/",
        {"decision": "change", "comment": "Fridays would suit me.", "revision": 1},
        follow=True,
    )
    text = page_text(response)
    assert "This term changed since you read it" in text
    assert "Fridays would suit me." in text
    assert not term.consents.filter(party=cast.client_party).exists()


def test_ratify_before_everyone_agrees_explains_what_is_missing(cast, as_coach):
    propose(cast.coach_party, "We meet weekly.")
    response = as_coach.post(f"/alliances/{cast.alliance.pk}/ratify/", follow=True)
    assert "Ben has not agreed to 1 term yet." in page_text(response)
    assert not cast.alliance.versions.exists()


def test_withdrawing_from_the_page(cast, as_client):
    term = propose(cast.coach_party, "We meet weekly.")
    response = as_client.post(
        f"/alliances/{cast.alliance.pk}/terms/{term.pk}/withdraw/", {"revision": 1}, follow=True
    )
    assert "Term withdrawn from the draft." in page_text(response)
    assert "We meet weekly." not in page_text(response).split("Recent history")[0]


def test_the_draft_marks_changes_against_the_ratified_version(cast, as_coach):
    weekly = propose(cast.coach_party, "We meet weekly on Tuesdays.")
    ratify_with([cast.coach_party, cast.client_party])
    as_coach.post(
        f"/alliances/{cast.alliance.pk}/terms/{weekly.pk}/edit/",
        {"category": "rhythm", "text": "We meet weekly on Thursdays.", "revision": 1},
    )
    propose(cast.client_party, "I send an agenda the day before.", "expectations")
    page = as_coach.get(f"/alliances/{cast.alliance.pk}/").content.decode()
    assert "<del>Tuesdays.</del>" in page
    assert "<ins>Thursdays.</ins>" in page
    assert 'class="badge new"' in page
    text = page_text(as_coach.get("/"))
    assert "1 term needs your consent" in text


def test_comparing_two_versions(cast, as_client):
    weekly = propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    from alliance.terms import services

    services.term_edit(
        party=cast.coach_party,
        term_id=weekly.pk,
        revision=1,
        category="rhythm",
        text="We meet monthly.",
    )
    propose(cast.client_party, "Agenda the day before.", "expectations")
    ratify_with([cast.coach_party, cast.client_party])
    response = as_client.get(f"/alliances/{cast.alliance.pk}/versions/compare/?from=1&to=2")
    html = response.content.decode()
    assert 'data-change="changed"' in html
    assert 'data-change="added"' in html
    assert "<del>weekly.</del>" in html
    assert "<ins>monthly.</ins>" in html
    bad = as_client.get(f"/alliances/{cast.alliance.pk}/versions/compare/?from=1&to=9")
    assert "Choose two versions" in page_text(bad)
    assert as_client.get(f"/alliances/{cast.alliance.pk}/versions/7/").status_code == 404


def test_agreed_terms_offer_a_link_and_only_that_term_opens_its_form(cast, as_coach):
    agreed = [propose(cast.coach_party, f"Term {n}") for n in range(3)]
    open_term = propose(cast.client_party, "Ben's term, still open for Ana")
    page = as_coach.get(f"/alliances/{cast.alliance.pk}/").content.decode()

    def consent_forms(html: str) -> list[str]:
        return re.findall(r'action="/alliances/\d+/terms/(\d+)/consent/"', html)

    assert consent_forms(page) == [str(open_term.pk)]
    assert page.count("data-change-answer") == len(agreed)
    link = f"?answer={agreed[1].pk}#term-{agreed[1].pk}"
    assert f'href="{link}"' in page

    answering = as_coach.get(f"/alliances/{cast.alliance.pk}/{link.split('#')[0]}")
    assert consent_forms(answering.content.decode()) == [str(agreed[1].pk), str(open_term.pk)]
    assert "Update my answer" in page_text(answering)
    as_coach.post(
        f"/alliances/{cast.alliance.pk}/terms/{agreed[1].pk}/consent/",
        {"revision": agreed[1].revision, "decision": "change", "comment": "Say when."},
    )
    consent = Consent.objects.get(term=agreed[1], party=cast.coach_party)
    assert (consent.decision, consent.comment) == ("change", "Say when.")
    # A bad `answer` is ignored: the page as usual.
    odd = as_coach.get(f"/alliances/{cast.alliance.pk}/", {"answer": "x" * 30})
    assert odd.status_code == 200
