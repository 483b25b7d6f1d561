"""Terms, consents, ratification and versions through the API: what a party's script can
do, with the pages' rules (who sees what, closed alliances, stale revisions, bad input)."""

import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope, User
from alliance.accounts.services import access_token_create
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event, EventKind, ObserverGrant, Party
from alliance.record import documents
from alliance.terms import services
from alliance.terms.models import Category, Consent, Term, Version
from tests.api.client import ApiClient
from tests.conftest import login
from tests.factories import (
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)

pytestmark = pytest.mark.django_db


def api(alliance: Alliance | int, *rest: object) -> str:
    alliance_id = alliance if isinstance(alliance, int) else alliance.pk
    return f"/api/v1/alliances/{alliance_id}" + "".join(f"/{part}" for part in rest)


def state() -> tuple[object, ...]:
    """Everything a write could change: a refused one leaves it as it was."""
    return (
        list(Term.objects.order_by("pk").values_list("pk", "status", "revision", "text", "note")),
        list(Consent.objects.order_by("pk").values_list("pk", "decision", "comment")),
        Version.objects.count(),
        Event.objects.count(),
    )


# The whole way, as a script would walk it ---------------------------------------------


def test_two_parties_go_from_an_empty_draft_to_a_ratified_version_over_the_api(cast):
    """The walk of the closing note, one call per curl command:

    TOKEN=alliance_pat_…   # made on the profile page, "read and write"
    curl -H "Authorization: Bearer $TOKEN" $BASE/api/v1/alliances/$A/terms
    curl -X POST -d '{"category": "rhythm", "text": "…"}' … /terms
    curl -X PUT -d '{"revision": 1, "decision": "agree"}' … /terms/$T/consent
    curl -X POST … /versions
    """
    ana_token = access_token_create(user=cast.coach, name="Ana's script", scope="write")[1]
    ben_token = access_token_create(user=cast.client, name="Ben's script", scope="write")[1]
    ana, ben = ApiClient(token=ana_token), ApiClient(token=ben_token)
    terms = api(cast.alliance, "terms")

    # An empty draft says what to do first.
    draft = ana.get(terms).json()
    assert draft["terms"] == []
    assert draft["ready"] is False
    assert draft["blockers"] == ["There are no terms yet: propose the first one."]
    assert [p["name"] for p in draft["parties"]] == ["Ana", "Ben"]

    # Ana proposes a term: it counts as her agreement, and Ben is emailed.
    mail.outbox.clear()
    proposed = ana.post(terms, {"category": "rhythm", "text": "We meet every Tuesday at nine."})
    assert proposed.status_code == 201
    term = proposed.json()
    assert term["url"] == api(cast.alliance, "terms", term["id"])
    assert term["proposed_by"]["name"] == "Ana"
    assert {c["party"]["name"]: c["decision"] for c in term["consents"]} == {
        "Ana": "agree",
        "Ben": None,
    }
    assert [m.to for m in mail.outbox] == [[cast.client.email]]
    assert "Ana proposes a term" in mail.outbox[0].subject

    # Ben sees it waits on him, and asks for a change.
    draft = ben.get(terms).json()
    assert draft["awaiting_me"] == [term["id"]]
    assert draft["blockers"] == ["Ben has not agreed to 1 term yet."]
    asked = ben.put(
        term["url"] + "/consent",
        {"revision": 1, "decision": "change", "comment": "Could we make it ten?"},
    )
    assert asked.status_code == 200
    assert {c["party"]["name"]: c["comment"] for c in asked.json()["consents"]} == {
        "Ana": "",
        "Ben": "Could we make it ten?",
    }

    # Ana edits it with the revision she read: Ben is asked again, and told by email.
    mail.outbox.clear()
    edited = ana.patch(term["url"], {"revision": 1, "text": "We meet every Tuesday at ten."})
    assert edited.status_code == 200
    assert edited.json()["revision"] == 2
    assert [m.to for m in mail.outbox] == [[cast.client.email]]
    assert "Ana changed a term" in mail.outbox[0].subject

    # Ben agrees to the new wording; the draft is ready.
    agreed = ben.put(term["url"] + "/consent", {"revision": 2, "decision": "agree"})
    assert agreed.json()["agreed_by_all"] is True
    draft = ben.get(terms).json()
    assert draft["ready"] is True
    assert draft["blockers"] == []
    assert draft["next_number"] == 1

    # Ben ratifies: version 1, signed by both, sealed, and everyone is emailed.
    mail.outbox.clear()
    ratified = ben.post(api(cast.alliance, "versions"))
    assert ratified.status_code == 201
    version = ratified.json()
    assert version["number"] == 1
    assert version["url"] == api(cast.alliance, "versions", 1)
    assert version["ratified_by"]["name"] == "Ben"
    assert [t["text"] for t in version["terms"]] == ["We meet every Tuesday at ten."]
    assert [s["name"] for s in version["signatures"]] == ["Ana", "Ben"]
    assert version["content_hash"] == Version.objects.get().content_hash
    assert version["previous_hash"] == ""
    assert version["record_intact"] is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.coach.email, cast.client.email])
    assert all("Version 1" in m.subject for m in mail.outbox)

    # The version is in the list and in force; the draft now equals it.
    listed = ana.get(api(cast.alliance, "versions")).json()
    assert [(v["number"], v["terms_count"]) for v in listed] == [(1, 1)]
    draft = ana.get(terms).json()
    assert draft["version_in_force"] == {"number": 1, "url": version["url"]}
    assert draft["terms"][0]["change"] == "unchanged"
    assert draft["blockers"] == ["Nothing has changed since version 1."]

    # The history tells it as the pages would have.
    kinds = list(cast.alliance.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-5:] == [
        EventKind.TERM_PROPOSED,
        EventKind.CHANGE_REQUESTED,
        EventKind.TERM_EDITED,
        EventKind.AGREED,
        EventKind.RATIFIED,
    ]


