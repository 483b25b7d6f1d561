"""Pieces of pages kept once rendered (alliance.core.fragments): a page shows what is true
now, in the viewer's time zone, with the response's own CSRF token, whatever was kept.

These tests run with the kept pieces checked against fresh ones (FRAGMENTS_VERIFY, as
every test does); the last ones show what that check catches."""

import re
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django import forms
from django.forms.utils import ErrorList
from django.template.loader import render_to_string
from django.test import Client

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.alliances.forms import InvitationForm
from alliance.alliances.models import Alliance, Party
from alliance.conversations.forms import GroundworkForm, ReflectionForm
from alliance.core.fragments import (
    StaleFragment,
    render_kept,
    render_kept_field,
    render_kept_form,
)
from alliance.lib.clock import now
from alliance.tending import services as tending
from alliance.terms import services as terms
from alliance.terms.forms import TermForm
from alliance.terms.models import Term, Version
from tests.conftest import login
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with
from tests.helpers import page_text

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Coaching:
    ana: User
    ben: User
    alliance: Alliance
    term: Term

    def party(self, user: User) -> Party:
        return party_of(self.alliance, user)


def coaching(*, ratified: bool = False) -> Coaching:
    """Ana coaches Ben; she proposed one term, which Ben has not answered unless the
    version is ratified."""
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching")
    join(alliance, ben)
    term = propose(party_of(alliance, ana), "We meet every second Tuesday.")
    if ratified:
        ratify_with([party_of(alliance, ana), party_of(alliance, ben)])
    return Coaching(ana, ben, alliance, term)


def consent_forms(html: str) -> list[str]:
    return re.findall(r'<form class="consent"[^>]*>(.*?)</form>', html, re.S)


@pytest.fixture
def test_templates(settings):
    """Small pieces, from memory, instead of the project's templates."""
    [engine] = settings.TEMPLATES
    settings.TEMPLATES = [
        {
            **engine,
            "APP_DIRS": False,
            "OPTIONS": {
                **engine["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "tests/kept_attribute.html": "{{ alliance.title_shown }}\n",
                            "tests/kept_title.html": "{{ alliance.title }}\n",
                            "tests/kept_user_name.html": "{{ party.user.name }}\n",
                            "tests/kept_first_term.html": (
                                "{{ alliance.current_version.snapshot.terms.0.text }}\n"
                            ),
                        },
                    )
                ],
            },
        }
    ]


def test_a_kept_term_shows_the_answer_given_since(db):
    scene = coaching()
    ana, ben, alliance, term = scene.ana, scene.ben, scene.alliance, scene.term
    browser = login(ana)
    assert "Ben: not yet" in page_text(browser.get(f"/alliances/{alliance.pk}/"))

    terms.consent_give(
        party=party_of(alliance, ben),
        term_id=term.pk,
        revision=term.revision,
        decision="change",
        comment="Thursdays suit me better.",
    )

    shown = page_text(browser.get(f"/alliances/{alliance.pk}/"))
    assert "Ben: asks for a change" in shown
    assert "Thursdays suit me better." in shown


def test_each_viewer_sees_their_own_answer_on_the_same_term(db):
    scene = coaching()
    ana, ben, alliance = scene.ana, scene.ben, scene.alliance
    page = f"/alliances/{alliance.pk}/"
    # Both signed in first: signing in changes the person's row, and so every key.
    as_ana, as_ben = login(ana), login(ben)

    # The proposer agrees by proposing: a link to change the answer, no form.
    ana_page = as_ana.get(page).content.decode()
    ben_page = as_ben.get(page).content.decode()

    assert "Change my answer" in ana_page
    assert not consent_forms(ana_page)
    assert "Change my answer" not in ben_page
    assert len(consent_forms(ben_page)) == 1


