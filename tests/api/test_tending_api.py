"""Tending through the API: the rhythm, check-ins (rate, reflect, decide), tending signals
and health, with the pages' rules of who sees and changes what."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope, User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event, Kind, ObserverGrant, Party
from alliance.lib.clock import now
from alliance.tending import services
from alliance.tending.models import CheckIn, Rating, Rhythm, Signal
from tests.api.client import ApiClient, check
from tests.factories import (
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)
from tests.scene import snapshot, snapshot_diff

pytestmark = pytest.mark.django_db

# A Thursday in March, in the week before Europe moves its clocks forward.
START = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
TERM_ONE = "We meet every other Tuesday."
TERM_TWO = "I answer emails within two working days."


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    """Ana (coach) and Ben (client) with version 1 of two terms in force; Fred joined
    and left; Sam observes (every party lets him see the health summary); Ivy holds an
    invitation she has not used; Olga has nothing to do with any of it."""

    alliance: Alliance
    ana: User
    ben: User
    fred: User
    sam: User
    ivy: User
    olga: User

    @property
    def a(self) -> Party:
        return party_of(self.alliance, self.ana)

    @property
    def b(self) -> Party:
        return party_of(self.alliance, self.ben)

    def url(self, rest: str = "") -> str:
        return f"/api/v1/alliances/{self.alliance.pk}{rest}"

    @property
    def term_ids(self) -> list[int]:
        self.alliance.refresh_from_db()
        return [t["id"] for t in self.alliance.current_version.snapshot["terms"]]


@pytest.fixture
def world(clock) -> World:
    ana, ben = make_user("Ana", "ana@example.org"), make_user("Ben", "ben@example.org")
    fred, sam = make_user("Fred", "fred@example.org"), make_user("Sam", "sam@example.org")
    ivy, olga = make_user("Ivy", "ivy@example.org"), make_user("Olga", "olga@example.org")
    alliance = make_alliance(ana, title="Coaching: Ana and Ben")
    join(alliance, ben)
    join(alliance, sam, role="sponsor", as_observer=True)
    a, b = party_of(alliance, ana), party_of(alliance, ben)
    propose(a, TERM_ONE)
    propose(a, TERM_TWO, category="communication")
    ratify_with([a, b])
    for p in (a, b):
        alliance_services.observer_allowance_set(party=p, grant=ObserverGrant.HEALTH, agreed=True)
    join(alliance, fred, role="mentor")
    alliance_services.party_leave(party=party_of(alliance, fred))
    alliance_services.invitation_create(party=a, email=ivy.email, role_label="client")
    alliance.refresh_from_db()
    mail.outbox.clear()
    return World(alliance, ana, ben, fred, sam, ivy, olga)


def ratings(world: World, *scores: str, comment: str = "") -> list[dict[str, object]]:
    return [
        {"term_id": term_id, "score": score, "comment": comment}
        for term_id, score in zip(world.term_ids, scores, strict=True)
    ]


def rated_checkin(world: World, ana_says: str = "", ben_says: str = "") -> int:
    """A check-in both rated, each with a reflection shared if given."""
    checkin = services.checkin_start(party=world.a)
    for p, text in ((world.a, ana_says), (world.b, ben_says)):
        services.checkin_answer(
            party=p,
            checkin_id=checkin.pk,
            ratings={t: ("well", "") for t in world.term_ids},
            reflection=text,
            share=bool(text),
        )
    return checkin.pk


def strings_in(value: object) -> list[str]:
    """Every key and value of a JSON document, as text."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [str(value)]


# Who may call ---------------------------------------------------------------------------


def operations(world: World) -> list[tuple[str, str, object]]:
    """Every tending operation, with a body a party could send."""
    checkin = services.checkin_start(party=world.a)
    signal = services.signal_raise(party=world.b, note="Tuesdays keep slipping.")
    mail.outbox.clear()
    c, s = f"/checkins/{checkin.pk}", f"/signals/{signal.pk}"
    rhythm = {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks", "interval": 6}
    return [
        ("get", "/rhythm", None),
        ("put", "/rhythm", rhythm),
        ("get", "/checkins", None),
        ("post", "/checkins", {}),
        ("get", c, None),
        ("put", f"{c}/answer", {"ratings": ratings(world, "well", "okay"), "reflection": "Hm."}),
        ("post", f"{c}/close", {"outcome": "kept"}),
        ("get", "/signals", None),
        ("post", "/signals", {"note": "Something is off."}),
        ("post", f"{s}/acknowledge", None),
        ("post", f"{s}/resolve", {"resolution": "We talked it over."}),
        ("put", "/signals/policy", {"allow_anonymous": False}),
        ("get", "/health", None),
    ]


def call(client: ApiClient, method: str, url: str, body: object) -> object:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body)