# Who may see and do what ------------------------------------------------------------------


@dataclass
class Scene:
    """Ana and Ben design the alliance; Fred signed version 1 and left before version 2;
    Sam observes; Ivy has an invitation she has not accepted; Olga is in none of it."""

    alliance: Alliance
    ana: User
    ben: User
    fred: User
    sam: User
    ivy: User
    olga: User
    term: Term

    def party(self, user: User) -> Party:
        return party_of(self.alliance, user)

    def show_versions_to_observers(self) -> None:
        for user in (self.ana, self.ben):
            alliance_services.observer_allowance_set(
                party=self.party(user), grant=ObserverGrant.VERSIONS, agreed=True
            )


@pytest.fixture
def scene(cast) -> Scene:
    fred, sam, ivy = make_user("Fred"), make_user("Sam"), make_user("Ivy")
    fred_party = join(cast.alliance, fred, role="co-coach")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party, fred_party])
    alliance_services.party_leave(party=fred_party)
    propose(cast.client_party, "I bring one topic to every session.", Category.EXPECTATIONS)
    ratify_with([cast.coach_party, cast.client_party])
    alliance_services.invitation_create(party=cast.coach_party, email=ivy.email)
    term = propose(cast.coach_party, "We review this alliance every six weeks.")
    return Scene(
        alliance=cast.alliance,
        ana=cast.coach,
        ben=cast.client,
        fred=fred,
        sam=sam,
        ivy=ivy,
        olga=cast.outsider,
        term=term,
    )


def draft_operations(scene: Scene) -> list[tuple[str, str, dict[str, object] | None]]:
    """Every operation on the draft, each with a body it would accept from Ben."""
    term = api(scene.alliance, "terms", scene.term.pk)
    return [
        ("GET", api(scene.alliance, "terms"), None),
        ("POST", api(scene.alliance, "terms"), {"category": "time", "text": "An hour, not more."}),
        ("GET", term, None),
        ("PATCH", term, {"revision": 1, "text": "We review it every month."}),
        ("PUT", term + "/consent", {"revision": 1, "decision": "agree"}),
        ("POST", term + "/withdraw", {"revision": 1}),
        ("POST", api(scene.alliance, "versions"), {}),
    ]


