"""Templates through the API: the built-ins and one's own, import and export, starting an
alliance from one, renaming and deleting, saving an alliance as one."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event
from alliance.starting.builtins import BUILTINS, COACHING
from alliance.starting.models import AllianceStart, StartingEvent, Template
from alliance.terms.models import Term, TermStatus
from tests.api.client import ApiClient, check
from tests.factories import close_with, join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db

API = "/api/v1"


def own_template(owner, name="Weekly one-to-ones", **fields) -> Template:
    values = {
        "kind": "manager_report",
        "terms": [{"category": "rhythm", "text": "We meet every Monday at ten."}],
        "roles": [{"label": "manager", "observer": False}],
        "rhythm": "FREQ=WEEKLY;INTERVAL=2",
        **fields,
    }
    return Template.objects.create(owner=owner, name=name, **values)


def template_file(**fields) -> dict:
    return {
        "format": "alliance-template",
        "version": 1,
        "name": "Pairing agreement",
        "kind": "team",
        "roles": [{"label": "pair", "observer": False}],
        "terms": [{"category": "rhythm", "text": "We pair every afternoon."}],
        "prompts": [{"theme": "feel", "category": "other", "text": "What makes a good day?"}],
        "rhythm": "FREQ=MONTHLY;BYMONTHDAY=-1",
        **fields,
    }


# Reading ------------------------------------------------------------------------------


def test_the_list_holds_the_built_ins_and_my_own_templates_and_nobody_elses(cast):
    own_template(cast.coach, "Mine")
    own_template(cast.client, "Ben's own, not for Ana")
    body = ApiClient(cast.coach).get(f"{API}/templates").json()
    names = [t["name"] for t in body]
    assert names == [str(t.name) for t in BUILTINS] + ["Mine"]
    coaching = body[0]
    assert coaching["builtin"] is True
    assert coaching["key"] == "coaching"
    assert coaching["terms"][0]["text"] == str(COACHING.terms[0].text)
    assert coaching["rhythm_text"]
    mine = body[-1]
    assert mine["builtin"] is False
    assert mine["url"] == f"{API}/templates/{mine['id']}"
    assert mine["start_url"] == f"{API}/templates/{mine['id']}/start"


def test_listing_costs_the_same_with_one_template_or_twenty(cast):
    client = ApiClient(cast.coach)
    own_template(cast.coach, "First")
    client.get(f"{API}/templates")  # warm up what is read once per process
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/templates").json()) == len(BUILTINS) + 1
    for n in range(19):
        own_template(cast.coach, f"Template {n}")
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(f"{API}/templates").json()) == len(BUILTINS) + 20
    assert len(twenty) == len(one)


def test_a_built_in_reads_and_exports_as_a_file_and_an_unknown_key_is_404(cast):
    client = ApiClient(cast.coach)
    detail = client.get(f"{API}/templates/builtin/coaching").json()
    assert detail["name"] == "Coaching agreement"
    assert detail["id"] is None
    exported = client.get(detail["export_url"]).json()
    assert exported["format"] == "alliance-template"
    assert exported["terms"] == detail["terms"]
    assert client.get(f"{API}/templates/builtin/no-such-template").status_code == 404
    assert client.get(f"{API}/templates/builtin/no-such-template/export").status_code == 404


def test_someone_elses_template_is_404_exactly_as_a_missing_one(cast):
    bens = own_template(cast.client, "Ben's secret plan")
    ana = ApiClient(cast.coach)
    missing = ana.get(f"{API}/templates/999999")
    for path in (f"templates/{bens.pk}", f"templates/{bens.pk}/export"):
        response = ana.get(f"{API}/{path}")
        assert response.status_code == 404
        assert response.json() == missing.json()
        assert "secret plan" not in response.content.decode()
    assert ana.patch(f"{API}/templates/{bens.pk}", {"name": "Taken"}).status_code == 404
    assert ana.delete(f"{API}/templates/{bens.pk}").status_code == 404
    assert ana.post(f"{API}/templates/{bens.pk}/start", {}).status_code == 404
    bens.refresh_from_db()
    assert bens.name == "Ben's secret plan"
    assert not Alliance.objects.filter(created_by=cast.coach).exclude(pk=cast.alliance.pk)


# Import and export --------------------------------------------------------------------


def test_an_exported_template_imports_again_as_the_same_template(cast):
    client = ApiClient(cast.coach)
    original = own_template(cast.coach, "Round trip", purpose="Grow together.")
    exported = client.get(f"{API}/templates/{original.pk}/export").json()
    exported["name"] = "Round trip, again"
    response = client.post(f"{API}/templates", exported)
    assert response.status_code == 201
    copy = Template.objects.get(pk=response.json()["id"])
    assert copy.owner == cast.coach
    assert copy.content().terms == original.content().terms
    assert copy.purpose == "Grow together."
    assert copy.rhythm == "FREQ=WEEKLY;INTERVAL=2"
    assert response.json()["url"] == f"{API}/templates/{copy.pk}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "pirates"}, "kind"),
        ({"terms": [{"category": "rhythm", "text": "x", "colour": "red"}]}, "terms.0.colour"),
        ({"terms": [{"category": "weather", "text": "Sunny."}]}, "terms.0.category"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 121}, "name"),
        ({"rhythm": "FREQ=DAILY"}, "rhythm"),
        ({"version": 2}, "version"),
        ({"hidden_prompts": ["no-such-prompt"]}, "hidden_prompts.0"),
        ({"owner": "ben"}, "owner"),
    ],
)
def test_a_file_not_exactly_of_the_format_is_refused_naming_the_field(cast, change, field):
    response = ApiClient(cast.coach).post(f"{API}/templates", template_file(**change))
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Template.objects.exists()


def test_what_only_the_import_page_checks_is_refused_by_the_api_too(cast):
    # A NUL is valid JSON and valid for the schema's string; the import refuses it.
    response = ApiClient(cast.coach).post(
        f"{API}/templates", template_file(purpose="Grow\u0000together")
    )
    assert response.status_code == 422
    assert "purpose" in response.json()["detail"]
    assert not Template.objects.exists()


def test_a_file_larger_than_the_import_page_takes_is_refused_whole(cast):
    long_terms = [{"category": "other", "text": "\U0001f331" * 2000} for _ in range(40)]
    response = ApiClient(cast.coach).post(f"{API}/templates", template_file(terms=long_terms))
    assert response.status_code == 422
    assert "larger than 256 KB" in response.json()["detail"]
    assert not Template.objects.exists()


def test_a_body_that_is_not_json_is_refused_as_a_problem_not_a_crash(cast):
    client = ApiClient(cast.coach)
    response = client.client.post(
        f"{API}/templates",
        data=b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not Template.objects.exists()


# Starting -----------------------------------------------------------------------------


def test_starting_from_a_built_in_brings_its_terms_as_my_proposals(cast):
    response = ApiClient(cast.coach).post(
        f"{API}/templates/builtin/coaching/start", {"title": "Coaching: Ana and Carla"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Coaching: Ana and Carla"
    assert body["kind"] == "coaching"
    assert body["my_role"] == "coach"  # the template's first designing role
    alliance = Alliance.objects.get(pk=body["id"])
    proposed = Term.objects.filter(alliance=alliance, status=TermStatus.ACTIVE)
    assert proposed.count() == len(COACHING.terms)
    assert {t.proposed_by.user for t in proposed} == {cast.coach}
    assert AllianceStart.objects.get(alliance=alliance).template_name == "Coaching agreement"
    assert Event.objects.filter(
        alliance=alliance, kind=StartingEvent.STARTED_FROM_TEMPLATE
    ).exists()


def test_starting_from_my_own_template_takes_what_i_leave_out_from_it(cast):
    template = own_template(cast.coach, "Weekly one-to-ones", purpose="Grow as a leader.")
    response = ApiClient(cast.coach).post(
        f"{API}/templates/{template.pk}/start", {"role_label": "lead"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["kind"], body["purpose"], body["my_role"]) == (
        "Weekly one-to-ones",
        "manager_report",
        "Grow as a leader.",
        "lead",
    )
    alliance = Alliance.objects.get(pk=body["id"])
    assert alliance.rhythm.rule == "FREQ=WEEKLY;INTERVAL=2"
    [term] = Term.objects.filter(alliance=alliance)
    assert term.text == "We meet every Monday at ten."


def test_a_bad_start_names_the_field_and_creates_nothing(cast):
    client = ApiClient(cast.coach)
    before = Alliance.objects.count()
    blank = client.post(f"{API}/templates/builtin/coaching/start", {"title": "  "})
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["title"]
    wrong = client.post(f"{API}/templates/builtin/coaching/start", {"kind": "pirates"})
    assert [e["field"] for e in wrong.json()["errors"]] == ["kind"]
    long = client.post(f"{API}/templates/builtin/coaching/start", {"role_label": "r" * 41})
    assert [e["field"] for e in long.json()["errors"]] == ["role_label"]
    assert Alliance.objects.count() == before


# Renaming and deleting ----------------------------------------------------------------


def test_renaming_my_template(cast):
    template = own_template(cast.coach, "Old name")
    client = ApiClient(cast.coach)
    renamed = client.patch(f"{API}/templates/{template.pk}", {"name": "  New   name "})
    assert renamed.json()["name"] == "New name"
    blank = client.patch(f"{API}/templates/{template.pk}", {"name": "   "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "name"
    template.refresh_from_db()
    assert template.name == "New name"


def test_deleting_my_template_keeps_the_alliances_started_from_it(cast):
    template = own_template(cast.coach, "Going")
    client = ApiClient(cast.coach)
    started = client.post(f"{API}/templates/{template.pk}/start", {}).json()
    response = client.delete(f"{API}/templates/{template.pk}")
    assert response.status_code == 204
    assert not Template.objects.filter(pk=template.pk).exists()
    assert client.get(f"{API}/templates/{template.pk}").status_code == 404
    assert client.get(started["url"]).json()["title"] == "Going"


# Saving an alliance as a template -----------------------------------------------------


def test_a_party_saves_the_alliance_as_a_template_without_anyones_name(cast):
    propose(cast.coach_party, "Ben sends the agenda the day before.")
    response = ApiClient(cast.coach).post(
        f"{API}/alliances/{cast.alliance.pk}/save-as-template", {"name": "Our way"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Our way"
    assert [t["text"] for t in body["terms"]] == ["client sends the agenda the day before."]
    assert Template.objects.get(pk=body["id"]).owner == cast.coach
    # Without a name, the alliance's kind names it (its title often names the people).
    unnamed = ApiClient(cast.client).post(f"{API}/alliances/{cast.alliance.pk}/save-as-template")
    assert unnamed.json()["name"] == "Coaching"


def test_only_a_present_designing_party_may_save_the_alliance_as_a_template(cast):
    sam, fred, ivy = make_user("Sam"), make_user("Fred"), make_user("Ivy", "ivy@example.org")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    join(cast.alliance, fred, role="mentor")
    alliance_services.party_leave(party=party_of(cast.alliance, fred))
    alliance_services.invitation_create(party=cast.coach_party, email="ivy@example.org")
    url = f"{API}/alliances/{cast.alliance.pk}/save-as-template"
    missing = ApiClient(cast.outsider).post(f"{API}/alliances/999999/save-as-template")
    for person in (cast.outsider, sam, fred, ivy):
        refused = ApiClient(person).post(url, {"name": "Mine now"})
        assert refused.status_code == 404
        assert refused.json() == missing.json()
    assert not Template.objects.exists()


def test_a_closed_alliance_may_still_be_saved_as_a_template(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    close_with(cast.coach_party, cast.client_party)
    response = ApiClient(cast.client).post(
        f"{API}/alliances/{cast.alliance.pk}/save-as-template", {"name": "Next time"}
    )
    assert response.status_code == 201


def test_save_as_template_refuses_a_name_too_long_naming_it(cast):
    response = ApiClient(cast.coach).post(
        f"{API}/alliances/{cast.alliance.pk}/save-as-template", {"name": "n" * 121}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


# A read token -------------------------------------------------------------------------


def test_a_read_token_reads_templates_and_changes_none(cast):
    template = own_template(cast.coach, "Kept")
    reader = ApiClient(cast.coach, scope=TokenScope.READ)
    assert reader.get(f"{API}/templates/{template.pk}").status_code == 200
    alliances = Alliance.objects.count()
    writes = [
        reader.post(f"{API}/templates", template_file()),
        reader.patch(f"{API}/templates/{template.pk}", {"name": "Changed"}),
        reader.delete(f"{API}/templates/{template.pk}"),
        reader.post(f"{API}/templates/{template.pk}/start", {}),
        reader.post(f"{API}/templates/builtin/coaching/start", {}),
        reader.post(f"{API}/alliances/{cast.alliance.pk}/save-as-template", {"name": "x"}),
    ]
    assert [w.status_code for w in writes] == [403] * len(writes)
    assert list(Template.objects.values_list("name", flat=True)) == ["Kept"]
    assert Alliance.objects.count() == alliances


def test_an_alliance_of_someone_else_gives_nothing_of_its_terms_through_a_template(cast):
    """Ana's template made from her alliance is hers: Olga's listing and Olga's start
    never show its terms."""
    alliance = make_alliance(cast.coach, title="Ana's private")
    propose(party_of(alliance, cast.coach), "We keep quiet about quasarmint.")
    ApiClient(cast.coach).post(f"{API}/alliances/{alliance.pk}/save-as-template", {"name": "Q"})
    olga = ApiClient(cast.outsider)
    assert "quasarmint" not in json.dumps(olga.get(f"{API}/templates").json())


@pytest.mark.parametrize(
    ("operation", "body", "field"),
    [
        ("start", {"title": "Ana\u0000Carla"}, "title"),
        ("start", {"purpose": "Grow\u0000"}, "purpose"),
        ("start", {"role_label": "co\u0000ach"}, "role_label"),
        ("rename", {"name": "New\u0000name"}, "name"),
        ("save", {"name": "Our\u0000way"}, "name"),
    ],
)
def test_a_nul_character_is_refused_naming_the_field_on_every_database(
    cast, operation, body, field
):
    """JSON may spell a NUL, which PostgreSQL cannot store: refused before it gets there."""
    template = own_template(cast.coach, "Kept")
    path = {
        "start": f"{API}/templates/builtin/coaching/start",
        "rename": f"{API}/templates/{template.pk}",
        "save": f"{API}/alliances/{cast.alliance.pk}/save-as-template",
    }[operation]
    client = ApiClient(cast.coach)
    response = (client.patch if operation == "rename" else client.post)(path, body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert list(Template.objects.values_list("name", flat=True)) == ["Kept"]
    assert list(Alliance.objects.values_list("pk", flat=True)) == [cast.alliance.pk]


@pytest.mark.parametrize("body", [[1, 2], "x", 3, None])
def test_a_body_that_is_not_an_object_is_refused_even_where_every_field_may_be_left_out(cast, body):
    """A body of "x" once started an alliance titled "X" (ninja read `"x".title()`)."""
    client = ApiClient(cast.coach)
    for path in (
        f"{API}/templates/builtin/coaching/start",
        f"{API}/alliances/{cast.alliance.pk}/save-as-template",
    ):
        response = client.client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {client.token}"},
        )
        check(response)
        assert response.status_code == 422, path
    assert list(Alliance.objects.values_list("pk", flat=True)) == [cast.alliance.pk]
    assert not Template.objects.exists()
