"""The alliance itself through the API: who is in it, invitations, leaving, what observers
see, history, export and the record, with the same rules as the pages."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope
from alliance.alliances import services
from alliance.alliances.models import Event, Invitation, Kind, ObserverAllowance, Party
from alliance.lib.clock import now
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
from tests.helpers import past_the_record_triggers

pytestmark = pytest.mark.django_db


def base(cast) -> str:
    return f"/api/v1/alliances/{cast.alliance.pk}"


@pytest.fixture
def cast(cast):
    """The conftest's cast, with the mail of its making (Ben joined) put away."""
    mail.outbox.clear()
    return cast


@pytest.fixture
def observed(cast):
    """The cast with Sam observing, and a former party (Fred) and an invitee (Ivy)."""
    sam, fred, ivy = make_user("Sam"), make_user("Fred"), make_user("Ivy", "ivy@example.org")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    join(cast.alliance, fred, role="mentor")
    services.party_leave(party=party_of(cast.alliance, fred))
    services.invitation_create(party=cast.coach_party, email=ivy.email)
    cast.sam, cast.fred, cast.ivy = sam, fred, ivy
    mail.outbox.clear()
    return cast


# Who may call what -------------------------------------------------------------------------

# Only the designing parties, as on the pages (`party_required`).
PARTIES_ONLY = [
    ("get", "/invitations", None),
    ("post", "/invitations", {"emails": []}),
    ("post", "/invitations/{invitation}/renew", None),
    ("delete", "/invitations/{invitation}", None),
    ("patch", "/parties/me", {"role_label": "boss"}),
    ("put", "/parties/{party}/lead", None),
    ("delete", "/parties/{party}/lead", None),
    ("put", "/observers/allowances", {"grant": "versions", "agreed": True}),
    ("get", "/history", None),
    ("get", "/export", None),
    ("get", "/record", None),
]
# Observers too (`observer_allowed`).
OBSERVERS_TOO = [
    ("get", "/parties", None),
    ("get", "/observers/allowances", None),
    ("post", "/leave", None),
]


def _call(client: ApiClient, method: str, path: str, body):
    if method in {"get", "delete"}:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


def _path(cast, path: str) -> str:
    invitation = Invitation.objects.filter(alliance=cast.alliance).first()
    assert invitation is not None
    return base(cast) + path.format(invitation=invitation.pk, party=cast.coach_party.pk)


@pytest.mark.parametrize(("method", "path", "body"), PARTIES_ONLY + OBSERVERS_TOO)
def test_outsider_invitee_and_former_party_get_404_like_a_missing_alliance(
    observed, method, path, body
):
    missing = ApiClient(observed.coach).get("/api/v1/alliances/999999/parties").json()
    before = Event.objects.count()
    for user in (observed.outsider, observed.ivy, observed.fred):
        response = _call(ApiClient(user), method, _path(observed, path), body)
        assert response.status_code == 404, (user.name, method, path)
        assert response.json() == missing
    assert Event.objects.count() == before


@pytest.mark.parametrize(("method", "path", "body"), PARTIES_ONLY)
def test_an_observer_gets_404_where_the_page_refuses_them(observed, method, path, body):
    response = _call(ApiClient(observed.sam), method, _path(observed, path), body)
    assert response.status_code == 404


def test_a_read_token_is_refused_every_write_and_nothing_changes(observed):
    reader = ApiClient(observed.coach, scope=TokenScope.READ)
    invitations = Invitation.objects.count()
    events = Event.objects.count()
    for method, path, body in PARTIES_ONLY + OBSERVERS_TOO:
        if method != "get":
            assert _call(reader, method, _path(observed, path), body).status_code == 403
    assert reader.get(base(observed) + "/parties").status_code == 200
    refused = reader.post("/api/v1/invitations/accept", {"token": "x"})
    assert refused.status_code == 403
    assert (Invitation.objects.count(), Event.objects.count()) == (invitations, events)
    assert mail.outbox == []


# Parties --------------------------------------------------------------------------------


