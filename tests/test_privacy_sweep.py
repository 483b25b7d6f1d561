"""Private means private: a text reaches only the people it was shared with, on every
surface the product has.

The scene (tests/scene.py) holds ten texts with their audiences: unshared drafts of Ana
and Ben, a draft Ana kept when she skipped a prompt, Ana's never shared check-in
reflection, her rating comment (for those who rated), reflections revealed before Cleo
joined, and one Fred shared before he left. Each has a marker word; the sweeps look for
the markers on every GET URL of the project as every persona (with every prompt of the
conversation and every check-in), in each person's export, every email (text, HTML,
subject, attachments) and outbox row, each person's calendar feed, every file of each
person's copy of their data, every admin list and change page, the history's event data,
and the logs.
"""

import logging
import zipfile
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances.models import Event, Invitation
from alliance.lib.clock import now
from alliance.outbox.models import OutboxMessage
from alliance.record.takeout import takeout_zip
from alliance.tending import services as tending_services
from tests.helpers import file_text, page_text
from tests.routes import SIGNED_READS, fill, project_patterns, route_of, url_for
from tests.scene import (
    ALLIANCE_MARKERS,
    ANA_C2,
    ANA_COMMENT,
    ANA_P1,
    BEN_C2,
    BEN_P1,
    CURRENT_PARTIES,
    FOREIGN_MARKERS,
    FRED_P1,
    NOT_PARTIES,
    PERSONAS,
    SECRETS,
    TERM_TEXT,
    TITLE,
    UNSHARED,
    Scene,
    markers_in,
    scene_fixture,
)

SURFACES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


def _allowed(persona: str) -> set[str]:
    return {s.marker for s in SECRETS if persona in s.audience}


def _what(marker: str) -> str:
    return next(s.what for s in SECRETS if s.marker == marker)


def persona_urls(scene: Scene, persona: str) -> list[str]:
    """Every GET URL of the project as `persona` would open it; the conversation page and
    its board once more for each prompt anyone wrote on, both check-ins, and the
    reflections behind the "make it a term" pages."""
    urls = []
    values = scene.values
    for route, name in project_patterns():
        route_of(name, route)
        urls.append(url_for(scene, persona, route, name))
        if name in ("conversation_detail", "conversation_board"):
            base = fill(route, values)
            urls += [f"{base}?prompt={prompt_id}" for prompt_id in scene.written_prompt_ids]
        if name == "checkin_detail":
            urls.append(fill(route, {**values, "checkin_id": scene.checkin_c1}))
        if name == "reflection_to_term":
            for reflection_id in (scene.ana_p1_reflection, scene.fred_p1_reflection):
                urls.append(fill(route, {**values, "reflection_id": reflection_id}))
        if name == "version_compare":
            urls.append(fill(route, values) + "?from=1&to=1")
    return urls