def test_a_renamed_party_is_shown_by_the_new_name_on_kept_pieces(db):
    scene = coaching()
    ana, ben, alliance = scene.ana, scene.ben, scene.alliance
    browser = login(ana)
    assert "Ben (client)" in page_text(browser.get("/"))
    assert "Ben: not yet" in page_text(browser.get(f"/alliances/{alliance.pk}/"))

    accounts.profile_update(user=ben, display_name="Benedict", time_zone="UTC")

    assert "Benedict (client)" in page_text(browser.get("/"))
    assert "Benedict: not yet" in page_text(browser.get(f"/alliances/{alliance.pk}/"))


def test_a_signal_raised_since_is_on_the_kept_dashboard_card(db):
    scene = coaching(ratified=True)
    ana, ben, alliance = scene.ana, scene.ben, scene.alliance
    tending.signal_raise(party=party_of(alliance, ben), note="The sessions run late.")
    browser = login(ana)
    assert "The sessions run late." in page_text(browser.get("/"))

    tending.signal_raise(party=party_of(alliance, ben), note="And start late too.")

    shown = page_text(browser.get("/"))
    assert "The sessions run late." in shown
    assert "And start late too." in shown


def test_a_piece_that_reads_what_it_was_not_given_fails_the_check(db, test_templates):
    """A relation the page did not load is read by a query while the piece renders, and
    is not in its key: the tests refuse it before it can be shown stale."""
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="Coaching")
    party = Party.objects.get(alliance=alliance, user=ana)  # its user not loaded with it

    with pytest.raises(StaleFragment, match="ran a query"):
        render_kept("tests/kept_user_name.html", {"party": party})


def test_an_observer_never_gets_the_card_the_parties_are_shown(db):
    """The same alliance on two dashboards in one process: the parties' card shows the
    signal and the next step, the observer's shows neither, whichever was kept first."""
    scene = coaching(ratified=True)
    tending.signal_raise(party=scene.party(scene.ben), note="The sessions run late.")
    sponsor = make_user("Sam")
    join(scene.alliance, sponsor, role="sponsor", as_observer=True)
    as_ana, as_sam = login(scene.ana), login(sponsor)

    for _ in range(2):
        ana_card = page_text(as_ana.get("/"))
        sam_card = page_text(as_sam.get("/"))
        assert "The sessions run late." in ana_card
        assert "Version 1 in force" in ana_card
        assert "you observe as sponsor" in sam_card
        assert "The sessions run late." not in sam_card
        assert "Version 1 in force" not in sam_card


def test_the_next_check_in_is_shown_in_the_viewer_s_new_time_zone(db):
    scene = coaching(ratified=True)
    ana, alliance = scene.ana, scene.alliance
    starts_on = (now() + timedelta(days=3)).date()
    tending.rhythm_set(party=party_of(alliance, ana), starts_on=starts_on, at_time=time(9), rule="")
    browser = login(ana)
    assert "09:00" in page_text(browser.get("/"))

    accounts.profile_update(user=ana, display_name="Ana", time_zone="Asia/Tokyo")

    shown = page_text(browser.get("/"))
    assert "18:00" in shown  # nine in the morning in UTC, the rhythm's zone
    assert "09:00" not in shown


def test_every_response_carries_its_own_token_and_it_is_accepted(db):
    scene = coaching()
    ben, alliance, term = scene.ben, scene.alliance, scene.term
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ben)
    page = f"/alliances/{alliance.pk}/"

    first = TOKEN.findall(consent_forms(browser.get(page).content.decode())[0])
    second = TOKEN.findall(consent_forms(browser.get(page).content.decode())[0])
    assert len(first) == len(second) == 1
    # Masked afresh for each response, as Django does for every page.
    assert first != second

    answered = browser.post(
        f"/alliances/{alliance.pk}/terms/{term.pk}/consent/",
        {"csrfmiddlewaretoken": second[0], "revision": term.revision, "decision": "agree"},
    )
    assert answered.status_code == 302
    assert party_of(alliance, ben).consents.get(term=term).decision == "agree"


