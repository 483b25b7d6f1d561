"""The feedback coach on save, without JavaScript, wherever words reach another person.

A flagged text is held back once: the form comes back with the words as typed and the
coach's flags under them, nothing is saved, and sending the form again as the page has
it (read here with the standard library's HTML parser, as a browser without scripts
would) saves the words exactly. Words without flags, and words whose flags the writer
was already shown, are saved at once.
"""

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliance.conversations import services as conversation_services
from alliance.conversations.models import Reflection, ReflectionState, Stake
from alliance.feedback.forms import text_fingerprint
from alliance.tending import services as tending_services
from alliance.tending.models import Rating, Signal
from alliance.terms.models import Consent, Term
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share, soon
from tests.factories import propose
from tests.helpers import page_text
from tests.tending.conftest import term_ids

BLAME = "You never listen to me when plans change."
HELD = "Nothing is saved yet"


class FormReader(HTMLParser):
    """What a browser without JavaScript sends for the form that holds the textarea
    ``name``: hidden and text inputs, ticked boxes and radios, textareas, the chosen
    options."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.wanted = name
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.found = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.fields = []
            self.forms.append(self.fields)
        elif self.fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((self.textarea, ""))
            if self.textarea == self.wanted:
                self.found = len(self.forms) - 1
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None and self.fields:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            # A browser drops the one newline that may follow <textarea>.
            name, text = self.fields[-1]  # type: ignore[index]
            self.fields[-1] = (name, text.removeprefix("\n"))  # type: ignore[index]
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.fields = None


def resend(browser: Client, url: str, page, textarea: str, **button: str):
    """Send again the form of ``page`` that holds ``textarea``, as the page has it."""
    reader = FormReader(textarea)
    reader.feed(page.content.decode())
    assert reader.found >= 0, f"no form with a textarea {textarea!r} on the page"
    data: dict[str, list[str]] = {}
    for name, value in [*reader.forms[reader.found], *button.items()]:
        data.setdefault(name, []).append(value)
    return browser.post(url, data)


def assert_held(response, *typed: str) -> None:
    """The form came back: the coach's flag, the words as typed, nothing refused."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "feedback-flag-blame" in html
    assert "Try an I-statement" in html
    assert HELD in page_text(response)
    for words in typed:
        assert words in html


@pytest.fixture
def stake(cast):
    stake = plant(cast.coach_party)
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    return stake


def test_a_blaming_signal_note_is_held_once_then_raised_as_written(ratified):
    url = f"/alliances/{ratified.alliance.pk}/signals/"
    ben = login(ratified.client)
    mail.outbox.clear()
    held = ben.post(url, {"note": BLAME, "term_id": str(term_ids(ratified)[1])})
    assert_held(held, BLAME)
    assert not Signal.objects.exists()
    assert not mail.outbox
    sent = resend(ben, url, held, "note")
    assert sent.status_code == 302
    signal = Signal.objects.get()
    assert (signal.note, signal.term_id) == (BLAME, term_ids(ratified)[1])
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def test_a_signal_note_in_the_first_person_is_raised_at_once(ratified):
    url = f"/alliances/{ratified.alliance.pk}/signals/"
    note = "I would like us to talk about how our calls start."
    assert login(ratified.client).post(url, {"note": note}).status_code == 302
    assert Signal.objects.get().note == note


def test_a_note_whose_flags_were_shown_as_typed_is_raised_at_once(ratified):
    """coach.js posts the fingerprint the review endpoint gave for the text it showed;
    a browser's form sends CRLF where the script sent LF."""
    ben = login(ratified.client)
    typed = "We said Tuesdays.\nYou never listen to me when plans change."
    seen = ben.post("/feedback/review/", {"text": typed}).json()["seen"]
    posted = typed.replace("\n", "\r\n")
    url = f"/alliances/{ratified.alliance.pk}/signals/"
    assert ben.post(url, {"note": posted, "coach_seen": seen}).status_code == 302
    assert Signal.objects.get().note == posted


