"""Closing (and reopening) an alliance through the API: the open proposal and who agreed,
propose, agree, withdraw; once the last party agrees, every other write answers 409."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope, User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event, Party
from alliance.closing import services
from alliance.closing.models import ClosingProposal, ProposalKind, ProposalOutcome
from alliance.conversations.models import StakeKind
from alliance.lib.clock import now
from alliance.tending import services as tending_services
from tests.api.client import ApiClient
from tests.conversations.factories import plant
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


@dataclass
class World:
    """Ana and Ben design the alliance (version 1 in force); Sam observes; Fred joined and
    left; Ivy holds an invitation she has not used; Olga is elsewhere."""

    alliance: Alliance
    ana: User
    ben: User
    sam: User
    fred: User
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

    def closed(self) -> bool:
        self.alliance.refresh_from_db()
        return self.alliance.closed_at is not None


@pytest.fixture
def world(db) -> World:
    ana, ben = make_user("Ana", "ana@example.org"), make_user("Ben", "ben@example.org")
    sam, fred = make_user("Sam", "sam@example.org"), make_user("Fred", "fred@example.org")
    ivy, olga = make_user("Ivy", "ivy@example.org"), make_user("Olga", "olga@example.org")
    alliance = make_alliance(ana, title="Coaching: Ana and Ben")
    join(alliance, ben)
    join(alliance, sam, role="sponsor", as_observer=True)
    a, b = party_of(alliance, ana), party_of(alliance, ben)
    propose(a, "We meet every other Tuesday.")
    ratify_with([a, b])
    join(alliance, fred, role="mentor")
    alliance_services.party_leave(party=party_of(alliance, fred))
    alliance_services.invitation_create(party=a, email=ivy.email)
    alliance.refresh_from_db()
    mail.outbox.clear()
    return World(alliance, ana, ben, sam, fred, ivy, olga)


def test_closing_from_proposal_to_closed_and_every_other_write_then_answers_409(world):
    ana, ben = ApiClient(world.ana), ApiClient(world.ben)
    nothing = ana.get(world.url("/closing")).json()
    assert (nothing["closed_at"], nothing["proposal"], nothing["history"]) == (None, None, [])

    proposed = ana.post(
        world.url("/closing"), {"kind": "close", "note": "We reached what we set out to do."}
    )
    assert proposed.status_code == 201
    proposal = proposed.json()["proposal"]
    assert proposal["kind"] == "close"
    assert proposal["proposed_by"]["name"] == "Ana"
    assert proposal["mine"] is True
    assert [p["name"] for p in proposal["waiting_on"]] == ["Ana", "Ben"]
    # The others are told, by email, as from the page; the proposer is not.
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert "Ana proposes to close" in mail.outbox[0].subject
    assert "We reached what we set out to do." in mail.outbox[0].body
    mail.outbox.clear()

    agreed = ana.post(world.url("/closing/agree"), {"proposal_id": proposal["id"]}).json()
    assert [p["name"] for p in agreed["proposal"]["agreed"]] == ["Ana"]
    again = ana.post(world.url("/closing/agree"), {"proposal_id": proposal["id"]})
    assert again.status_code == 422
    seen_by_ben = ben.get(world.url("/closing")).json()["proposal"]
    assert (seen_by_ben["i_agreed"], seen_by_ben["mine"]) == (False, False)
    assert [p["name"] for p in seen_by_ben["waiting_on"]] == ["Ben"]
    assert not world.closed()

    closed = ben.post(world.url("/closing/agree"), {"proposal_id": proposal["id"]}).json()
    assert closed["closed_at"] is not None
    assert closed["proposal"] is None
    assert [(p["kind"], p["outcome"]) for p in closed["history"]] == [("close", "carried")]
    assert world.closed()
    # Everyone hears it closed, the observer too.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@example.org",
        "ben@example.org",
        "sam@example.org",
    ]
    assert Event.objects.filter(alliance=world.alliance, kind="closed").count() == 1
    mail.outbox.clear()

    before = snapshot(world.alliance.pk)
    writes = [
        ana.patch(world.url(), {"revision": world.alliance.revision, "title": "Renamed"}),
        ana.post(world.url("/signals"), {"note": "Something is off."}),
        ben.post(world.url("/checkins"), {}),
        ana.put(
            world.url("/rhythm"),
            {
                "starts_on": str((now() + timedelta(days=9)).date()),
                "at_time": "10:00",
                "repeat": "weeks",
            },
        ),
        ana.put(world.url("/signals/policy"), {"allow_anonymous": False}),
        ana.post(world.url("/closing"), {"kind": "close"}),
    ]
    for response in writes:
        assert response.status_code == 409, response.json()
        assert "closed" in response.json()["detail"]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []
    assert mail.outbox == []
    # Still readable, every part of it.
    for rest in ("", "/closing", "/signals", "/checkins", "/rhythm", "/health"):
        assert ana.get(world.url(rest)).status_code == 200, rest


def test_reopening_takes_everyone_too_and_the_alliance_takes_changes_again(world):
    close_with(world.a, world.b)
    mail.outbox.clear()
    ana, ben = ApiClient(world.ana), ApiClient(world.ben)
    # Reopening an open alliance is refused; here it is closed, so it is the way back.
    proposed = ben.post(world.url("/closing"), {"kind": "reopen", "note": "One more round."})
    assert proposed.status_code == 201
    proposal = proposed.json()["proposal"]
    assert proposal["kind"] == "reopen"
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    for client in (ana, ben):
        client.post(world.url("/closing/agree"), {"proposal_id": proposal["id"]})
    assert not world.closed()
    assert ana.post(world.url("/signals"), {"note": "Back at it."}).status_code == 201
    refused = ana.post(world.url("/closing"), {"kind": "reopen"})
    assert refused.status_code == 422
    assert "nothing to reopen" in refused.json()["detail"]


def test_only_the_proposer_withdraws_and_a_stale_proposal_is_named(world):
    ana, ben = ApiClient(world.ana), ApiClient(world.ben)
    first = ana.post(world.url("/closing"), {"kind": "close"}).json()["proposal"]["id"]
    second_one = ben.post(world.url("/closing"), {"kind": "close"})
    assert second_one.status_code == 422
    assert "already open" in second_one.json()["detail"]
    not_hers = ben.post(world.url("/closing/withdraw"), {"proposal_id": first})
    assert not_hers.status_code == 422
    assert "Only the person who proposed it" in not_hers.json()["detail"]
    withdrawn = ana.post(world.url("/closing/withdraw"), {"proposal_id": first}).json()
    assert withdrawn["proposal"] is None
    assert [(p["id"], p["outcome"]) for p in withdrawn["history"]] == [(first, "withdrawn")]
    stale = ben.post(world.url("/closing/agree"), {"proposal_id": first})
    assert stale.status_code == 422
    assert [e["field"] for e in stale.json()["errors"]] == ["proposal_id"]
    assert not world.closed()


@pytest.mark.parametrize(
    ("rest", "body", "field"),
    [
        ("/closing", {"kind": "end"}, "kind"),
        ("/closing", {}, "kind"),
        ("/closing", {"kind": "close", "note": "x" * 2001}, "note"),
        ("/closing", {"kind": "close", "note": "a\u0000b"}, "note"),
        ("/closing/agree", {}, "proposal_id"),
        ("/closing/agree", {"proposal_id": 0}, "proposal_id"),
        ("/closing/withdraw", {"proposal_id": "first"}, "proposal_id"),
        ("/closing/agree", {"proposal_id": "1"}, "proposal_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(world, rest, body, field):
    before = snapshot(world.alliance.pk)
    response = ApiClient(world.ana).post(world.url(rest), body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []


def _operations(world: World) -> list[tuple[str, str, object]]:
    proposal = services.closing_propose(party=world.a)
    mail.outbox.clear()
    return [
        ("get", "/closing", None),
        ("post", "/closing", {"kind": "close"}),
        ("post", "/closing/agree", {"proposal_id": proposal.pk}),
        ("post", "/closing/withdraw", {"proposal_id": proposal.pk}),
    ]


@pytest.mark.parametrize("persona", ["olga", "ivy", "fred", "sam"])
def test_outsiders_invitees_former_parties_and_observers_get_404_and_change_nothing(world, persona):
    ops = _operations(world)
    client = ApiClient(getattr(world, persona))
    missing = client.get("/api/v1/alliances/999999/closing").json()
    before = snapshot(world.alliance.pk)
    for method, rest, body in ops:
        url = world.url(rest)
        response = client.get(url) if method == "get" else client.post(url, body)
        assert response.status_code == 404, (persona, rest)
        assert response.json() == missing
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []
    assert mail.outbox == []


def test_a_read_token_reads_and_is_refused_every_write(world):
    ops = _operations(world)
    reader = ApiClient(world.ben, scope=TokenScope.READ)
    before = snapshot(world.alliance.pk)
    for method, rest, body in ops:
        url = world.url(rest)
        if method == "get":
            assert reader.get(url).status_code == 200
        else:
            response = reader.post(url, body)
            assert response.status_code == 403, rest
            assert "only read" in response.json()["detail"]
    assert snapshot_diff(before, snapshot(world.alliance.pk)) == []


def test_the_closing_state_costs_the_same_queries_with_one_past_proposal_or_twenty(world):
    ana = ApiClient(world.ana)
    ana.get("/api/v1/me")  # the token's first use is recorded once, not on every call

    def withdrawn(n: int) -> None:
        for _ in range(n):
            ClosingProposal.objects.create(
                alliance=world.alliance,
                kind=ProposalKind.CLOSE,
                proposed_by=world.a,
                outcome=ProposalOutcome.WITHDRAWN,
                settled_at=now(),
            )

    counts = []
    for more in (1, 19):
        withdrawn(more)
        services.closing_propose(party=world.b)
        services.proposal_agree(party=world.a, proposal_id=_open(world).pk)
        with CaptureQueriesContext(connection) as queries:
            body = ana.get(world.url("/closing")).json()
        counts.append(len(queries))
        services.proposal_withdraw(party=world.b, proposal_id=_open(world).pk)
    # 1 + 19 made here, and the one withdrawn after the first count.
    assert len(body["history"]) == 21
    assert counts[0] == counts[1]


def _open(world: World) -> ClosingProposal:
    return ClosingProposal.objects.get(alliance=world.alliance, outcome=ProposalOutcome.OPEN)


def test_the_proposal_names_its_closing_conversation_and_closed_nobody_may_change_the_rhythm(
    world,
):
    tending_services.rhythm_set(
        party=world.a,
        starts_on=(now() + timedelta(days=9)).date(),
        at_time=time(10, 0),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    proposal = services.closing_propose(party=world.a)
    stake = plant(world.a, kind=StakeKind.CLOSING)
    seen = ApiClient(world.ben).get(world.url("/closing")).json()
    assert seen["proposal"]["conversation_id"] == stake.pk
    services.proposal_agree(party=world.a, proposal_id=proposal.pk)
    ApiClient(world.ben).post(world.url("/closing/agree"), {"proposal_id": proposal.pk})
    assert world.closed()
    rhythm = ApiClient(world.ana).get(world.url("/rhythm")).json()
    assert rhythm["may_change"] is False