def test_a_piece_kept_on_less_than_it_shows_fails_the_check(db, test_templates):
    """The check the tests run on every kept piece: a piece that shows something its key
    does not hold (here a value set on a row that is not one of its columns) is caught
    when it changes, instead of being shown stale."""
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="Coaching")
    alliance.title_shown = "As it was"  # type: ignore[attr-defined]
    template = "tests/kept_attribute.html"
    assert render_kept(template, {"alliance": alliance}) == "As it was\n"

    alliance.title_shown = "As it is now"  # type: ignore[attr-defined]

    with pytest.raises(StaleFragment):
        render_kept(template, {"alliance": alliance})


def test_a_changed_column_is_a_new_piece(db, settings, test_templates):
    settings.FRAGMENTS_VERIFY = False
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="Coaching")
    template = "tests/kept_title.html"
    assert render_kept(template, {"alliance": alliance}) == "Coaching\n"

    alliance.title = "Coaching, second year"

    assert render_kept(template, {"alliance": alliance}) == "Coaching, second year\n"


def test_a_newly_ratified_version_replaces_the_kept_one(db, settings):
    """Once a second version is ratified, the page's version in force shows its terms,
    from what is kept alone."""
    settings.FRAGMENTS_VERIFY = False
    scene = coaching(ratified=True)
    page = f"/alliances/{scene.alliance.pk}/"

    def in_force() -> str:
        html = login(scene.ana).get(page).content.decode()
        return re.search(
            r'<section class="card version" id="ratified">(.*?)</section>', html, re.S
        )[1]

    assert "We meet every second Tuesday." in in_force()
    scene.term.refresh_from_db()
    terms.term_edit(
        party=scene.party(scene.ana),
        term_id=scene.term.pk,
        revision=scene.term.revision,
        category=scene.term.category,
        text="We meet every Monday at nine.",
    )
    ratify_with([scene.party(scene.ana), scene.party(scene.ben)])

    assert "We meet every Monday at nine." in in_force()
    assert "every second Tuesday" not in in_force()


def test_a_changed_document_is_a_new_piece(db, settings, test_templates):
    """A row holding a document (a version's snapshot) is keyed on a digest of it: a
    changed snapshot is a new piece."""
    settings.FRAGMENTS_VERIFY = False
    version = Version(number=1, snapshot={"terms": [{"text": "We meet every second Tuesday."}]})
    alliance = Alliance(title="Coaching", current_version=version)
    template = "tests/kept_first_term.html"
    assert render_kept(template, {"alliance": alliance}) == "We meet every second Tuesday.\n"

    version.snapshot = {"terms": [{"text": "We meet on Mondays."}]}

    assert render_kept(template, {"alliance": alliance}) == "We meet on Mondays.\n"


def test_a_kept_form_changes_with_anything_its_templates_are_given(db, settings):
    """An empty form is kept under what its templates are given: a value, a label, a
    disabled field, a widget's attribute, a prefix set on this one form is another piece;
    the same form renders as it does afresh (FRAGMENTS_VERIFY compares them in every
    test)."""
    settings.FRAGMENTS_VERIFY = False
    empty = render_kept_form(TermForm())
    assert render_kept_form(TermForm()) == empty == TermForm().as_div()

    def changed(form: TermForm) -> str:
        shown = render_kept_form(form)
        assert shown == form.as_div()
        assert shown != empty
        return shown

    assert "We meet on Mondays." in changed(TermForm(initial={"text": "We meet on Mondays."}))
    relabelled = TermForm()
    relabelled.fields["text"].label = "Promise"
    assert "Promise" in changed(relabelled)
    disabled = TermForm()
    disabled.fields["text"].disabled = True
    assert "disabled" in changed(disabled)
    taller = TermForm()
    taller.fields["text"].widget.attrs["rows"] = 9
    assert 'rows="9"' in changed(taller)
    assert 'name="other-text"' in changed(TermForm(prefix="other"))