def test_changed_words_are_read_afresh(ratified):
    """A fingerprint stands for the words it was made from, not for the form."""
    ben = login(ratified.client)
    url = f"/alliances/{ratified.alliance.pk}/signals/"
    other = "You always cancel at the last minute."
    held = ben.post(url, {"note": other, "coach_seen": text_fingerprint(BLAME)})
    assert_held(held, other)
    assert not Signal.objects.exists()


def test_check_in_comments_are_held_and_kept_then_saved(ratified):
    checkin = tending_services.checkin_start(party=ratified.coach_party)
    first, second = term_ids(ratified)
    url = f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/"
    ana = login(ratified.coach)
    typed = {
        f"score-{first}": "well",
        f"score-{second}": "tending",
        f"comment-{second}": BLAME,
        "reflection": "I enjoy our sessions and want more of them.",
        "share": "on",
    }
    held = ana.post(url, typed)
    assert_held(held, BLAME)
    html = held.content.decode()
    assert 'value="tending" required checked' in html  # the ratings stay chosen
    assert 'name="share" checked' in html
    assert not Rating.objects.exists()
    assert resend(ana, url, held, f"comment-{second}").status_code == 302
    assert Rating.objects.get(term_id=second).comment == BLAME
    assert Rating.objects.get(term_id=first).comment == ""


def test_a_shared_check_in_reflection_is_held_a_private_one_is_not(ratified):
    checkin = tending_services.checkin_start(party=ratified.coach_party)
    first, second = term_ids(ratified)
    url = f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/"
    ana = login(ratified.coach)
    ratings = {f"score-{first}": "well", f"score-{second}": "well"}
    held = ana.post(url, {**ratings, "reflection": BLAME, "share": "on"})
    assert_held(held, BLAME)
    assert not Rating.objects.exists()
    # Kept to herself, it reaches nobody: saved at once, with the flags on her page.
    assert ana.post(url, {**ratings, "reflection": BLAME}).status_code == 302
    page = ana.get(url)
    assert "feedback-flag-blame" in page.content.decode()
    # Shared from that page: she has seen the flags, so it is shared at once.
    assert resend(ana, url, page, "reflection", share="on").status_code == 302
    shared = checkin.reflections.get(party=ratified.coach_party)
    assert (shared.text, shared.shared_at is not None) == (BLAME, True)
    assert "feedback-flag" not in login(ratified.client).get(url).content.decode()


def test_asking_for_a_change_with_a_blaming_comment_is_held_on_its_own_page(cast):
    term = propose(cast.coach_party, "We meet every other Tuesday.")
    url = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/consent/"
    ben = login(cast.client)
    answer = {"decision": "change", "comment": BLAME, "revision": str(term.revision)}
    held = ben.post(url, answer)
    assert_held(held, BLAME, "We meet every other Tuesday.")
    assert 'value="change" checked' in held.content.decode()
    assert not Consent.objects.filter(party=cast.client_party).exists()
    assert resend(ben, url, held, "comment").status_code == 302
    consent = Consent.objects.get(party=cast.client_party)
    assert (consent.decision, consent.comment) == ("change", BLAME)


def test_agreeing_is_never_held(cast):
    term = propose(cast.coach_party, "We meet every other Tuesday.")
    url = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/consent/"
    answer = {"decision": "agree", "comment": BLAME, "revision": str(term.revision)}
    assert login(cast.client).post(url, answer).status_code == 302
    assert Consent.objects.get(party=cast.client_party).decision == "agree"


def test_a_term_note_is_held_when_proposed_and_when_edited(cast):
    ana = login(cast.coach)
    url = f"/alliances/{cast.alliance.pk}/terms/new/"
    proposal = {"category": "rhythm", "text": "We meet every other Tuesday.", "note": BLAME}
    held = ana.post(url, proposal)
    assert_held(held, BLAME, "We meet every other Tuesday.")
    assert not Term.objects.exists()
    assert resend(ana, url, held, "note").status_code == 302
    term = Term.objects.get()
    assert term.note == BLAME
    # Ben edits the term: Ana's note is not his to be coached on, and stays as it is.
    edit = f"/alliances/{cast.alliance.pk}/terms/{term.pk}/edit/"
    ben = login(cast.client)
    form = ben.get(edit)
    assert "feedback-flag" not in form.content.decode()
    changed = {**proposal, "text": "We meet every other Tuesday at ten.", "revision": "1"}
    assert ben.post(edit, changed).status_code == 302
    # His own words in the note are read.
    ben_note = "You never tell me when you move it."
    held = ben.post(edit, {**changed, "note": ben_note, "revision": "2"})
    assert_held(held, ben_note)
    term.refresh_from_db()
    assert (term.note, term.revision) == (BLAME, 2)