@pytest.mark.parametrize("persona", ["olga", "ivy", "fred", "sam"])
def test_outsiders_invitees_former_parties_and_observers_get_404_and_change_nothing(world, persona):
    ops = operations(world)
    client = ApiClient(getattr(world, persona))
    missing = client.get("/api/v1/alliances/999999/checkins").json()
    before = snapshot(world.alliance.pk)
    for method, rest, body in ops:
        if persona == "sam" and rest == "/health":
            continue  # the observer's one view: below
        response = call(client, method, world.url(rest), body)
        assert response.status_code == 404, (persona, method, rest)
        assert response.json() == missing
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []
    assert mail.outbox == []


def test_a_read_token_reads_and_is_refused_every_write_with_nothing_changed(world):
    ops = operations(world)
    reader = ApiClient(world.ana, scope=TokenScope.READ)
    before = snapshot(world.alliance.pk)
    for method, rest, body in ops:
        response = call(reader, method, world.url(rest), body)
        if method == "get":
            assert response.status_code == 200, rest
        else:
            assert response.status_code == 403, (method, rest)
            assert "only read" in response.json()["detail"]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []


def test_a_closed_alliance_refuses_every_tending_write_with_409_and_still_reads(world):
    ops = operations(world)
    close_with(world.a, world.b)
    mail.outbox.clear()
    before = snapshot(world.alliance.pk)
    ana = ApiClient(world.ana)
    for method, rest, body in ops:
        response = call(ana, method, world.url(rest), body)
        if method == "get":
            assert response.status_code == 200, rest
        else:
            assert response.status_code == 409, (method, rest, response.json())
            assert "closed" in response.json()["detail"]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []
    assert mail.outbox == []


# Rhythm ----------------------------------------------------------------------------------