def version_operations(scene: Scene, number: int = 1) -> list[tuple[str, str, None]]:
    version = api(scene.alliance, "versions", number)
    return [
        ("GET", api(scene.alliance, "versions"), None),
        ("GET", version, None),
        ("GET", version + "/record.md", None),
        ("GET", version + "/record.pdf", None),
        ("GET", api(scene.alliance, "versions/compare?from=1&to=2"), None),
    ]


def call(client: ApiClient, method: str, path: str, body: object = None):
    return client.request(method, path, body)


@pytest.mark.parametrize("who", ["olga", "ivy", "fred", "sam"])
def test_the_draft_is_404_to_all_but_the_designing_parties_and_changes_nothing(scene, who):
    client = ApiClient(getattr(scene, who))
    before = state()
    for method, path, body in draft_operations(scene):
        response = call(client, method, path, body)
        assert response.status_code == 404, (method, path)
    assert state() == before


@pytest.mark.parametrize("who", ["olga", "ivy", "sam"])
def test_versions_are_404_to_outsiders_invitees_and_observers_not_shown_them(scene, who):
    client = ApiClient(getattr(scene, who))
    for method, path, body in version_operations(scene):
        assert call(client, method, path, body).status_code == 404, path


def test_a_refusal_reads_exactly_like_an_alliance_that_does_not_exist(scene):
    olga = ApiClient(scene.olga)
    missing = scene.alliance.pk + 1000
    for method, path, body in [*draft_operations(scene), *version_operations(scene)]:
        refused = call(olga, method, path, body)
        nowhere = call(olga, method, path.replace(api(scene.alliance), api(missing)), body)
        assert (refused.status_code, refused.json()) == (nowhere.status_code, nowhere.json())


def test_someone_who_left_reads_only_the_versions_they_signed(scene):
    fred = ApiClient(scene.fred)
    listed = fred.get(api(scene.alliance, "versions"))
    assert [v["number"] for v in listed.json()] == [1]
    assert fred.get(api(scene.alliance, "versions", 1)).json()["signatures"][2]["name"] == "Fred"
    assert fred.get(api(scene.alliance, "versions", 1, "record.md")).status_code == 200
    for method, path, body in version_operations(scene, number=2):
        if path.endswith("/versions"):
            continue
        assert call(fred, method, path, body).status_code == 404, path


def test_an_observer_reads_the_versions_once_every_party_allows_it_and_never_the_draft(scene):
    scene.show_versions_to_observers()
    sam = ApiClient(scene.sam)
    for method, path, body in version_operations(scene):
        assert call(sam, method, path, body).status_code == 200, path
    assert [v["number"] for v in sam.get(api(scene.alliance, "versions")).json()] == [2, 1]
    for method, path, body in draft_operations(scene):
        assert call(sam, method, path, body).status_code == 404, path
    # One party withdrawing the grant hides the versions again.
    alliance_services.observer_allowance_set(
        party=scene.party(scene.ben), grant=ObserverGrant.VERSIONS, agreed=False
    )
    assert sam.get(api(scene.alliance, "versions", 1)).status_code == 404


def test_a_read_token_reads_the_draft_and_is_refused_every_write(scene):
    reader = ApiClient(scene.ana, scope=TokenScope.READ)
    before = state()
    for method, path, body in draft_operations(scene):
        response = call(reader, method, path, body)
        if method == "GET":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, (method, path)
            assert "only read" in response.json()["detail"]
    assert state() == before


