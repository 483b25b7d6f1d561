"""Templates: save an alliance as one, export and import it, start an alliance from one."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.alliances.models import Alliance
from alliance.conversations import services as conversation_services
from alliance.conversations.models import AlliancePrompt
from alliance.lib.clock import now
from alliance.starting import services
from alliance.starting.builtins import BUILTINS, MENTORING
from alliance.starting.models import Template
from alliance.tending import services as tending_services
from alliance.tending.models import Rhythm
from alliance.terms import services as term_services
from alliance.terms.models import Term
from alliance.terms.selectors import draft_for
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_user, party_of, propose, ratify_with
from tests.helpers import page_text

GROUNDWORK = "I want our sessions to be the most useful hour of your fortnight."


def _start(browser, key: str, **fields: str):
    form = {
        "template": key,
        "title": "Started",
        "kind": "coaching",
        "purpose": "",
        "role_label": "coach",
        **fields,
    }
    return browser.post("/templates/start/", form, follow=True)


def _upload(browser, content: bytes, name: str = "template.json"):
    return browser.post(
        "/templates/import/",
        {"file": SimpleUploadedFile(name, content, "application/json")},
        follow=True,
    )


def test_an_alliance_saved_exported_imported_and_started_again_brings_its_terms_as_proposals(
    cast,
):
    ana, ben = cast.coach_party, cast.client_party
    propose(ana, "We meet every other Tuesday at 9.")
    propose(ana, "What is said here stays here.", category="boundaries")
    ratify_with([ana, ben])
    # The draft holds one more term since, with a comment asking for a change.
    later = propose(ben, "We end with a closing session.", category="other")
    term_services.consent_give(
        party=ana,
        term_id=later.pk,
        revision=later.revision,
        decision="change",
        comment="Ana's private doubts",
    )
    custom = conversation_services.prompt_add(
        party=ana, theme="values", text="What would make this worth your money?"
    )
    hidden = AlliancePrompt.objects.get(alliance=cast.alliance, builtin_key="feel-4")
    conversation_services.prompt_set_hidden(party=ana, prompt_id=hidden.pk, hidden=True)
    stake = plant(ana)
    conversation_services.groundwork_update(
        party=ana, stake_id=stake.pk, groundwork=GROUNDWORK, revision=1
    )
    share(ben, stake, first_prompt(stake), "Ben's reflection, for Ana only")
    tending_services.rhythm_set(
        party=ana,
        starts_on=(now() + timedelta(days=20)).date(),
        at_time=now().time().replace(microsecond=0),
        rule="FREQ=WEEKLY;INTERVAL=4",
    )

    browser = login(cast.client)
    saved = browser.post(
        f"/alliances/{cast.alliance.pk}/save-as-template/", {"name": "Ben's coaching"}, follow=True
    )
    assert "Saved as your template “Ben's coaching”" in page_text(saved)
    template = Template.objects.get(owner=cast.client)
    exported = browser.get(f"/templates/{template.pk}/export.json")
    assert exported["Content-Disposition"].startswith("attachment;")
    data = json.loads(exported.content)
    assert (data["format"], data["version"]) == ("alliance-template", 1)
    # The draft's terms: the ratified two and the later one, and nothing anyone wrote
    # about themselves or anyone's name.
    assert [t["text"] for t in data["terms"]] == [
        "We meet every other Tuesday at 9.",
        "What is said here stays here.",
        "We end with a closing session.",
    ]
    for private in ("Ana's private doubts", "Ben's reflection", "Ana", "Ben"):
        assert private not in exported.content.decode().replace("Ben's coaching", "")
    assert data["prompts"] == [{"theme": "values", "category": "other", "text": custom.text}]
    assert data["hidden_prompts"] == ["feel-4"]
    assert data["groundwork"] == GROUNDWORK
    assert data["rhythm"] == "FREQ=WEEKLY;INTERVAL=4"
    assert {r["label"] for r in data["roles"]} == {"coach", "client"}

    # Olga imports the file and starts an alliance of her own from it.
    olga = login(cast.outsider)
    imported = _upload(olga, exported.content)
    assert "Template “Ben's coaching” imported." in page_text(imported)
    mine = Template.objects.get(owner=cast.outsider)
    page = olga.get(f"/templates/start/?template={mine.pk}")
    assert 'value="Ben&#x27;s coaching"' in page.content.decode()
    started = _start(olga, str(mine.pk), title="Olga coaches Pat")
    alliance = Alliance.objects.get(title="Olga coaches Pat")
    assert started.redirect_chain[-1][0] == f"/alliances/{alliance.pk}/"
    assert "Its terms are proposals" in page_text(started)

    pat = make_user("Pat")
    join(alliance, pat)
    draft = draft_for(alliance)
    assert [item.term.text for item in draft.items] == [t["text"] for t in data["terms"]]
    olga_party, pat_party = party_of(alliance, cast.outsider), party_of(alliance, pat)
    for item in draft.items:
        assert item.agreed_by(draft.parties) == [olga_party]
        assert item.waiting_on(draft.parties) == [pat_party]
    assert draft.blockers, "nothing may be ratified before Pat agrees"
    prompts = AlliancePrompt.objects.filter(alliance=alliance)
    assert prompts.get(builtin_key="", text=custom.text).theme == "values"
    assert prompts.get(builtin_key="feel-4").hidden
    rhythm = Rhythm.objects.get(alliance=alliance)
    assert rhythm.rule == "FREQ=WEEKLY;INTERVAL=4"
    assert rhythm.next_at.date() == (now() + timedelta(weeks=4)).date()
    # The design conversation Olga proposes opens with the template's groundwork.
    stake_page = olga.get(f"/alliances/{alliance.pk}/conversations/new/")
    assert GROUNDWORK in page_text(stake_page)
    history = page_text(olga.get(f"/alliances/{alliance.pk}/history/"))
    assert "started the alliance from the template" in history


@pytest.mark.parametrize("template", BUILTINS, ids=lambda t: t.key)
def test_each_builtin_template_starts_an_alliance_with_its_terms_awaiting_consent(cast, template):
    assert 6 <= len(template.terms) <= 12
    olga = login(cast.outsider)
    page = olga.get(f"/templates/start/?template={template.key}")
    assert str(template.terms[0].text) in page_text(page)
    assert f"Check-ins of the alliance itself: {template.rhythm_text}." in page_text(page)
    _start(olga, template.key, kind=template.kind, role_label=template.designing_role)
    alliance = Alliance.objects.get(created_by=cast.outsider)
    terms = Term.objects.filter(alliance=alliance)
    assert [t.text for t in terms] == [str(t.text) for t in template.terms]
    join(alliance, make_user())
    draft = draft_for(alliance)
    assert all(item.waiting_on(draft.parties) for item in draft.items)
    assert Rhythm.objects.get(alliance=alliance).rule == template.rhythm
    exported = olga.get(f"/templates/builtin/{template.key}.json")
    assert json.loads(exported.content)["name"] == str(template.name)


def _valid() -> dict:
    return {
        "format": "alliance-template",
        "version": 1,
        "name": "Imported",
        "kind": "mentoring",
        "terms": [{"category": "rhythm", "text": "We meet monthly."}],
    }


BAD_FILES = [
    (b"\xff\xfe not text", "not text in UTF-8"),
    (b"{not json", "not valid JSON (line 1, column 2"),
    (b"[]", "must hold one JSON object"),
    # Small enough to upload, deep enough to exhaust a recursive parser.
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (json.dumps({**_valid(), "format": "other"}).encode(), "not an Alliance template"),
    (json.dumps({**_valid(), "version": 2}).encode(), "of version 2; this site reads version 1"),
    (json.dumps({**_valid(), "colour": "red"}).encode(), "does not know: colour"),
    (
        json.dumps({k: v for k, v in _valid().items() if k != "kind"}).encode(),
        "lacks the fields kind",
    ),
    (json.dumps({**_valid(), "kind": "pirates"}).encode(), "kind must be one of"),
    (json.dumps({**_valid(), "name": "x" * 121}).encode(), "name is longer than 120"),
    (
        json.dumps({**_valid(), "terms": [{"category": "gossip", "text": "Hi."}]}).encode(),
        "terms[0].category must be one of",
    ),
    (
        json.dumps({**_valid(), "terms": [{"category": "rhythm", "text": 5}]}).encode(),
        "terms[0].text must be text",
    ),
    (
        json.dumps({**_valid(), "terms": [{"category": "rhythm", "text": "ok"}] * 41}).encode(),
        "terms has more than 40 entries",
    ),
    (
        json.dumps(
            {**_valid(), "prompts": [{"theme": "moon", "category": "other", "text": "?"}]}
        ).encode(),
        "prompts[0].theme must be one of",
    ),
    (json.dumps({**_valid(), "hidden_prompts": ["feel-99"]}).encode(), "hidden_prompts[0]"),
    (
        json.dumps({**_valid(), "roles": [{"label": "coach", "observer": "yes"}]}).encode(),
        "roles[0].observer must be true or false",
    ),
    (json.dumps({**_valid(), "rhythm": "FREQ=DAILY"}).encode(), "not a rhythm this site can set"),
    (json.dumps({**_valid(), "rhythm": "FREQ=WEEKLY;INTERVAL=99"}).encode(), "not a rhythm"),
    (json.dumps({**_valid(), "name": "Nul\x00"}).encode(), "name holds a character that is not"),
    (
        json.dumps({**_valid(), "groundwork": "Half \ud800 a pair"}).encode(),
        "groundwork holds a character that is not text",
    ),
    (b" " * (256 * 1024 + 1), "larger than 256 KB"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES, ids=[m for _, m in BAD_FILES])
def test_a_bad_template_file_is_refused_with_what_is_wrong_and_nothing_is_created(
    cast, content, message
):
    response = _upload(login(cast.coach), content)
    assert message in page_text(response)
    assert not Template.objects.exists()


def test_a_good_file_is_imported(cast):
    response = _upload(login(cast.coach), json.dumps(_valid()).encode())
    assert "Template “Imported” imported." in page_text(response)
    assert Template.objects.get(owner=cast.coach).terms == _valid()["terms"]


def test_someone_elses_template_does_not_exist_for_you(cast):
    template = Template.objects.create(owner=cast.client, name="Ben's own", kind="coaching")
    olga = login(cast.outsider)
    for url in (
        f"/templates/{template.pk}/rename/",
        f"/templates/{template.pk}/delete/",
        f"/templates/{template.pk}/export.json",
    ):
        assert olga.get(url).status_code == 404
        assert olga.post(url, {"name": "Mine now"}).status_code in (404, 405)
    assert "Ben's own" not in page_text(olga.get("/templates/"))
    refused = _start(olga, str(template.pk))
    assert "Select a valid choice" in page_text(refused)
    assert not Alliance.objects.filter(created_by=cast.outsider).exists()
    template.refresh_from_db()
    assert template.name == "Ben's own"


def test_renaming_and_deleting_after_asking(cast):
    template = Template.objects.create(owner=cast.coach, name="Old name", kind="coaching")
    ana = login(cast.coach)
    empty = ana.post(f"/templates/{template.pk}/rename/", {"name": "   "})
    assert "This field is required." in page_text(empty)
    ana.post(f"/templates/{template.pk}/rename/", {"name": "  New   name "})
    template.refresh_from_db()
    assert template.name == "New name"
    question = ana.get(f"/templates/{template.pk}/delete/")
    assert "Delete “New name”?" in page_text(question)
    assert Template.objects.filter(pk=template.pk).exists()
    ana.post(f"/templates/{template.pk}/delete/")
    assert not Template.objects.filter(pk=template.pk).exists()


def test_a_refused_start_keeps_what_was_typed_and_creates_nothing(cast):
    olga = login(cast.outsider)
    response = _start(olga, "coaching", title="   ", purpose="Helping Pat lead.")
    assert "Helping Pat lead." in response.content.decode()
    assert not Alliance.objects.filter(created_by=cast.outsider).exists()


def test_the_new_alliance_page_offers_the_templates(cast):
    Template.objects.create(owner=cast.coach, name="My own way", kind="coaching")
    page = page_text(login(cast.coach).get("/alliances/new/"))
    assert "Or start from a template" in page
    assert "My own way" in page
    assert str(BUILTINS[0].name) in page


def test_the_template_list_runs_the_same_queries_however_many_templates(cast):
    ana = login(cast.coach)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = ana.get("/templates/")
        assert response.status_code == 200
        return len(queries)

    Template.objects.create(owner=cast.coach, name="One", kind="coaching")
    few = count()
    for n in range(20):
        Template.objects.create(
            owner=cast.coach,
            name=f"Template {n}",
            kind="team",
            terms=[{"category": "rhythm", "text": f"Term {n}"}],
        )
    assert count() == few
    assert "Template 19" in page_text(ana.get("/templates/"))


def test_an_alliance_beyond_a_templates_limits_is_refused_not_cut(cast, as_coach):
    for n in range(41):
        propose(cast.coach_party, f"Term number {n}.")
    response = as_coach.post(
        f"/alliances/{cast.alliance.pk}/save-as-template/", {"name": "Too much"}
    )
    assert "terms has more than 40 entries." in page_text(response)
    assert 'value="Too much"' in response.content.decode()
    assert not Template.objects.exists()


def test_the_templates_groundwork_opens_only_the_creators_design_conversations(cast):
    olga = login(cast.outsider)
    _start(olga, "mentoring", kind="mentoring", role_label="mentor")
    alliance = Alliance.objects.get(created_by=cast.outsider)
    join(alliance, cast.client, role="mentee")
    opening = str(MENTORING.groundwork)
    assert opening in page_text(olga.get(f"/alliances/{alliance.pk}/conversations/new/"))
    # Ben, the mentee, would not open with the mentor's words.
    ben_page = page_text(login(cast.client).get(f"/alliances/{alliance.pk}/conversations/new/"))
    assert opening not in ben_page


def test_an_observer_cannot_save_the_alliance_as_a_template(cast):
    from alliance.alliances.models import Party

    Party.everyone.filter(alliance=cast.alliance, user=cast.client).update(is_observer=True)
    response = login(cast.client).post(
        f"/alliances/{cast.alliance.pk}/save-as-template/", {"name": "Copied"}
    )
    assert response.status_code == 404
    assert not Template.objects.exists()


def test_a_saved_template_says_roles_where_the_alliance_said_names(cast, as_coach):
    propose(cast.coach_party, "Ben sends the agenda the day before; Ana reads it.")
    propose(cast.client_party, "Bentley Street is where we meet.")
    as_coach.post(f"/alliances/{cast.alliance.pk}/save-as-template/", {"name": "Agendas"})
    template = Template.objects.get(owner=cast.coach)
    assert [t["text"] for t in template.terms] == [
        "client sends the agenda the day before; coach reads it.",
        "Bentley Street is where we meet.",
    ]


def test_a_person_named_in_full_is_not_named_by_their_first_name_either(cast):
    """People sign up as "Carla Mendes" and write "Carla" in a term: the template must
    not carry the first name (nor the last) any more than the full one."""
    carla = make_user("Carla Mendes", "mendes@example.org")
    carla_party = join(cast.alliance, carla, role="mentee")
    propose(carla_party, "Carla sends the agenda; Mendes family time is off limits.")
    propose(carla_party, "Carlton Street is where we meet.")
    template = services.template_save(party=carla_party, name="Agendas")
    assert [t["text"] for t in template.terms] == [
        "mentee sends the agenda; mentee family time is off limits.",
        "Carlton Street is where we meet.",
    ]


def test_the_save_form_does_not_offer_the_title_which_names_people(cast, as_coach):
    page = as_coach.get(f"/alliances/{cast.alliance.pk}/").content.decode()
    assert 'id="template-name" name="name" maxlength="120" required value="Coaching"' in page
    form = as_coach.get(f"/alliances/{cast.alliance.pk}/save-as-template/").content.decode()
    assert "Ana and Ben" not in form.split("</h1>", 1)[1].split("</form>")[0]