def test_parties_and_observers_are_listed_for_a_party_and_for_an_observer(observed):
    rows = ApiClient(observed.sam).get(base(observed) + "/parties").json()
    assert [(r["name"], r["role"], r["observer"], r["me"]) for r in rows] == [
        ("Ana", "coach", False, False),
        ("Ben", "client", False, False),
        ("Sam", "sponsor", True, True),
    ]
    mine = ApiClient(observed.coach).get(base(observed) + "/parties").json()
    assert [r["me"] for r in mine] == [True, False, False]
    assert "Fred" not in str(mine)  # who left is no longer listed


def test_changing_my_role_shows_in_the_list_and_the_history(cast):
    client = ApiClient(cast.client)
    changed = client.patch(base(cast) + "/parties/me", {"role_label": "  coachee "})
    assert changed.status_code == 200
    assert changed.json()["role"] == "coachee"
    assert changed.json()["me"] is True
    [line] = client.get(base(cast) + "/history?limit=1").json()["items"]
    assert (line["who"], line["what"]) == ("Ben", "changed their role from “client” to “coachee”")


def test_a_blank_or_missing_role_is_a_422_naming_the_field_and_changes_nothing(cast):
    client = ApiClient(cast.client)
    for body in ({"role_label": "   "}, {}, {"role_label": "x" * 41}):
        response = client.patch(base(cast) + "/parties/me", body)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["role_label"]
    assert party_of(cast.alliance, cast.client).role_label == "client"


@pytest.fixture
def team(db):
    ana, ben, cleo = make_user("Ana"), make_user("Ben"), make_user("Cleo")
    alliance = make_alliance(ana, title="Platform team", kind=Kind.TEAM, role="team member")
    join(alliance, ben, role="team member")
    join(alliance, cleo, role="team member")
    return alliance, ana, ben, cleo


def test_leads_follow_the_team_rules_of_the_page(team):
    alliance, ana, ben, cleo = team
    url = f"/api/v1/alliances/{alliance.pk}/parties/{{}}/lead"
    ben_party, cleo_party = party_of(alliance, ben), party_of(alliance, cleo)
    # No lead yet: anyone may make anyone a lead.
    made = ApiClient(ana).put(url.format(ben_party.pk))
    assert made.status_code == 200
    assert (made.json()["name"], made.json()["lead"]) == ("Ben", True)
    # Now only Ben may.
    refused = ApiClient(cleo).put(url.format(cleo_party.pk))
    assert refused.status_code == 422
    assert "Only the lead, Ben, may change this." in refused.json()["detail"]
    assert not Party.objects.get(pk=cleo_party.pk).is_lead
    stepped_down = ApiClient(ben).delete(url.format(ben_party.pk))
    assert stepped_down.json()["lead"] is False
    lines = ApiClient(ana).get(f"/api/v1/alliances/{alliance.pk}/history?limit=2").json()
    assert [(i["who"], i["what"]) for i in lines["items"]] == [
        ("Ben", "stepped down as a lead"),
        ("Ana", "made Ben a lead"),
    ]


def test_a_lead_outside_a_team_is_refused_and_an_unknown_party_is_404(observed):
    client = ApiClient(observed.coach)
    refused = client.put(f"{base(observed)}/parties/{observed.client_party.pk}/lead")
    assert refused.status_code == 422
    assert "Only a team alliance has leads" in refused.json()["detail"]
    sam = party_of_anyone(observed.alliance, observed.sam)
    fred = party_of_anyone(observed.alliance, observed.fred)
    for party_id in (sam.pk, fred.pk, 999999):
        assert client.put(f"{base(observed)}/parties/{party_id}/lead").status_code == 404


def party_of_anyone(alliance, user) -> Party:
    return Party.everyone.get(alliance=alliance, user=user)


# Invitations ----------------------------------------------------------------------------