def _observers_kept_out(scene: Scene, url: str) -> bool:
    """Whether `url` is one of the alliance's pages that an observer may not open: all
    but the alliance page, the versions (which the scene's parties let observers see)
    and the page to leave."""
    base = f"/alliances/{scene.alliance.pk}/"
    if not url.startswith(base):
        return False
    rest = url.removeprefix(base)
    return not (rest == "" or rest == "leave/" or rest.startswith("versions/"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_shows_a_text_to_anyone_outside_its_audience(scene, persona, db, caplog):
    """Every GET URL, the export included, as each persona; and each author does find
    their own texts, so the sweep looks where the texts are. Nothing goes to the logs."""
    caplog.set_level(logging.DEBUG)
    browser = scene.client(persona, enforce_csrf_checks=False)
    allowed = _allowed(persona)
    leaks, seen = [], set()
    # The versions the former party signed stay theirs to read.
    signed = {
        fill(route, scene.values) for route, name in project_patterns() if name in SIGNED_READS
    }
    for url in persona_urls(scene, persona):
        response = browser.get(url)
        SURFACES["pages"] += 1
        assert response.status_code < 500, f"{persona} GET {url}: {response.status_code}"
        if persona == "former_party" and url in signed:
            assert response.status_code == 200, f"{persona} GET {url}: {response.status_code}"
        elif persona in NOT_PARTIES and url.startswith(f"/alliances/{scene.alliance.pk}/"):
            assert response.status_code == 404, f"{persona} GET {url}: {response.status_code}"
        if persona == "observer" and _observers_kept_out(scene, url):
            assert response.status_code == 404, f"{persona} GET {url}: {response.status_code}"
        found = markers_in(response.content.decode(errors="replace"))
        seen |= found
        leaks += [f"{url}: {_what(m)}" for m in found - allowed]
    assert not leaks, f"{persona} reads what is not theirs:\n" + "\n".join(leaks)
    SURFACES["log lines"] += len(caplog.records)
    assert not markers_in(caplog.text), "a reflection's text went to the logs"
    # The sweep looks where the texts are: each author finds their own (a former party
    # finds nothing any more), and Ben, who rated at C1, reads Ana's comment there.
    mine = {s.marker for s in SECRETS if s.author == persona and persona in CURRENT_PARTIES}
    assert mine <= seen, f"{persona} never saw their own {[_what(m) for m in mine - seen]}"
    if persona == "other_party":
        assert ANA_COMMENT.marker in seen


def test_each_persona_exports_only_what_they_may_read(scene, db):
    """The export is built from the same selectors as the pages; it holds the reader's
    own drafts and nothing of anyone else's."""
    for persona in CURRENT_PARTIES:
        response = scene.client(persona).get(f"/alliances/{scene.alliance.pk}/export.json")
        SURFACES["exports"] += 1
        found = markers_in(response.content.decode())
        assert found <= _allowed(persona), [_what(m) for m in found - _allowed(persona)]
        assert {s.marker for s in UNSHARED if s.author == persona} <= found


def _record_texts(response) -> str:
    """What a record file says: the Markdown or print view as it is, a PDF's extracted
    text and its attached data."""
    is_pdf = response["Content-Type"] == "application/pdf"
    return file_text("record.pdf" if is_pdf else "record", response.content)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_record_files_hold_no_reflection_and_no_draft(scene, persona, db):
    """The Markdown and PDF records hold the ratified versions only, read through their
    text and attached data: nobody's reflection, shared or not, is in them."""
    browser = scene.client(persona)
    base = f"/alliances/{scene.alliance.pk}/"
    tails = ["export.md", "export.pdf", "print/"]
    opened = 0
    for url in [base + t for t in tails] + [f"{base}versions/1/{t}" for t in tails]:
        response = browser.get(url)
        SURFACES["record files"] += 1
        assert response.status_code in (200, 302, 404), f"{persona} GET {url}"
        if response.status_code != 200:
            continue
        opened += 1
        text = _record_texts(response)
        assert TERM_TEXT in " ".join(text.split()), url
        assert not markers_in(text), f"{persona} {url}: {[_what(m) for m in markers_in(text)]}"
    assert opened == {"observer": 3, "former_party": 3}.get(
        persona, 6 if persona in CURRENT_PARTIES else 0
    )


# What of alliance A a person outside its designing parties finds in their copy of their
# data: an observer, its title and the versions the parties let them see; the former
# party, its title and the version they signed; anyone else, nothing at all.
COPY_MAY_HOLD = {
    "observer": {"Wisteria", "tuesdaybriar"},
    "former_party": {"Wisteria", "tuesdaybriar", FRED_P1.marker},
    "outsider": set(),
    "invitee": set(),
}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_each_persona_takes_only_what_they_may_read_in_their_copy(scene, persona, db, tmp_path):
    """Every file of the zip from "Prepare a copy of all my data": the author's own drafts
    are in it, nothing of anyone else's, nothing of an alliance they are not in."""
    target = tmp_path / "copy.zip"
    for _ in takeout_zip(user=scene.users[persona], target=target):
        pass
    with zipfile.ZipFile(target) as archive:
        files = {name: file_text(name, archive.read(name)) for name in archive.namelist()}
    SURFACES["data copy files"] += len(files)
    found: set[str] = set()
    leaks = []
    for name, text in files.items():
        shown = markers_in(text)
        leaks += [f"{name}: {_what(m)}" for m in shown - _allowed(persona)]
        if persona in COPY_MAY_HOLD:
            unfolded = text.replace("\r\n ", "")
            leaks += [
                f"{name}: {m}"
                for m in ALLIANCE_MARKERS
                if m in unfolded and m not in COPY_MAY_HOLD[persona]
            ]
        if persona != "outsider":
            leaks += [f"{name}: alliance B's {m}" for m in FOREIGN_MARKERS.values() if m in text]
        found |= shown
    assert not leaks, f"{persona}'s copy holds what is not theirs:\n" + "\n".join(leaks)
    mine = {s.marker for s in UNSHARED if s.author == persona}
    assert mine <= found, f"{persona}'s copy misses their own {[_what(m) for m in mine - found]}"


def _recipient(scene: Scene, address: str) -> str:
    return next((p for p, u in scene.users.items() if u.email == address), "outsider")


def test_no_email_carries_a_text_to_anyone_outside_its_audience(scene, db):
    """Every message sent while the scene was built: subject, text, HTML, attachments
    (calendar invitations); and every row of the outbox, headers included."""
    assert scene.mails, "the scene sent no mail"
    leaks = []
    for message in scene.mails:
        [address] = message.to
        allowed = _allowed(_recipient(scene, address))
        parts = [message.subject, message.body]
        parts += [content for content, _ in getattr(message, "alternatives", [])]
        parts += [str(attachment[1]) for attachment in message.attachments]
        SURFACES["email parts"] += len(parts)
        for part in parts:
            leaks += [f"to {address}: {_what(m)}" for m in markers_in(part) - allowed]
    rows = list(OutboxMessage.objects.all())
    for row in rows:
        allowed = _allowed(_recipient(scene, row.to_email))
        text = " ".join([row.subject, row.text, row.html, str(row.headers), str(row.attachments)])
        SURFACES["outbox rows"] += 1
        leaks += [f"outbox row to {row.to_email}: {_what(m)}" for m in markers_in(text) - allowed]
    assert not leaks, "\n".join(leaks)
    # The sweep saw every kind of mail the scene's story sends.
    kinds = {row.kind for row in rows}
    assert {
        "invitation",
        "joined",
        "ratified",
        "conversation",
        "tending_signal",
        "checkin_reminder",
        "nudge",
        "term_change",
        "signal_progress",
        "calendar",
        "digest",
    } <= kinds, kinds
    # Cleo's digest held what she would otherwise have been mailed after she joined.
    digest = OutboxMessage.objects.get(kind="digest")
    assert digest.to_email == scene.users["late_joiner"].email
    assert "proposes a term" in digest.text
    assert any(message.attachments for message in scene.mails)
    assert all(row.html for row in rows if row.kind != "account")


def test_each_calendar_feed_holds_only_its_owners_alliances_and_no_reflection(scene, db):
    anonymous = Client()
    for persona, token in scene.feed_tokens.items():
        response = anonymous.get(f"/calendar/{token}.ics")
        SURFACES["calendar feeds"] += 1
        assert response.status_code == 200
        feed = response.content.decode().replace("\r\n ", "")
        assert not markers_in(feed), persona
        # The observer's feed holds the design conversation, which includes them.
        assert (TITLE in feed) == (persona in (*CURRENT_PARTIES, "observer")), persona


def _admin_objects(model) -> list[int]:
    """Every object of the model; of models with a `kind` (history events, outbox rows),
    one of each kind: their contents are swept row by row in the tests of the history
    and of the mail, and every row of a kind shows on the same change page."""
    objects = model._default_manager.order_by("pk")
    if not any(f.name == "kind" for f in model._meta.fields):
        return list(objects.values_list("pk", flat=True))
    first: dict[str, int] = {}
    for pk, kind in objects.values_list("pk", "kind"):
        first.setdefault(kind, pk)
    return list(first.values())


def test_admin_pages_show_no_unshared_text_nor_token(scene, db):
    """As a superuser: the list page of every registered model and the change page of
    its objects. ENGINEERING.md names the admin list pages; the change pages hold to it
    as well today (no admin shows a reflection, a check-in reflection or a mail body)."""
    root = User.objects.create_superuser("root@scene.example", "a-long-test-password-9")
    staff = Client()
    staff.force_login(root)
    private = {s.marker for s in UNSHARED} | {ANA_COMMENT.marker}
    hashes = list(Invitation.objects.values_list("token_hash", flat=True))
    leaks = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls = [base] + [f"{base}{pk}/change/" for pk in _admin_objects(model)]
        for url in urls:
            response = staff.get(url)
            SURFACES["admin pages"] += 1
            assert response.status_code == 200, f"{url}: {response.status_code}"
            body = response.content.decode()
            leaks += [f"{url}: {_what(m)}" for m in markers_in(body) & private]
            leaks += [f"{url}: an invitation token hash" for h in hashes if h in body]
    assert not leaks, "\n".join(leaks)


def test_history_event_data_names_prompts_never_what_anyone_wrote(scene, db):
    """Every party reads the whole history, the late joiner too: its events may hold no
    reflection, comment or check-in text at all."""
    events = list(Event.objects.all())
    SURFACES["history events"] += len(events)
    leaks = [(e.kind, _what(m)) for e in events for m in markers_in(str(e.data))]
    assert not leaks


def test_logs_hold_no_reflection_text(scene, db, caplog):
    """What was logged while the scene was built, and while Ana saved a draft, was
    refused a too long one, had one reviewed, and had a signal note held back by the
    coach (the page walks check their own logs)."""
    caplog.set_level(logging.DEBUG)
    ana = scene.client("party", enforce_csrf_checks=False)
    base = f"/alliances/{scene.alliance.pk}/conversations/{scene.values['stake_id']}"
    p2 = scene.p2
    ana.post(f"{base}/prompts/{p2}/reflection/", {"text": "Again quillonfen.", "action": "save"})
    ana.post(f"{base}/prompts/{p2}/reflection/", {"text": "quillonfen " * 600, "action": "share"})
    ana.post("/feedback/review/", {"text": "You never listen, quillonfen."})
    note = {"note": "You never listen to a word I say, quillonfen."}
    held = ana.post(f"/alliances/{scene.alliance.pk}/signals/", note)
    assert "feedback-flag-blame" in held.content.decode()
    lines = scene.log_lines + [r.getMessage() for r in caplog.records]
    SURFACES["log lines"] += len(lines)
    assert caplog.records, "the refused share logs nothing: is DEBUG logging captured?"
    assert not [line for line in lines if markers_in(line)]


# A late joiner and the reveals before them -------------------------------------------


REVEALED_BEFORE_CLEO = [ANA_P1, BEN_P1, ANA_C2, BEN_C2, FRED_P1]


def _cleo_answers_what_was_revealed_before_her(scene: Scene) -> Client:
    """Cleo presses "Skip this prompt" on P1 and fills in check-in C2, sharing her
    reflection: what once opened the earlier reveals to her, and is now refused."""
    cleo = scene.client("late_joiner", enforce_csrf_checks=False)
    alliance = scene.alliance.pk
    cleo.post(
        f"/alliances/{alliance}/conversations/{scene.values['stake_id']}/prompts/{scene.p1}/reflection/",
        {"action": "skip"},
    )
    form = {f"score-{term_id}": "okay" for term_id in scene.term_ids}
    cleo.post(
        f"/alliances/{alliance}/checkins/{scene.checkin_c2}/",
        {**form, "reflection": "I joined late.", "share": "on"},
    )
    return cleo


LATE_SURFACES = [
    pytest.param("conversations/{stake}/?prompt={p1}", id="conversation page"),
    pytest.param("conversations/{stake}/board/?prompt={p1}", id="board"),
    pytest.param("reflections/{ana_p1}/term/", id="reflection to term"),
    pytest.param("export.json", id="export"),
    pytest.param("checkins/{c2}/", id="check-in page"),
    pytest.param("health/", id="health page"),
    pytest.param("history/", id="history page"),
]


@pytest.mark.parametrize("path", LATE_SURFACES)
def test_a_late_joiner_never_reads_what_was_revealed_before_they_joined(scene, db, path):
    cleo = _cleo_answers_what_was_revealed_before_her(scene)
    url = f"/alliances/{scene.alliance.pk}/" + path.format(
        stake=scene.values["stake_id"],
        p1=scene.p1,
        ana_p1=scene.ana_p1_reflection,
        c2=scene.checkin_c2,
    )
    response = cleo.get(url)
    SURFACES["late joiner pages"] += 1
    assert response.status_code < 500
    found = markers_in(response.content.decode())
    assert not found & {s.marker for s in REVEALED_BEFORE_CLEO}, [_what(m) for m in found]


def test_a_late_joiner_gets_no_mail_with_what_was_revealed_before_they_joined(scene, db):
    mail.outbox = []
    _cleo_answers_what_was_revealed_before_her(scene)
    from alliance.outbox.nudges import nudges_queue

    nudges_queue(now() + timedelta(days=5))
    tending_services.checkin_reminders_due(now())
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, *[c for c, _ in message.alternatives]])
        assert not markers_in(text) - _allowed(_recipient(scene, message.to[0]))