def test_setting_the_rhythm_as_the_page_does_and_reading_it_back(world):
    ana = ApiClient(world.ana)
    unset = ana.get(world.url("/rhythm")).json()
    assert unset["is_set"] is False
    assert unset["next_at"] is None
    # The version agreed "every other Tuesday": offered, to confirm.
    assert unset["from_terms"]["term_text"] == TERM_ONE
    response = ana.put(
        world.url("/rhythm"),
        {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks", "interval": 6},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["is_set"] is True
    assert (body["rule"], body["repeat"], body["interval"]) == (
        "FREQ=WEEKLY;INTERVAL=6",
        "weeks",
        6,
    )
    assert body["description"] == "every 6 weeks"
    assert body["next_at"] == "2025-04-10T10:00:00Z"
    assert body["set_by"] == "Ana"
    assert body["at_time"] == "10:00"
    assert ApiClient(world.ben).get(world.url("/rhythm")).json()["next_at"] == body["next_at"]
    assert Event.objects.filter(alliance=world.alliance, kind="rhythm_set").count() == 1

    monthly = ana.put(
        world.url("/rhythm"),
        {
            "starts_on": "2025-04-01",
            "at_time": "09:30",
            "repeat": "weekday",
            "ordinal": -1,
            "weekday": "FR",
        },
    ).json()
    assert monthly["rule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert (monthly["ordinal"], monthly["weekday"]) == (-1, "FR")
    assert monthly["next_at"] == "2025-04-25T09:30:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2025-03-01", "at_time": "10:00", "repeat": "weeks"}, "starts_on"),
        ({"starts_on": "2031-01-01", "at_time": "10:00", "repeat": "weeks"}, "starts_on"),
        ({"starts_on": "2025-04-10", "at_time": "25:00", "repeat": "weeks"}, "at_time"),
        ({"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "daily"}, "repeat"),
        (
            {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks", "interval": 0},
            "interval",
        ),
        (
            {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weekday", "ordinal": 5},
            "ordinal",
        ),
        ({"at_time": "10:00", "repeat": "weeks"}, "starts_on"),
        (
            {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks", "interval": "6"},
            "interval",
        ),
        (
            {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weekday", "ordinal": True},
            "ordinal",
        ),
        ({"starts_on": "2025-04-10", "at_time": "10:00+05:00", "repeat": "weeks"}, "at_time"),
    ],
)
def test_a_bad_rhythm_is_a_422_naming_the_field_and_changes_nothing(world, body, field):
    before = snapshot(world.alliance.pk)
    response = ApiClient(world.ana).put(world.url("/rhythm"), body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []


def test_in_a_team_with_a_lead_only_the_lead_sets_the_rhythm_and_the_policy(clock):
    tess, uma = make_user("Tess"), make_user("Uma")
    team = make_alliance(tess, title="Team", kind=Kind.TEAM, role="lead")
    join(team, uma, role="member")
    lead = party_of(team, tess)
    alliance_services.lead_set(party=lead, target_id=lead.pk, is_lead=True)
    url = f"/api/v1/alliances/{team.pk}"
    member = ApiClient(uma)
    shown = member.get(f"{url}/rhythm").json()
    assert shown["may_change"] is False
    assert "Tess" in shown["refusal"]
    body = {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks"}
    refused = member.put(f"{url}/rhythm", body)
    assert refused.status_code == 422
    assert "Tess" in refused.json()["detail"]
    assert member.put(f"{url}/signals/policy", {"allow_anonymous": True}).status_code == 422
    assert ApiClient(tess).put(f"{url}/rhythm", body).status_code == 200


# Check-ins -------------------------------------------------------------------------------


def test_a_check_in_from_start_to_decision_with_the_reveal_rules_of_the_page(world):
    ana, ben = ApiClient(world.ana), ApiClient(world.ben)
    started = ana.post(world.url("/checkins"), {})
    assert started.status_code == 201
    checkin = started.json()
    assert checkin["version"] == 1
    assert checkin["is_open"] is True
    assert [t["text"] for t in checkin["terms"]] == [TERM_ONE, TERM_TWO]
    assert [p["name"] for p in checkin["waiting_for"]] == ["Ana", "Ben"]
    # Starting again answers with the check-in already open.
    again = ben.post(world.url("/checkins"), {})
    assert (again.status_code, again.json()["id"]) == (200, checkin["id"])
    url = checkin["url"]
    assert url == world.url(f"/checkins/{checkin['id']}")

    mine = ana.put(
        f"{url}/answer",
        {
            "ratings": ratings(world, "well", "tending", comment="quietlarch"),
            "reflection": "My own hazelmoss draft.",
        },
    ).json()
    assert [t["mine"]["score"] for t in mine["terms"]] == ["well", "tending"]
    assert mine["my_reflection"] == {"text": "My own hazelmoss draft.", "shared_at": None}
    assert [p["name"] for p in mine["waiting_for"]] == ["Ben"]
    # Ben reads neither Ana's ratings before giving his own, nor her draft, ever.
    before_rating = json.dumps(ben.get(url).json())
    assert "quietlarch" not in before_rating
    assert "tending" not in before_rating
    assert "hazelmoss" not in before_rating

    answered = ben.put(
        f"{url}/answer",
        {
            "ratings": ratings(world, "okay", "well"),
            "reflection": "Ben's fernwhistle.",
            "share": True,
        },
    ).json()
    assert answered["completed_at"] is not None
    others = [t["others"] for t in answered["terms"]]
    assert others[1] == [
        {"party_id": world.a.pk, "name": "Ana", "score": "tending", "comment": "quietlarch"}
    ]
    assert answered["reflections"] is None
    assert "hazelmoss" not in json.dumps(answered)
    # Ana has not shared: Ben's shared reflection waits until she does.
    assert "fernwhistle" not in json.dumps(ana.get(url).json())
    shared = ana.put(
        f"{url}/answer",
        {
            "ratings": ratings(world, "well", "tending"),
            "reflection": "My own hazelmoss draft.",
            "share": True,
        },
    ).json()
    assert sorted(r["name"] for r in shared["reflections"]) == ["Ana", "Ben"]
    assert ben.get(url).json()["reflections"] == shared["reflections"]

    decided = ben.post(f"{url}/close", {"outcome": "redesign"}).json()
    assert (decided["is_open"], decided["outcome"]) == (False, "redesign")
    listed = ana.get(world.url("/checkins")).json()["items"]
    assert [(c["id"], c["outcome"]) for c in listed] == [(checkin["id"], "redesign")]
    kinds = set(Event.objects.filter(alliance=world.alliance).values_list("kind", flat=True))
    assert {"checkin_started", "checkin_completed", "redesign_started"} <= kinds


def test_deciding_before_everyone_rated_is_refused(world):
    checkin = services.checkin_start(party=world.a)
    url = world.url(f"/checkins/{checkin.pk}/close")
    early = ApiClient(world.ana).post(url, {"outcome": "kept"})
    assert early.status_code == 422
    assert "Every party rates every term" in early.json()["detail"]
    assert ApiClient(world.ana).post(url, {"outcome": "maybe"}).json()["errors"][0]["field"] == (
        "outcome"
    )
    assert CheckIn.objects.get(pk=checkin.pk).closed_at is None


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"ratings": [{"term_id": 1, "score": "great"}]}, "ratings.0.score"),
        ({"ratings": "well"}, "ratings"),
        ({"reflection": "x" * 5001, "ratings": []}, "reflection"),
        ({"reflection": "a\u0000b", "ratings": []}, "reflection"),
        ({"ratings": [{"term_id": 0, "score": "well"}]}, "ratings.0.term_id"),
        (
            {"ratings": [{"term_id": 1, "score": "well", "comment": "x" * 2001}]},
            "ratings.0.comment",
        ),
    ],
)
def test_a_malformed_answer_is_a_422_naming_the_field(world, answer, field):
    checkin = services.checkin_start(party=world.a)
    response = ApiClient(world.ana).put(world.url(f"/checkins/{checkin.pk}/answer"), answer)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_an_incomplete_or_foreign_answer_is_refused_by_field_and_saves_nothing(world):
    checkin = services.checkin_start(party=world.a)
    url = world.url(f"/checkins/{checkin.pk}/answer")
    first = world.term_ids[0]
    ana = ApiClient(world.ana)
    before = snapshot(world.alliance.pk)
    cases = [
        ({"ratings": [{"term_id": first, "score": "well"}]}, "ratings", "Rate every term"),
        (
            {"ratings": [*ratings(world, "well", "well"), {"term_id": 999, "score": "well"}]},
            "ratings",
            "version 1",
        ),
        (
            {"ratings": [{"term_id": first, "score": "well"}, {"term_id": first, "score": "okay"}]},
            "ratings",
            "once",
        ),
        ({"ratings": ratings(world, "well", "well"), "share": True}, "reflection", "Write"),
    ]
    for body, field, words in cases:
        response = ana.put(url, body)
        assert response.status_code == 422, body
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field]
        assert words in errors[0]["message"]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []


def test_an_unknown_check_in_or_one_of_another_alliance_is_404(world):
    olga, pat = make_user("Olga2"), make_user("Pat")
    other = make_alliance(olga, title="Other")
    join(other, pat)
    o = party_of(other, olga)
    propose(o, "We pair on Fridays.")
    ratify_with([o, party_of(other, pat)])
    foreign = services.checkin_start(party=o)
    ana = ApiClient(world.ana)
    for rest in (f"/checkins/{foreign.pk}", "/checkins/99999"):
        assert ana.get(world.url(rest)).status_code == 404
        assert ana.put(world.url(f"{rest}/answer"), {"ratings": []}).status_code == 404
        assert ana.post(world.url(f"{rest}/close"), {"outcome": "kept"}).status_code == 404
    assert not foreign.ratings.exists()


def test_before_the_planned_check_in_the_caller_says_whether_it_replaces_it(world):
    services.rhythm_set(
        party=world.a,
        starts_on=(START + timedelta(days=10)).date(),
        at_time=START.time(),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    ana = ApiClient(world.ana)
    unasked = ana.post(world.url("/checkins"), {})
    assert unasked.status_code == 422
    assert unasked.json()["errors"][0]["field"] == "when"
    assert "planned for" in unasked.json()["errors"][0]["message"]
    assert not CheckIn.objects.filter(alliance=world.alliance).exists()
    extra = ana.post(world.url("/checkins"), {"when": "extra"})
    assert extra.status_code == 201
    assert extra.json()["due_at"] is None


def test_a_late_joiner_sees_a_completed_check_in_without_its_ratings_or_reflections(world):
    checkin = rated_checkin(world, "Ana's lindenquay.", "Ben's rookmeadow.")
    cleo = make_user("Cleo")
    join(world.alliance, cleo)
    seen = ApiClient(cleo).get(world.url(f"/checkins/{checkin}")).json()
    assert seen["takes_part"] is False
    assert seen["reflections"] is None
    assert all(t["others"] == [] and t["mine"] is None for t in seen["terms"])
    text = json.dumps(seen)
    assert "lindenquay" not in text
    assert "rookmeadow" not in text
    refused = ApiClient(cleo).put(
        world.url(f"/checkins/{checkin}/answer"), {"ratings": ratings(world, "well", "well")}
    )
    assert refused.status_code == 422
    assert "before you joined" in refused.json()["detail"]


# Tending signals -------------------------------------------------------------------------


def test_raising_acknowledging_and_resolving_a_signal_mails_as_the_page_does(world):
    ben, ana = ApiClient(world.ben), ApiClient(world.ana)
    first_term = world.term_ids[0]
    raised = ben.post(
        world.url("/signals"), {"note": "I need replies sooner.", "term_id": first_term}
    )
    assert raised.status_code == 201
    signal = raised.json()
    assert (signal["raised_by"], signal["state"], signal["term_text"]) == ("Ben", "open", TERM_ONE)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "I need replies sooner." in mail.outbox[0].body
    mail.outbox.clear()

    url = world.url(f"/signals/{signal['id']}")
    own = ben.post(f"{url}/acknowledge")
    assert own.status_code == 422
    assert "others acknowledge" in own.json()["detail"]
    acknowledged = ana.post(f"{url}/acknowledge").json()
    assert (acknowledged["state"], acknowledged["acknowledged_by"]) == ("acknowledged", "Ana")
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert "Ana acknowledged" in mail.outbox[0].body
    assert ana.post(f"{url}/acknowledge").status_code == 422
    mail.outbox.clear()

    for number in (7, 2**63 - 1):
        no_version = ana.post(f"{url}/resolve", {"resolution": "Fixed.", "version_number": number})
        assert no_version.status_code == 422
        assert no_version.json()["errors"][0]["field"] == "version_number"
    resolved = ana.post(
        f"{url}/resolve", {"resolution": "We reply within a day.", "version_number": 1}
    )
    body = resolved.json()
    assert (body["state"], body["resolved_by"], body["resolved_version"]) == ("resolved", "Ana", 1)
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert "We reply within a day." in mail.outbox[0].body
    listed = ben.get(world.url("/signals")).json()["items"]
    assert [(s["id"], s["state"]) for s in listed] == [(signal["id"], "resolved")]
    kinds = list(
        Event.objects.filter(alliance=world.alliance, kind__startswith="signal_").values_list(
            "kind", flat=True
        )
    )
    assert sorted(kinds) == ["signal_acknowledged", "signal_raised", "signal_resolved"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "   "}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({}, "note"),
        ({"note": "Hm.", "term_id": 999999}, "term_id"),
        ({"note": "Hm.", "term_id": -1}, "term_id"),
        ({"note": "Hm.", "anonymous": True}, "anonymous"),
        ({"note": "Hm.", "anonymous": "perhaps"}, "anonymous"),
        ({"note": "Hm.", "term_id": "1"}, "term_id"),
        ({"note": "Hm.", "anonymous": 0}, "anonymous"),
        ({"note": "Nul\u0000here"}, "note"),
        ({"note": "Half a \ud800 pair"}, "note"),
    ],
)
def test_a_bad_signal_is_a_422_naming_the_field_and_mails_nobody(world, body, field):
    before = snapshot(world.alliance.pk)
    response = ApiClient(world.ben).post(world.url("/signals"), body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []
    assert mail.outbox == []


def test_an_unknown_signal_or_one_of_another_alliance_is_404(world):
    olga = make_user("Olga2")
    other = make_alliance(olga, title="Other")
    foreign = services.signal_raise(party=party_of(other, olga), note="Ours.")
    ana = ApiClient(world.ana)
    for signal_id in (foreign.pk, 999999):
        url = world.url(f"/signals/{signal_id}")
        assert ana.post(f"{url}/acknowledge").status_code == 404
        assert ana.post(f"{url}/resolve", {"resolution": "Done."}).status_code == 404
    assert Signal.objects.get(pk=foreign.pk).state == "open"


def test_an_anonymous_signal_names_its_raiser_in_no_field_to_anyone(clock):
    tess, uma, vic = make_user("Tess"), make_user("Uma"), make_user("Vic")
    team = make_alliance(tess, title="Team", kind=Kind.TEAM, role="lead")
    join(team, uma, role="member")
    join(team, vic, role="member")
    url = f"/api/v1/alliances/{team.pk}/signals"
    policy = ApiClient(tess).put(f"{url}/policy", {"allow_anonymous": True})
    assert policy.json() == {"allow_anonymous": True, "is_team": True, "refusal": None}
    mail.outbox.clear()
    raised = ApiClient(uma).post(url, {"note": "Stand-ups run long.", "anonymous": True})
    assert raised.status_code == 201
    # Everyone is told alike, the raiser too: a list that lacked one would name them.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([tess.email, uma.email, vic.email])
    signal_id = raised.json()["id"]
    acknowledged = ApiClient(tess).post(f"{url}/{signal_id}/acknowledge").json()
    resolved = ApiClient(vic).post(f"{url}/{signal_id}/resolve", {"resolution": "Shorter."}).json()

    uma_party = party_of(team, uma)
    giveaways = {"Uma", uma.email, uma.email.split("@")[0]}
    ids = {uma.pk, uma_party.pk}
    seen = [raised.json(), acknowledged, resolved]
    for user in (tess, uma, vic):
        seen += ApiClient(user).get(url).json()["items"]
    for item in seen:
        assert item["anonymous"] is True
        assert item["raised_by"] is None
        assert not giveaways & set(strings_in(item)), item
        numbers = {v for k, v in item.items() if isinstance(v, int) and k != "id"}
        assert not ids & numbers, item
    assert Signal.objects.get(pk=signal_id).raised_by_id is None


def test_signals_without_a_name_only_in_a_team(world):
    loose = ApiClient(world.ana).put(world.url("/signals/policy"), {"allow_anonymous": 0})
    assert loose.json()["errors"][0]["field"] == "allow_anonymous"
    refused = ApiClient(world.ana).put(world.url("/signals/policy"), {"allow_anonymous": True})
    assert refused.status_code == 422
    assert "Only a team alliance" in refused.json()["detail"]
    fine = ApiClient(world.ana).put(world.url("/signals/policy"), {"allow_anonymous": False})
    assert fine.json() == {"allow_anonymous": False, "is_team": False, "refusal": None}


# Health ----------------------------------------------------------------------------------


def test_health_shows_a_party_the_check_ins_they_rated_term_by_term(world):
    checkin = services.checkin_start(party=world.a)
    first, second = world.term_ids
    services.checkin_answer(
        party=world.a, checkin_id=checkin.pk, ratings={first: ("well", ""), second: ("okay", "")}
    )
    # Ben has not rated: how Ana rated stays hidden from him, here as on the page.
    unrated = ApiClient(world.ben).get(world.url("/health")).json()
    assert unrated == {"summary": [], "checkins": []}
    services.checkin_answer(
        party=world.b, checkin_id=checkin.pk, ratings={first: ("well", ""), second: ("tending", "")}
    )
    health = ApiClient(world.ben).get(world.url("/health")).json()
    [line] = health["summary"]
    assert (line["terms"], line["working_well"]) == (2, 1)
    [rated] = health["checkins"]
    assert rated["checkin_id"] == checkin.pk
    assert [(t["text"], t["lowest"]) for t in rated["terms"]] == [
        (TERM_ONE, "well"),
        (TERM_TWO, "tending"),
    ]
    assert [(r["name"], r["score"]) for r in rated["terms"][1]["ratings"]] == [
        ("Ana", "okay"),
        ("Ben", "tending"),
    ]


def test_an_observer_sees_the_health_summary_only_while_every_party_allows_it(world):
    rated_checkin(world, "Ana's cindermoss.", "Ben's gladefern.")
    sam = ApiClient(world.sam)
    seen = sam.get(world.url("/health"))
    assert seen.status_code == 200
    body = seen.json()
    assert body["checkins"] is None
    assert [(line["terms"], line["working_well"]) for line in body["summary"]] == [(2, 2)]
    assert "cindermoss" not in seen.content.decode()
    alliance_services.observer_allowance_set(
        party=world.b, grant=ObserverGrant.HEALTH, agreed=False
    )
    refused = sam.get(world.url("/health"))
    assert refused.status_code == 403
    assert "not let observers" in refused.json()["detail"]
    # Everything else of tending stays closed to him.
    for rest in ("/checkins", "/signals", "/rhythm"):
        assert sam.get(world.url(rest)).status_code == 404


# Query counts ----------------------------------------------------------------------------


def _queries(client: ApiClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_cost_the_same_number_of_queries_for_one_item_and_for_twenty(world):
    ana = ApiClient(world.ana)
    version = world.alliance.current_version

    def add_checkins(n: int) -> None:
        for _ in range(n):
            checkin = CheckIn.objects.create(
                alliance=world.alliance,
                version=version,
                opened_by=world.ana,
                completed_at=now(),
                closed_at=now(),
            )
            Rating.objects.bulk_create(
                Rating(checkin=checkin, party=p, term_id=term_id, score="okay")
                for p in (world.a, world.b)
                for term_id in world.term_ids
            )

    def add_signals(n: int) -> None:
        for i in range(n):
            Signal.objects.create(
                alliance=world.alliance,
                raised_by=world.ben,
                note=f"Signal {i}",
                acknowledged_by=world.ana,
                resolved_by=world.ana,
                resolved_version=version,
                state="resolved",
            )

    ana.get("/api/v1/me")  # the token's first use is recorded once, not on every call
    counts = {}
    for size, more in ((1, 1), (20, 19)):
        add_checkins(more)
        add_signals(more)
        counts[size] = (
            _queries(ana, world.url("/checkins?limit=50")),
            _queries(ana, world.url("/signals?limit=50")),
            _queries(ana, world.url("/health")),
        )
    assert len(ana.get(world.url("/checkins?limit=50")).json()["items"]) == 20
    assert len(ana.get(world.url("/signals?limit=50")).json()["items"]) == 20
    assert len(ana.get(world.url("/health")).json()["checkins"]) == 20
    assert counts[1] == counts[20]


def test_check_ins_and_signals_page_by_cursor_newest_first(world):
    for i in range(5):
        services.signal_raise(party=world.b, note=f"Note {i}")
    ana, seen, cursor = ApiClient(world.ana), [], None
    while True:
        page = ana.get(world.url("/signals?limit=2" + (f"&cursor={cursor}" if cursor else "")))
        body = page.json()
        seen += [s["note"] for s in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Note {i}" for i in reversed(range(5))]


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        ("FREQ=DAILY", (None, None, None)),
        ("FREQ=MONTHLY;BYDAY=+5MO", ("weekday", None, None)),
        ("FREQ=WEEKLY;INTERVAL=99", ("weeks", None, None)),
    ],
)
def test_a_rhythm_the_form_could_not_have_made_still_reads(world, rule, fields):
    services.rhythm_set(
        party=world.a,
        starts_on=(START + timedelta(days=10)).date(),
        at_time=START.time(),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    Rhythm.objects.filter(alliance=world.alliance).update(rule=rule)  # as if edited by hand
    body = ApiClient(world.ana).get(world.url("/rhythm")).json()
    assert body["rule"] == rule
    assert (body["repeat"], body["ordinal"], body["interval"]) == fields


def test_a_check_in_starts_with_no_body_at_all_but_not_with_a_body_that_is_no_object(world):
    ana = ApiClient(world.ana)
    for body in ([1], 3, "extra"):
        refused = ana.post(world.url("/checkins"), body)
        assert refused.status_code == 422, body
    assert not CheckIn.objects.filter(alliance=world.alliance).exists()
    # As `curl -X POST` sends it: no body, no content.
    bare = ana.client.generic(
        "POST",
        world.url("/checkins"),
        b"",
        content_type="application/json",
        headers={"Authorization": f"Bearer {ana.token}"},
    )
    check(bare)
    assert bare.status_code == 201