def test_an_emailed_invitation_is_mailed_and_its_link_never_shown_to_the_inviter(cast):
    client = ApiClient(cast.coach)
    response = client.post(
        base(cast) + "/invitations",
        {"emails": ["Cleo@Example.org", "dan@example.org"], "role_label": "co-coach"},
    )
    assert response.status_code == 201
    created = response.json()
    assert [(i["email"], i["link"], i["invited_by"]) for i in created] == [
        ("cleo@example.org", None, "Ana"),
        ("dan@example.org", None, "Ana"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["cleo@example.org", "dan@example.org"]
    message = next(m for m in mail.outbox if m.to == ["cleo@example.org"])
    assert "Ana invites you" in message.subject
    token = message.body.split("/invitations/")[1].split("/")[0]
    listed = client.get(base(cast) + "/invitations")
    assert [i["addressee"] for i in listed.json()] == ["cleo@example.org", "dan@example.org"]
    assert listed.json()[0]["role_label"] == "co-coach"
    assert token not in listed.content.decode()
    assert token not in response.content.decode()


def test_a_link_invitation_gives_its_link_once_and_it_makes_an_observer(cast):
    client = ApiClient(cast.coach)
    created = client.post(
        base(cast) + "/invitations", {"role_label": "sponsor", "as_observer": True}
    )
    [invitation] = created.json()
    assert invitation["email"] is None
    assert invitation["link"].startswith(settings.BASE_URL + "/invitations/")
    assert mail.outbox == []
    assert invitation["link"] not in client.get(base(cast) + "/invitations").content.decode()
    token = invitation["link"].rstrip("/").rsplit("/", 1)[1]
    sam = make_user("Sam")
    joined = ApiClient(sam).post("/api/v1/invitations/accept", {"token": token})
    assert joined.status_code == 200
    assert (joined.json()["title"], joined.json()["my_role"]) == (
        "Coaching: Ana and Ben",
        "sponsor",
    )
    assert joined.json()["i_observe"] is True
    # The others hear of it by email, as from the page.
    assert {m.to[0] for m in mail.outbox} == {"ana@example.org", "ben@example.org"}
    assert all("Sam" in m.subject for m in mail.outbox)
    assert client.get(base(cast) + "/invitations").json() == []


def test_bad_addresses_and_members_are_refused_and_nobody_is_invited(cast):
    client = ApiClient(cast.coach)
    bad = client.post(base(cast) + "/invitations", {"emails": ["fine@example.org", "no-at"]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["emails"]
    assert "no-at" in bad.json()["errors"][0]["message"]
    member = client.post(base(cast) + "/invitations", {"emails": ["new@x.org", "ben@example.org"]})
    assert member.status_code == 422
    assert "ben@example.org" in member.json()["detail"]
    wrong_type = client.post(base(cast) + "/invitations", {"emails": "a@example.org"})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "emails"
    assert Invitation.objects.filter(alliance=cast.alliance, accepted_at=None).count() == 0
    assert mail.outbox == []


def test_past_the_hourly_limit_the_answer_is_429_saying_when_to_try_again(cast, settings):
    settings.INVITATIONS_PER_HOUR = 4  # Ana invited Ben a moment ago: 3 more this hour
    client = ApiClient(cast.coach)
    emails = [f"guest{n}@example.org" for n in range(3)]
    assert client.post(base(cast) + "/invitations", {"emails": emails}).status_code == 201
    refused = client.post(base(cast) + "/invitations", {"emails": ["late@example.org"]})
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert "as many as one person may" in refused.json()["detail"]
    assert not Invitation.objects.filter(email="late@example.org").exists()


def test_renewing_mails_a_fresh_link_after_the_pause_and_the_old_one_stops_working(cast):
    client = ApiClient(cast.coach)
    [created] = client.post(base(cast) + "/invitations", {"emails": ["cleo@example.org"]}).json()
    old_token = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    renew = f"{base(cast)}/invitations/{created['id']}/renew"
    too_soon = client.post(renew)
    assert too_soon.status_code == 429
    assert "You can send it again after" in too_soon.json()["detail"]
    assert len(mail.outbox) == 1
    with time_machine.travel(now() + timedelta(minutes=11)):
        renewed = client.post(renew)
    assert renewed.status_code == 200
    assert renewed.json()["link"] is None
    assert len(mail.outbox) == 2
    cleo = make_user("Cleo", "cleo@example.org")
    stale = ApiClient(cleo).post("/api/v1/invitations/accept", {"token": old_token})
    assert stale.status_code == 404


def test_renewing_a_link_invitation_returns_its_new_link(cast):
    client = ApiClient(cast.coach)
    [created] = client.post(base(cast) + "/invitations", {}).json()
    renewed = client.post(f"{base(cast)}/invitations/{created['id']}/renew").json()
    assert renewed["link"].startswith(settings.BASE_URL + "/invitations/")
    assert renewed["link"] != created["link"]


def test_a_revoked_invitation_no_longer_works_and_says_why(cast):
    client = ApiClient(cast.coach)
    [created] = client.post(base(cast) + "/invitations", {}).json()
    url = f"{base(cast)}/invitations/{created['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(base(cast) + "/invitations").json() == []
    again = client.delete(url)
    assert again.status_code == 422
    assert "revoked" in again.json()["detail"]
    token = created["link"].rstrip("/").rsplit("/", 1)[1]
    refused = ApiClient(make_user("Dan")).post("/api/v1/invitations/accept", {"token": token})
    assert refused.status_code == 410
    assert "Ana withdrew this invitation" in refused.json()["detail"]
    [line] = client.get(base(cast) + "/history?limit=1").json()["items"]
    assert line["what"] == "revoked the invitation for someone with the link"


def test_an_invitation_of_another_alliance_is_404_and_stays_as_it_was(cast):
    other = make_alliance(cast.outsider, title="Elsewhere")
    invitation, _raw = services.invitation_create(party=party_of(other, cast.outsider))
    client = ApiClient(cast.coach)
    assert client.delete(f"{base(cast)}/invitations/{invitation.pk}").status_code == 404
    assert client.post(f"{base(cast)}/invitations/{invitation.pk}/renew").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_accepting_an_expired_used_or_unknown_token_is_a_clear_problem(cast):
    _, raw = services.invitation_create(party=cast.coach_party, role_label="peer")
    cleo, dan = make_user("Cleo"), make_user("Dan")
    with time_machine.travel(now() + timedelta(days=settings.INVITATION_DAYS, minutes=1)):
        expired = ApiClient(cleo).post("/api/v1/invitations/accept", {"token": raw})
    assert expired.status_code == 410
    assert "This invitation expired" in expired.json()["detail"]
    joined = ApiClient(cleo).post("/api/v1/invitations/accept", {"token": raw})
    assert joined.status_code == 200
    assert joined.json()["my_role"] == "peer"
    # The same person again (a retry): the same alliance, nobody told twice.
    mails = len(mail.outbox)
    again = ApiClient(cleo).post("/api/v1/invitations/accept", {"token": raw})
    assert (again.status_code, again.json()["id"]) == (200, cast.alliance.pk)
    assert len(mail.outbox) == mails
    used = ApiClient(dan).post("/api/v1/invitations/accept", {"token": raw})
    assert used.status_code == 410
    assert "already used" in used.json()["detail"]
    unknown = ApiClient(dan).post("/api/v1/invitations/accept", {"token": "nonsense"})
    assert unknown.status_code == 404
    assert "not valid" in unknown.json()["detail"]
    blank = ApiClient(dan).post("/api/v1/invitations/accept", {"token": ""})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "token"
    assert not Party.everyone.filter(alliance=cast.alliance, user=dan).exists()


def test_someone_already_in_the_alliance_gets_409_and_the_link_stays_unused(cast):
    _, raw = services.invitation_create(party=cast.coach_party)
    response = ApiClient(cast.client).post(
        "/api/v1/invitations/accept", {"token": raw, "role_label": "client"}
    )
    assert response.status_code == 409
    assert response.json()["alliance"] == base(cast)
    assert Invitation.objects.get(alliance=cast.alliance, accepted_at=None)


def test_a_closed_alliance_refuses_invitations_and_role_changes_with_409(cast):
    _, raw = services.invitation_create(party=cast.coach_party)
    invitation = Invitation.objects.get(alliance=cast.alliance, accepted_at=None)
    close_with(cast.coach_party, cast.client_party)
    client = ApiClient(cast.coach)
    before = Event.objects.count()
    assert client.post(base(cast) + "/invitations", {}).status_code == 409
    assert client.post(f"{base(cast)}/invitations/{invitation.pk}/renew").status_code == 409
    assert client.delete(f"{base(cast)}/invitations/{invitation.pk}").status_code == 409
    # Even the same role: the page refuses every such write to a closed alliance.
    assert client.patch(base(cast) + "/parties/me", {"role_label": "coach"}).status_code == 409
    closed = client.patch(base(cast) + "/parties/me", {"role_label": "mentor"})
    assert closed.status_code == 409
    assert "closed" in closed.json()["detail"]
    join_closed = ApiClient(make_user("Dan")).post("/api/v1/invitations/accept", {"token": raw})
    assert join_closed.status_code == 410
    assert Event.objects.count() == before
    assert party_of(cast.alliance, cast.coach).role_label == "coach"


# Leaving ----------------------------------------------------------------------------------


def test_leaving_hides_the_alliance_and_the_others_see_it_in_the_history(cast):
    client = ApiClient(cast.client)
    assert client.post(base(cast) + "/leave").status_code == 204
    assert client.get(base(cast)).status_code == 404
    assert client.post(base(cast) + "/leave").status_code == 404
    [line] = ApiClient(cast.coach).get(base(cast) + "/history?limit=1").json()["items"]
    assert (line["who"], line["what"]) == ("Ben", "left the alliance")


def test_a_designing_party_cannot_leave_a_closed_alliance_but_an_observer_may(cast):
    sam = make_user("Sam")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    close_with(cast.coach_party, cast.client_party)
    refused = ApiClient(cast.client).post(base(cast) + "/leave")
    assert refused.status_code == 409
    assert Party.present.filter(alliance=cast.alliance, user=cast.client).exists()
    assert ApiClient(sam).post(base(cast) + "/leave").status_code == 204
    assert not Party.present.filter(alliance=cast.alliance, user=sam).exists()


# What observers see -----------------------------------------------------------------------


def test_each_grant_says_who_agreed_and_an_observer_sees_only_what_is_shown(observed):
    url = base(observed) + "/observers/allowances"
    ana, ben = ApiClient(observed.coach), ApiClient(observed.client)
    agreed = ana.put(url, {"grant": "versions", "agreed": True}).json()
    versions = next(g for g in agreed["grants"] if g["grant"] == "versions")
    assert [p["name"] for p in versions["agreed"]] == ["Ana"]
    assert [p["name"] for p in versions["waiting"]] == ["Ben"]
    assert (versions["i_agree"], versions["in_effect"]) == (True, False)
    assert [p["name"] for p in agreed["observers"]] == ["Sam"]
    ben.put(url, {"grant": "versions", "agreed": True})
    seen = ApiClient(observed.sam).get(url).json()
    assert {g["grant"]: g["in_effect"] for g in seen["grants"]} == {
        "versions": True,
        "health": False,
    }
    assert all(g["agreed"] is None and g["waiting"] is None for g in seen["grants"])
    # Withdrawing hides it again at once.
    ben.put(url, {"grant": "versions", "agreed": False})
    seen = ApiClient(observed.sam).get(url).json()
    assert not any(g["in_effect"] for g in seen["grants"])
    [line] = ana.get(base(observed) + "/history?limit=1").json()["items"]
    assert line["what"] == "withdrew their agreement that observers see the ratified versions"


def test_an_unknown_grant_is_a_422_naming_it(cast):
    response = ApiClient(cast.coach).put(
        base(cast) + "/observers/allowances", {"grant": "reflections", "agreed": True}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["grant"]
    assert not ObserverAllowance.objects.exists()


def test_a_closed_alliance_takes_a_withdrawal_never_a_new_grant(cast):
    url = base(cast) + "/observers/allowances"
    client = ApiClient(cast.coach)
    client.put(url, {"grant": "versions", "agreed": True})
    close_with(cast.coach_party, cast.client_party)
    assert client.put(url, {"grant": "health", "agreed": True}).status_code == 409
    withdrawn = client.put(url, {"grant": "versions", "agreed": False})
    assert withdrawn.status_code == 200
    assert not ObserverAllowance.objects.filter(alliance=cast.alliance).exists()


# History, export and record ------------------------------------------------------------


def test_the_history_reads_as_the_page_newest_first_and_pages_by_cursor(cast):
    services.invitation_create(party=cast.coach_party, email="cleo@example.org")
    propose(cast.coach_party, "We meet every second Monday.")
    client = ApiClient(cast.client)
    seen, cursor = [], None
    while True:
        page = client.get(
            base(cast) + "/history?limit=2" + (f"&cursor={cursor}" if cursor else "")
        ).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [(line["who"], line["what"]) for line in seen] == [
        ("Ana", "proposed a term: “We meet every second Monday.”"),
        ("Ana", "invited cleo@example.org"),
        ("Ben", "joined as client"),
        ("Ana", "invited someone with the link"),
        ("Ana", "created the alliance"),
    ]
    assert [line["position"] for line in seen] == [5, 4, 3, 2, 1]
    newest = Event.objects.get(alliance=cast.alliance, position=5)
    assert seen[0]["content_hash"] == newest.content_hash
    page = login(cast.client).get(f"/alliances/{cast.alliance.pk}/history/").content.decode()
    assert "proposed a term" in page
    assert "We meet every second Monday." in page


def test_the_history_costs_the_same_queries_for_one_line_as_for_twenty(cast):
    client = ApiClient(cast.coach)
    url = base(cast) + "/history?limit=50"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.get(url)  # the token's first use is noted once, not on every call
    few = queries()
    for n in range(20):
        services.party_role_change(party=cast.coach_party, role_label=f"coach {n}")
    assert len(client.get(url).json()["items"]) == 23
    assert queries() == few


def _queries(client: ApiClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_parties_invitations_and_allowances_cost_the_same_queries_for_one_as_for_twenty(
    cast, settings
):
    settings.INVITATIONS_PER_HOUR = settings.INVITATIONS_PER_ALLIANCE_PER_DAY = 100
    client = ApiClient(cast.coach)
    services.invitation_create(party=cast.coach_party)
    urls = [base(cast) + path for path in ("/parties", "/invitations", "/observers/allowances")]
    client.get(urls[0])  # the token's first use is noted once, not on every call
    few = [_queries(client, url) for url in urls]
    for n in range(20):
        join(cast.alliance, make_user(f"Guest {n}"), as_observer=n % 2 == 0)
        services.invitation_create(party=cast.coach_party, email=f"guest{n}@example.org")
    assert len(client.get(urls[0]).json()) == 22
    assert len(client.get(urls[1]).json()) == 21
    assert [_queries(client, url) for url in urls] == few


def test_the_export_is_the_document_of_the_page(cast):
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    from_api = ApiClient(cast.client).get(base(cast) + "/export").json()
    from_page = login(cast.client).get(f"/alliances/{cast.alliance.pk}/export.json").json()
    assert from_api["format"] == "alliance-export/2"
    from_api.pop("exported_at"), from_page.pop("exported_at")
    assert from_api == from_page


def test_the_record_is_intact_until_someone_changes_a_line_behind_the_app(cast):
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    client = ApiClient(cast.client)
    intact = client.get(base(cast) + "/record").json()
    assert intact["intact"] is True
    assert intact["detail"] == "The record is intact."
    assert intact["problems"] == []
    assert intact["findings"][0]["where"] == "version 1"
    line = Event.objects.get(alliance=cast.alliance, position=3)
    with past_the_record_triggers():
        Event.objects.filter(pk=line.pk).update(data={**line.data, "role": "boss"})
    broken = client.get(base(cast) + "/record").json()
    assert broken["intact"] is False
    assert broken["detail"] == "The record was changed after it was sealed."
    assert [(p["where"], p["detail"]) for p in broken["problems"]] == [
        ("history line 3", "its content no longer matches its hash")
    ]


def test_odd_input_is_a_422_naming_the_field_and_changes_nothing(cast):
    client = ApiClient(cast.coach)
    events = Event.objects.count()
    cases = [
        ("patch", "/parties/me", {"role_label": "co\x00ach"}, "role_label"),
        ("post", "/invitations", {"role_label": "spon\x00sor"}, "role_label"),
        # Not an object: the foundation names the body by its parameter, `payload`.
        ("post", "/invitations", [None, None], "payload"),
        ("post", "/invitations", {"as_observer": "yes"}, "as_observer"),
        ("put", "/observers/allowances", {"grant": "versions", "agreed": 0}, "agreed"),
    ]
    for method, path, body, field in cases:
        response = getattr(client, method)(base(cast) + path, body)
        assert response.status_code == 422, (path, body)
        assert [e["field"] for e in response.json()["errors"]] == [field], (path, body)
    _, raw = services.invitation_create(party=cast.coach_party)
    dan = make_user("Dan")
    odd_role = ApiClient(dan).post(
        "/api/v1/invitations/accept", {"token": raw, "role_label": "a\x00b"}
    )
    assert odd_role.status_code == 422
    assert odd_role.json()["errors"][0]["field"] == "role_label"
    assert Event.objects.count() == events + 1  # the invitation made here, nothing else
    assert not Party.everyone.filter(user=dan).exists()