def test_a_closed_alliance_refuses_every_write_and_still_reads(scene):
    close_with(scene.party(scene.ana), scene.party(scene.ben))
    ana = ApiClient(scene.ana)
    before = state()
    for method, path, body in draft_operations(scene):
        response = call(ana, method, path, body)
        if method == "GET":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 409, (method, path)
            assert "This alliance is closed" in response.json()["detail"]
    assert state() == before
    draft = ana.get(api(scene.alliance, "terms")).json()
    assert draft["ready"] is False
    assert "This alliance is closed" in draft["blockers"][0]
    assert ana.get(api(scene.alliance, "versions", 2)).status_code == 200


# Two people at once -----------------------------------------------------------------------


def test_a_stale_edit_is_409_with_both_texts_and_overwrites_nothing(cast):
    term = propose(cast.coach_party, "We meet every Tuesday.")
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    url = api(cast.alliance, "terms", term.pk)
    assert ben.patch(url, {"revision": 1, "text": "We meet every Wednesday."}).status_code == 200
    before = state()

    stale = ana.patch(url, {"revision": 1, "text": "We meet every Thursday.", "note": "Mornings."})

    assert stale.status_code == 409
    problem = stale.json()
    assert problem["current"]["text"] == "We meet every Wednesday."
    assert problem["current"]["revision"] == 2
    assert problem["sent"]["text"] == "We meet every Thursday."
    assert problem["sent"]["note"] == "Mornings."
    assert state() == before
    # Sent again against the revision now read, Ana's words are saved.
    again = ana.patch(url, {"revision": 2, "text": "We meet every Thursday."})
    assert again.json()["text"] == "We meet every Thursday."


def test_an_answer_to_a_wording_since_changed_is_409_with_both_and_records_nothing(cast):
    term = propose(cast.coach_party, "We meet every Tuesday.")
    ben = ApiClient(cast.client)
    ApiClient(cast.coach).patch(
        api(cast.alliance, "terms", term.pk), {"revision": 1, "text": "We meet every Monday."}
    )
    before = state()
    stale = ben.put(
        api(cast.alliance, "terms", term.pk, "consent"),
        {"revision": 1, "decision": "change", "comment": "Not Tuesdays, please."},
    )
    assert stale.status_code == 409
    assert "changed since you read it" in stale.json()["detail"]
    assert stale.json()["current"]["text"] == "We meet every Monday."
    assert stale.json()["sent"]["comment"] == "Not Tuesdays, please."
    assert state() == before