def test_a_reveal_stays_open_for_those_who_were_there_when_someone_joins(scene, db):
    """Ana and Ben revealed P1 and C2 before Cleo joined: they still read each other's
    reflections, and P1 does not wait for Cleo."""
    alliance, stake = scene.alliance.pk, scene.values["stake_id"]
    for persona, other in [("party", BEN_P1), ("other_party", ANA_P1)]:
        browser = scene.client(persona)
        page = browser.get(f"/alliances/{alliance}/conversations/{stake}/?prompt={scene.p1}")
        assert other.marker in page.content.decode(), f"{persona} lost {other.what}"
        assert "Cleo: not yet" not in page_text(page)
    for persona, other in [("party", BEN_C2), ("other_party", ANA_C2)]:
        page = scene.client(persona).get(f"/alliances/{alliance}/checkins/{scene.checkin_c2}/")
        assert other.marker in page.content.decode(), f"{persona} lost {other.what}"


def test_a_late_joiner_is_not_waited_for_on_prompts_revealed_before_they_joined(scene, db):
    """P1 was revealed before Cleo joined: neither her dashboard nor a nudge asks her
    for it. P3 (Ana skipped it, Ben has not answered) is not revealed and does wait."""
    dashboard = page_text(scene.client("late_joiner").get("/"))
    assert "1 prompt awaits your reflection" in dashboard
    nudges = [m.subject for m in scene.mails if m.to == [scene.users["late_joiner"].email]]
    assert not [subject for subject in nudges if "reflections are awaited" in subject]