def test_a_form_named_by_its_caller_is_kept_under_the_name_and_checked(db):
    """A form kept under a name its caller gives is not digested; a name that does not
    fix what the form shows fails the check, as a named piece's does."""
    empty = render_kept_form(TermForm(), name="the empty term form")
    assert empty == TermForm().as_div()
    assert render_kept_form(TermForm(), name="the empty term form") == empty
    with pytest.raises(StaleFragment):
        render_kept_form(TermForm(initial={"text": "Weekly."}), name="the empty term form")


def test_a_form_sent_back_with_its_errors_is_rendered_afresh(db, settings):
    """A bound form is not kept: its errors, their markup and what was typed are its own."""
    settings.FRAGMENTS_VERIFY = False

    class TextErrors(ErrorList):
        template_name = "django/forms/errors/list/text.txt"

    wrong = InvitationForm({"email": "not an address"})
    assert 'aria-invalid="true"' in render_kept_form(wrong)
    as_text = InvitationForm({"email": "not an address"}, error_class=TextErrors)
    assert render_kept_form(as_text) == as_text.as_div()
    assert render_kept_form(as_text) != render_kept_form(wrong)
    blaming = TermForm({"note": "You never listen to me."})
    assert "feedback-flag-blame" in render_kept_form(blaming)
    assert "feedback-flag-blame" not in render_kept_form(TermForm({"note": "I'd like to listen."}))


def test_a_form_whose_options_are_rows_is_rendered_afresh_every_time(db):
    """Options read from the database cannot be keyed on what is shown, none yet included:
    such a form is never kept (the check would find a query in it), and shows the rows
    of now."""

    class AllianceChoice(forms.Form):
        alliance = forms.ModelChoiceField(queryset=Alliance.objects.order_by("pk"))

    assert "Coaching" not in render_kept_form(AllianceChoice())
    first = make_alliance(make_user("Ana"), title="Coaching")
    assert "Coaching" in render_kept_form(AllianceChoice())
    first.title = "Mentoring"
    first.save()

    assert "Mentoring" in render_kept_form(AllianceChoice())


def test_a_form_the_page_does_not_have_renders_nothing(test_templates, settings):
    [engine] = settings.TEMPLATES
    engine["OPTIONS"]["loaders"][0][1]["tests/missing_form.html"] = (
        "{% load kept %}[{% kept_form missing %}]"
    )
    assert render_to_string("tests/missing_form.html", {}) == "[]"


def test_a_kept_field_shows_its_own_text_and_the_coach_s_flags_for_it(db, settings):
    """A field laid out on its own (the reflection box) is kept under its text: another
    text is another piece, with the coach's flags for that text; words the writer did not
    write (offered) stay unflagged; a box sent back is rendered afresh."""
    settings.FRAGMENTS_VERIFY = False

    def box(text: str, sent: dict[str, str] | None = None) -> forms.BoundField:
        return ReflectionForm(sent, initial={"text": text})["text"]

    calm = render_kept_field(box("I'd like us to meet weekly."))
    assert calm == box("I'd like us to meet weekly.").as_widget()
    assert "feedback-flag-blame" not in calm
    blaming = render_kept_field(box("You never listen to me."))
    assert blaming == box("You never listen to me.").as_widget()
    assert "You never listen to me." in blaming
    assert "feedback-flag-blame" in blaming
    sent = box("", {"text": "You always interrupt me."})
    assert render_kept_field(sent) == sent.as_widget()
    assert "You always interrupt me." in render_kept_field(sent)

    mine = GroundworkForm(initial={"revision": 1})
    mine.fields["groundwork"].initial = "You never listen to me."
    offered = GroundworkForm(initial={"groundwork": "You never listen to me.", "revision": 1})
    assert "feedback-flag-blame" in render_kept_field(mine["groundwork"])
    assert "feedback-flag-blame" not in render_kept_field(offered["groundwork"])