def test_a_stale_withdrawal_is_409_and_the_term_stays(cast):
    term = propose(cast.coach_party, "We meet every Tuesday.")
    services.term_edit(
        party=cast.coach_party, term_id=term.pk, revision=1, category="rhythm", text="Mondays."
    )
    before = state()
    stale = ApiClient(cast.client).post(
        api(cast.alliance, "terms", term.pk, "withdraw"), {"revision": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["text"] == "Mondays."
    assert state() == before


def test_editing_or_answering_a_withdrawn_term_is_409_saying_it_left_the_draft(cast):
    term = propose(cast.coach_party, "We meet every Tuesday.")
    ana = ApiClient(cast.coach)
    withdrawn = ana.post(api(cast.alliance, "terms", term.pk, "withdraw"), {"revision": 1})
    assert withdrawn.json()["status"] == "removed"
    assert withdrawn.json()["change"] is None
    assert withdrawn.json()["consents"] == []
    before = state()
    for method, suffix, body in [
        ("PATCH", "", {"revision": 2, "text": "Mondays."}),
        ("PUT", "/consent", {"revision": 2, "decision": "agree"}),
        ("POST", "/withdraw", {"revision": 2}),
    ]:
        response = call(ana, method, api(cast.alliance, "terms", term.pk) + suffix, body)
        assert response.status_code == 409, suffix
        assert response.json()["detail"] == "That term is no longer in the draft."
    assert state() == before
    assert ana.get(api(cast.alliance, "terms", term.pk)).json()["status"] == "removed"


def test_proposing_the_same_term_twice_answers_the_first_and_makes_nothing_new(cast):
    ana = ApiClient(cast.coach)
    body = {"category": "rhythm", "text": "We meet weekly.", "note": ""}
    first = ana.post(api(cast.alliance, "terms"), body)
    again = ana.post(api(cast.alliance, "terms"), body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Term.objects.count() == 1


# Refusals that say why --------------------------------------------------------------------


def fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    return {error["field"] for error in response.json()["errors"]}


def test_bad_input_is_422_naming_the_field_and_changes_nothing(cast):
    term = propose(cast.coach_party, "We meet weekly.")
    ana = ApiClient(cast.coach)
    terms, one = api(cast.alliance, "terms"), api(cast.alliance, "terms", term.pk)
    before = state()
    assert fields(ana.post(terms, {"category": "rhythm"})) == {"text"}
    assert fields(ana.post(terms, {"category": "gossip", "text": "Hello."})) == {"category"}
    assert fields(ana.post(terms, {"category": "rhythm", "text": "x" * 2001})) == {"text"}
    assert fields(ana.post(terms, {"category": "rhythm", "text": "We.", "note": 5})) == {"note"}
    blank = ana.post(terms, {"category": "rhythm", "text": "   "})
    assert fields(blank) == {"text"}
    assert "Write the term" in blank.json()["detail"]
    # What JSON can spell and no database column takes: NUL, half of a surrogate pair.
    for odd in ("We meet\x00 weekly.", "We meet \ud800 weekly."):
        assert fields(ana.post(terms, {"category": "rhythm", "text": odd})) == {"text"}
        assert fields(ana.post(terms, {"category": "rhythm", "text": "We.", "note": odd})) == {
            "note"
        }
        assert fields(ana.patch(one, {"revision": 1, "text": odd})) == {"text"}
        odd_comment = {"revision": 1, "decision": "change", "comment": odd}
        assert fields(ana.put(one + "/consent", odd_comment)) == {"comment"}
    assert fields(ana.patch(one, {"text": "Monthly."})) == {"revision"}
    assert fields(ana.patch(one, {"revision": 0, "text": "Monthly."})) == {"revision"}
    assert fields(ana.patch(one, {"revision": 1, "text": ""})) == {"text"}
    assert fields(ana.post(one + "/withdraw", {"revision": "first"})) == {"revision"}
    assert fields(ana.put(one + "/consent", {"revision": 1, "decision": "maybe"})) == {"decision"}
    change = ana.put(one + "/consent", {"revision": 1, "decision": "change", "comment": " "})
    assert fields(change) == {"comment"}
    assert "Say what you would change" in change.json()["detail"]
    assert state() == before


def test_ratifying_before_everyone_agrees_is_409_naming_what_blocks_it(cast):
    propose(cast.coach_party, "We meet weekly.")
    propose(cast.coach_party, "We keep what we say here between us.", Category.BOUNDARIES)
    before = state()
    refused = ApiClient(cast.coach).post(api(cast.alliance, "versions"))
    assert refused.status_code == 409
    assert refused.json()["blockers"] == ["Ben has not agreed to 2 terms yet."]
    assert "Ben has not agreed to 2 terms yet." in refused.json()["detail"]
    assert state() == before


def test_ratifying_alone_is_409_asking_to_invite_the_other_person(db):
    solo = make_user("Ana")
    alliance = make_alliance(solo)
    propose(party_of(alliance, solo), "We meet weekly.")
    refused = ApiClient(solo).post(api(alliance, "versions"))
    assert refused.status_code == 409
    assert "at least two parties" in refused.json()["blockers"][0]
    assert not Version.objects.exists()


def test_comparing_needs_two_versions_of_this_alliance_each_named_when_missing(scene):
    ana = ApiClient(scene.ana)
    compare = api(scene.alliance, "versions", "compare")
    assert fields(ana.get(compare + "?to=2")) == {"from"}
    assert fields(ana.get(compare + "?from=1&to=two")) == {"to"}
    missing = ana.get(compare + "?from=1&to=9")
    assert fields(missing) == {"to"}
    assert "no version 9" in missing.json()["detail"]
    largest = 2**63 - 1  # beyond what a version number's column holds: no version, no 5xx
    assert fields(ana.get(compare + f"?from={largest}&to=1")) == {"from"}
    assert fields(ana.get(compare + f"?from=1&to={largest + 1}")) == {"to"}
    for number in (9, largest):
        assert ana.get(api(scene.alliance, "versions", number)).status_code == 404
        assert ana.get(api(scene.alliance, "versions", number, "record.md")).status_code == 404
    for term_id in (scene.term.pk + 1000, largest):
        assert ana.get(api(scene.alliance, "terms", term_id)).status_code == 404


# Versions ---------------------------------------------------------------------------------


def test_comparing_two_versions_names_added_removed_and_changed_terms(cast):
    ana, ben = cast.coach_party, cast.client_party
    weekly = propose(ana, "We meet weekly.")
    topics = propose(ben, "I bring one topic.", Category.EXPECTATIONS)
    ratify_with([ana, ben])
    services.term_edit(
        party=ana, term_id=weekly.pk, revision=1, category="rhythm", text="We meet every week."
    )
    services.term_withdraw(party=ana, term_id=topics.pk, revision=1)
    quiet = propose(ana, "No calls after eight.", Category.BOUNDARIES)
    ratify_with([ana, ben])

    comparison = ApiClient(cast.client).get(
        api(cast.alliance, "versions", "compare") + "?from=1&to=2"
    )

    body = comparison.json()
    assert (body["from_version"]["number"], body["to_version"]["number"]) == (1, 2)
    changes = {c["kind"]: c for c in body["changes"]}
    assert set(changes) == {"added", "removed", "changed"}
    assert changes["added"]["term_id"] == quiet.pk
    assert changes["added"]["after"]["text"] == "No calls after eight."
    assert changes["removed"]["before"]["text"] == "I bring one topic."
    assert changes["changed"]["before"]["text"] == "We meet weekly."
    assert changes["changed"]["after"]["text"] == "We meet every week."
    assert {"op": "added", "text": "every week."} in changes["changed"]["text_diff"]


def test_the_draft_shows_a_redesign_against_the_version_in_force(cast):
    ana, ben = cast.coach_party, cast.client_party
    weekly = propose(ana, "We meet weekly.")
    ratify_with([ana, ben])
    client = ApiClient(cast.client)
    url = api(cast.alliance, "terms", weekly.pk)
    edited = client.patch(url, {"revision": 1, "text": "We meet every other week."}).json()
    assert edited["change"] == "changed"
    assert edited["in_force"]["text"] == "We meet weekly."
    assert {"op": "removed", "text": "weekly."} in edited["text_diff"]
    withdrawn = client.post(url + "/withdraw", {"revision": 2}).json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["change"] == "removal"
    assert withdrawn["withdrawn_by"]["name"] == "Ben"


def test_a_versions_record_is_markdown_and_pdf_that_verify(scene):
    ana = ApiClient(scene.ana)
    markdown = ana.get(api(scene.alliance, "versions", 2, "record.md"))
    assert markdown["Content-Type"].startswith("text/markdown")
    assert "attachment" in markdown["Content-Disposition"]
    text = markdown.content.decode()
    assert "I bring one topic to every session." in text
    assert documents.verify_markdown(text).intact
    pdf = ana.get(api(scene.alliance, "versions", 2, "record.pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert documents.verify_pdf(pdf.content).intact


def test_without_pdf_support_the_pdf_is_a_clear_problem_pointing_to_markdown(scene, monkeypatch):
    monkeypatch.setattr(documents, "pdf_available", lambda: False)
    ana = ApiClient(scene.ana)
    response = ana.get(api(scene.alliance, "versions", 2, "record.pdf"))
    assert response.status_code == 409
    assert "cannot make PDFs" in response.json()["detail"]
    assert response.json()["markdown_url"] == api(scene.alliance, "versions", 2, "record.md")
    assert ana.get(response.json()["markdown_url"]).status_code == 200
    assert ana.get(api(scene.alliance, "versions", 2)).json()["pdf_url"] is None


# The same mail as the pages send ----------------------------------------------------------


def mails() -> list[tuple[list[str], str, str]]:
    """The mail sent, with alliance ids taken out (the same steps in two alliances), and
    the unsubscribe links' signatures, which carry the second they were made."""
    ids = re.compile(r"/alliances/\d+/")
    signed = re.compile(r"/unsubscribe/[^/\s]+/")

    def body(text: str) -> str:
        return signed.sub("/unsubscribe/S/", ids.sub("/alliances/N/", text))

    return sorted((m.to, m.subject, body(m.body)) for m in mail.outbox)


def test_proposing_editing_and_ratifying_send_the_mail_the_pages_send(cast):
    by_page = make_alliance(cast.coach, title="Coaching: Ana and Ben")
    join(by_page, cast.client)
    by_api = cast.alliance
    ana_browser, ben_browser = login(cast.coach), login(cast.client)
    ana, ben = ApiClient(cast.coach), ApiClient(cast.client)
    form = {"category": "rhythm", "text": "We meet weekly.", "note": "At the office."}

    mail.outbox.clear()
    ana_browser.post(f"/alliances/{by_page.pk}/terms/new/", form)
    page_mail = mails()
    mail.outbox.clear()
    term = ana.post(api(by_api, "terms"), form).json()
    assert mails() == page_mail
    assert len(page_mail) == 1

    page_term = Term.objects.get(alliance=by_page)
    mail.outbox.clear()
    ana_browser.post(
        f"/alliances/{by_page.pk}/terms/{page_term.pk}/edit/",
        {**form, "text": "We meet every week.", "revision": 1},
    )
    page_mail = mails()
    mail.outbox.clear()
    ana.patch(term["url"], {"revision": 1, "text": "We meet every week."})
    assert mails() == page_mail
    assert len(page_mail) == 1

    ben_browser.post(
        f"/alliances/{by_page.pk}/terms/{page_term.pk}/consent/",
        {"decision": "agree", "revision": 2, "comment": ""},
    )
    ben.put(term["url"] + "/consent", {"revision": 2, "decision": "agree"})
    mail.outbox.clear()
    ben_browser.post(f"/alliances/{by_page.pk}/ratify/")
    page_mail = mails()
    mail.outbox.clear()
    assert ben.post(api(by_api, "versions")).status_code == 201
    assert mails() == page_mail
    assert len(page_mail) == 2


# Query counts -----------------------------------------------------------------------------


def queries(client: ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_draft_costs_the_same_queries_with_1_or_20_terms(cast):
    ana_party, ben_party = cast.coach_party, cast.client_party
    propose(ana_party, "Term 0 of the draft.")
    ana = ApiClient(cast.coach)
    path = api(cast.alliance, "terms")
    ana.get(path)  # the token's first use is recorded once
    one = queries(ana, path)
    for n in range(1, 20):
        term = propose(ben_party if n % 2 else ana_party, f"Term {n} of the draft.", note="Why.")
        if n % 3 == 0:
            services.consent_give(
                party=ben_party, term_id=term.pk, revision=1, decision="change", comment="Hm."
            )
    assert len(ana.get(path).json()["terms"]) == 20
    assert queries(ana, path) == one


def test_the_versions_list_costs_the_same_queries_with_1_or_20_versions(cast):
    parties = [cast.coach_party, cast.client_party]
    propose(parties[0], "Version 1's term.")
    ratify_with(parties)
    ana = ApiClient(cast.coach)
    path = api(cast.alliance, "versions")
    ana.get(path)
    one = queries(ana, path)
    for n in range(2, 21):
        propose(parties[n % 2], f"Version {n}'s term.")
        ratify_with(parties)
    assert len(ana.get(path).json()) == 20
    assert queries(ana, path) == one