def test_a_late_joiner_is_not_waited_for_on_a_checkin_revealed_before_they_joined(scene, db):
    """ "The same holds for check-ins": C2 was rated by everyone and its reflections
    revealed before Cleo joined; its page does not wait for her, nor does a nudge."""
    page = scene.client("party").get(f"/alliances/{scene.alliance.pk}/checkins/{scene.checkin_c2}/")
    assert "Waiting for Cleo" not in page_text(page)
    nudges = [m.subject for m in scene.mails if m.to == [scene.users["late_joiner"].email]]
    assert not [subject for subject in nudges if "check-in" in subject and "waiting" in subject]


def test_the_term_page_of_a_former_partys_reflection_agrees_with_the_conversation(scene, db):
    """Fred shared on P1, then left; once everyone now there has answered P1, the page
    that makes a term of his reflection shows it exactly when the conversation does."""
    _cleo_answers_what_was_revealed_before_her(scene)
    ana = scene.client("party")
    alliance, stake = scene.alliance.pk, scene.values["stake_id"]
    board = ana.get(f"/alliances/{alliance}/conversations/{stake}/?prompt={scene.p1}")
    term_page = ana.get(f"/alliances/{alliance}/reflections/{scene.fred_p1_reflection}/term/")
    on_board = FRED_P1.marker in board.content.decode()
    on_term_page = term_page.status_code == 200 and FRED_P1.marker in term_page.content.decode()
    assert on_board == on_term_page, f"conversation: {on_board}, term page: {on_term_page}"


def test_the_sweep_size(scene, db):
    """Counted, so the closing note can report it (run with -s to read it): the pages are
    counted from the walk's plan, the other surfaces as the tests above met them."""
    pages = sum(len(persona_urls(scene, persona)) for persona in PERSONAS)
    print(f"\nprivacy sweep: {pages} pages planned; surfaces checked so far: {dict(SURFACES)}")
    assert pages > 300