def test_a_note_on_a_term_made_from_a_reflection_is_held(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want honest feedback.")
    share(cast.client_party, stake, prompt, "I want it too.")
    reflection = Reflection.objects.get(party=cast.coach_party)
    url = f"/alliances/{cast.alliance.pk}/reflections/{reflection.pk}/term/"
    ben = login(cast.client)
    held = ben.post(url, {"category": "values", "text": "We are honest.", "note": BLAME})
    assert_held(held, BLAME)
    assert not Term.objects.exists()
    assert resend(ben, url, held, "note").status_code == 302
    assert Term.objects.get().note == BLAME


def test_the_offered_groundwork_is_not_held_typed_groundwork_is(cast):
    url = f"/alliances/{cast.alliance.pk}/conversations/new/"
    ana = login(cast.coach)
    form = ana.get(url)
    # The product's own opening is not the writer's: the coach is quiet about it.
    assert "feedback-flag" not in form.content.decode()
    when = {"kind": "design", "duration_minutes": "60", "time_1": f"{soon():%Y-%m-%dT%H:%M}"}
    offered = resend(ana, url, form, "groundwork", **when)
    assert offered.status_code == 302
    held = ana.post(url, {**when, "groundwork": BLAME})
    assert_held(held, BLAME)
    assert Stake.objects.count() == 1
    assert resend(ana, url, held, "groundwork").status_code == 302
    assert Stake.objects.latest("pk").groundwork == BLAME


def test_editing_the_groundwork_is_held_once(cast, stake):
    url = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/groundwork/"
    ben = login(cast.client)
    held = ben.post(url, {"groundwork": BLAME, "revision": str(stake.groundwork_revision)})
    assert_held(held, BLAME)
    assert "<details open><summary>Edit the groundwork" in held.content.decode()
    stake.refresh_from_db()
    assert stake.groundwork != BLAME
    assert resend(ben, url, held, "groundwork").status_code == 302
    stake.refresh_from_db()
    assert stake.groundwork == BLAME


def test_sharing_a_blaming_reflection_is_held_saving_a_draft_is_not(cast, stake):
    prompt = first_prompt(stake)
    base = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/prompts/"
    url = f"{base}{prompt.pk}/reflection/"
    ana = login(cast.coach)
    held = ana.post(url, {"text": BLAME, "action": "share", "revision": "1"})
    assert_held(held, BLAME)
    assert not Reflection.objects.exists()
    shared = resend(ana, url, held, "text", action="share")
    assert shared.status_code == 302
    reflection = Reflection.objects.get()
    assert (reflection.text, reflection.state) == (BLAME, ReflectionState.SHARED)
    # A draft reaches nobody: saved at once; its flags show on the author's page only.
    second = stake.alliance.prompts.filter(position__gt=prompt.position).order_by("position")[0]
    draft_url = f"{base}{second.pk}/reflection/"
    assert ana.post(draft_url, {"text": BLAME, "action": "save"}).status_code == 302
    assert Reflection.objects.get(prompt=second).state == ReflectionState.DRAFT


def test_the_review_endpoint_writes_nothing_and_sends_no_text_to_the_database(cast):
    ana = login(cast.coach)
    ana.get("/")  # the session is saved by now
    with CaptureQueriesContext(connection) as queries:
        answer = ana.post("/feedback/review/", {"text": BLAME}).json()
    assert answer["seen"] == text_fingerprint(BLAME)
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in statements if "listen" in s or not s.lstrip().startswith("SELECT")]
