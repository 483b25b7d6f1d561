"""Observers (a sponsor, an HR partner, a parent): invited as such, never asked to consent
and never waited for; they see who is in the alliance and when they meet with them, and
beyond that only what every designing party allows, for as long as they all allow it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services
from alliance.alliances.models import Event, EventKind, ObserverGrant, Party
from alliance.alliances.selectors import dashboard_parties, observer_grants
from alliance.conversations import services as conversation_services
from alliance.conversations.models import Reveal
from alliance.conversations.selectors import prompts_of
from alliance.outbox.nudges import nudges_queue
from alliance.tending import services as tending_services
from alliance.terms.selectors import draft_for
from tests.conftest import login
from tests.conversations.factories import plant, share
from tests.factories import agree_all, close_with, join, make_user, party_of, propose, ratify_with
from tests.helpers import page_text

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TERM = "We meet every other Tuesday, hushwillow."
COMMENT = "Tuesdays feel rushed to me, emberquill."
NOTE = "Bring the budget sheet, larchmote."


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sam(cast):
    """Sam, the sponsor, observing Ana and Ben's coaching."""
    user = make_user("Sam", "sam@example.org")
    join(cast.alliance, user, role="sponsor", as_observer=True)
    cast.sam = user
    return cast


def observer_party(cast) -> Party:
    return Party.present.get(alliance=cast.alliance, user=cast.sam)


def allow(cast, grant: str, *parties: Party) -> None:
    for party in parties:
        services.observer_allowance_set(party=party, grant=grant, agreed=True)


def url(cast, rest: str = "") -> str:
    return f"/alliances/{cast.alliance.pk}/{rest}"


# Inviting ------------------------------------------------------------------------------


def test_the_invitation_form_offers_to_invite_an_observer(cast):
    page = login(cast.coach).get(url(cast)).content.decode()
    assert "As an observer" in page
    assert '<option value="sponsor">' in page
    assert '<option value="HR partner">' in page


def test_the_invitation_mail_and_page_say_plainly_what_an_observer_is(cast, client):
    ana = login(cast.coach)
    mail.outbox.clear()
    response = ana.post(
        url(cast, "invitations/"),
        {"email": "sam@example.org", "role_label": "sponsor", "as_observer": "on"},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert (
        message.subject
        == "[Alliance] Ana invites you to follow “Coaching: Ana and Ben” as an observer"
    )
    assert "as an observer" in message.body
    assert "never asked to agree to anything" in message.body
    assert "never see their reflections, drafts, ratings, comments or tending signals" in (
        message.body
    )
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    welcome = page_text(client.get(link.split("example.org", 1)[-1].strip()))
    assert "to follow Coaching: Ana and Ben as an observer (sponsor)." in welcome
    assert "nobody waits for you" in welcome
    assert "Ana invited sam@example.org as an observer" in page_text(ana.get(url(cast)))


def test_accepting_makes_an_observer_and_tells_the_parties(cast):
    _, raw = services.invitation_create(party=cast.coach_party, as_observer=True)
    sam = login(make_user("Sam", "sam@example.org"))
    join_page = page_text(sam.get(f"/invitations/{raw}/"))
    assert "You join as an observer" in join_page
    assert "Join as an observer" in join_page
    mail.outbox.clear()
    response = sam.post(f"/invitations/{raw}/", {"role_label": "sponsor"})
    assert response["Location"] == url(cast)
    party = Party.present.get(alliance=cast.alliance, user__email="sam@example.org")
    assert party.is_observer
    assert party.role_label == "sponsor"
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    assert "Sam joined “Coaching: Ana and Ben” as an observer (sponsor)" in mail.outbox[0].body
    page = page_text(sam.get(url(cast)))
    assert "Observing" in page
    assert "Propose a term" not in page
    assert "Sam joined to observe as sponsor" in page_text(login(cast.coach).get(url(cast)))


def test_someone_already_in_cannot_be_invited_or_join_again(sam):
    ana = sam.coach_party
    for as_observer in (True, False):
        with pytest.raises(ValidationError, match="already in this alliance"):
            services.invitation_create(party=ana, email="sam@example.org", as_observer=as_observer)
    _, raw = services.invitation_create(party=ana)
    with pytest.raises(services.InvitationUnusable, match="already in this alliance"):
        services.invitation_accept(raw_token=raw, user=sam.sam, role_label="client")
    _, raw = services.invitation_create(party=ana, as_observer=True)
    with pytest.raises(services.InvitationUnusable, match="already in this alliance"):
        services.invitation_accept(raw_token=raw, user=sam.client, role_label="sponsor")
    assert not observer_party(sam).is_lead
    assert not party_of(sam.alliance, sam.client).is_observer


def test_a_former_party_comes_back_as_an_observer_and_nobody_agrees_afresh(cast):
    carla = make_user("Carla", "carla@example.org")
    join(cast.alliance, carla, role="mentor")
    propose(cast.coach_party, TERM)
    for party in (cast.coach_party, cast.client_party, party_of(cast.alliance, carla)):
        agree_all(party)
    services.party_leave(party=party_of(cast.alliance, carla))
    row = Party.everyone.get(alliance=cast.alliance, user=carla)
    _, raw = services.invitation_create(party=cast.coach_party, as_observer=True)
    back = services.invitation_accept(raw_token=raw, user=carla, role_label="HR partner")
    assert back.pk == row.pk
    assert back.is_observer
    assert back.left_at is None
    draft = draft_for(cast.alliance)
    assert [p.user.name for p in draft.parties] == ["Ana", "Ben"]
    assert draft.is_ready, "joining as an observer reset someone's consent"


def test_a_former_observer_comes_back_as_a_party_and_is_waited_for(sam):
    propose(sam.coach_party, TERM)
    agree_all(sam.coach_party)
    agree_all(sam.client_party)
    services.party_leave(party=observer_party(sam))
    _, raw = services.invitation_create(party=sam.coach_party)
    back = services.invitation_accept(raw_token=raw, user=sam.sam, role_label="co-coach")
    assert back.pk == Party.everyone.get(alliance=sam.alliance, user=sam.sam).pk
    assert not back.is_observer
    draft = draft_for(sam.alliance)
    assert not draft.is_ready
    assert [p.user.name for p in draft.parties_not_agreed()] == ["Sam"]


def test_an_observer_joining_resets_no_consent_a_party_joining_does(cast):
    propose(cast.coach_party, TERM)
    agree_all(cast.coach_party)
    agree_all(cast.client_party)
    join(cast.alliance, make_user("Sam", "sam@example.org"), role="sponsor", as_observer=True)
    assert draft_for(cast.alliance).is_ready
    join(cast.alliance, make_user("Carla", "carla@example.org"), role="co-coach")
    assert not draft_for(cast.alliance).is_ready


# What observers may see, decided together ---------------------------------------------


def test_a_grant_is_in_effect_only_when_every_designing_party_agrees(sam):
    allow(sam, ObserverGrant.VERSIONS, sam.coach_party)
    assert not observer_grants(sam.alliance).in_effect(ObserverGrant.VERSIONS)
    allow(sam, ObserverGrant.VERSIONS, sam.client_party)
    grants = observer_grants(sam.alliance)
    assert grants.in_effect(ObserverGrant.VERSIONS)
    assert not grants.in_effect(ObserverGrant.HEALTH)


def test_any_party_can_withdraw_a_grant_and_the_history_keeps_both(sam):
    allow(sam, ObserverGrant.HEALTH, sam.coach_party, sam.client_party)
    changed = services.observer_allowance_set(
        party=sam.client_party, grant=ObserverGrant.HEALTH, agreed=False
    )
    assert changed
    assert not observer_grants(sam.alliance).in_effect(ObserverGrant.HEALTH)
    history = page_text(login(sam.client).get(url(sam, "history/")))
    assert "Ben agreed that observers may see a health summary" in history
    assert "Ben withdrew their agreement that observers see a health summary" in history
    # Saying the same again changes nothing and writes no second line.
    assert not services.observer_allowance_set(
        party=sam.client_party, grant=ObserverGrant.HEALTH, agreed=False
    )
    assert Event.objects.filter(kind="observers_withdrawn_health").count() == 1


def test_a_party_can_withdraw_a_grant_after_the_alliance_closed(sam):
    """Closing keeps the record; it does not take away a party's word on what the sponsor
    goes on reading. Giving a new grant, though, is a change a closed alliance refuses."""
    propose(sam.coach_party, TERM)
    ratify_with([sam.coach_party, sam.client_party])
    allow(sam, ObserverGrant.VERSIONS, sam.coach_party, sam.client_party)
    close_with(sam.coach_party, sam.client_party)
    sponsor = login(sam.sam)
    assert sponsor.get(url(sam, "versions/")).status_code == 200
    ben = login(sam.client)
    response = ben.post(url(sam, "observers/allowance/"), {"grant": "versions", "agreed": "no"})
    assert response.status_code == 302
    assert sponsor.get(url(sam, "versions/")).status_code == 404
    assert "Ben withdrew their agreement that observers see" in page_text(
        ben.get(url(sam, "history/"))
    )
    ben.post(url(sam, "observers/allowance/"), {"grant": "health", "agreed": "yes"})
    assert not observer_grants(sam.alliance).state(ObserverGrant.HEALTH).agreed
    assert "This alliance is closed" in page_text(ben.get(url(sam)))


def test_an_observer_shown_the_versions_is_not_shown_the_check_in_plan(sam, clock):
    propose(sam.coach_party, TERM)
    ratify_with([sam.coach_party, sam.client_party])
    tending_services.rhythm_set(
        party=sam.coach_party,
        starts_on=date(2026, 3, 11),
        at_time=time(10),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    allow(sam, ObserverGrant.VERSIONS, sam.coach_party, sam.client_party)
    version = page_text(login(sam.sam).get(url(sam, "versions/1/")))
    assert TERM in version
    assert "Next check-in" not in version
    assert "Wednesday 11 March 2026" not in version
    assert "Next check-in" in page_text(login(sam.client).get(url(sam, "versions/1/")))


def test_an_observer_can_stop_observing_a_closed_alliance_and_a_party_cannot_leave_it(sam):
    close_with(sam.coach_party, sam.client_party)
    sponsor = login(sam.sam)
    response = sponsor.post(url(sam, "leave/"))
    assert response.status_code == 302
    assert sponsor.get(url(sam)).status_code == 404
    assert not Party.present.filter(alliance=sam.alliance, user=sam.sam).exists()
    ben = login(sam.client)
    ben.post(url(sam, "leave/"))
    page = ben.get(url(sam))
    assert page.status_code == 200
    assert "This alliance is closed" in page_text(page)
    with pytest.raises(ValidationError):
        services.party_leave(party=sam.client_party)


def test_a_newcomer_holds_a_grant_back_until_they_agree_too(sam):
    allow(sam, ObserverGrant.VERSIONS, sam.coach_party, sam.client_party)
    carla = join(sam.alliance, make_user("Carla", "carla@example.org"), role="co-coach")
    assert not observer_grants(sam.alliance).in_effect(ObserverGrant.VERSIONS)
    allow(sam, ObserverGrant.VERSIONS, carla)
    assert observer_grants(sam.alliance).in_effect(ObserverGrant.VERSIONS)


def test_an_observer_decides_nothing_of_what_observers_see(sam):
    with pytest.raises(ValidationError):
        services.observer_allowance_set(
            party=observer_party(sam), grant=ObserverGrant.VERSIONS, agreed=True
        )
    response = login(sam.sam).post(
        url(sam, "observers/allowance/"), {"grant": "versions", "agreed": "yes"}
    )
    assert response.status_code == 404
    assert not observer_grants(sam.alliance).state(ObserverGrant.VERSIONS).agreed


def test_the_alliance_page_tells_the_parties_what_observers_see(sam):
    ana = login(sam.coach)
    before = page_text(ana.get(url(sam)))
    assert (
        "Observers (Sam, sponsor) see: who is in this alliance and when you meet with them. "
        "Not: reflections, drafts, ratings, comments, signals." in before
    )
    for who in (ana, login(sam.client)):
        response = who.post(
            url(sam, "observers/allowance/"), {"grant": "versions", "agreed": "yes"}
        )
        assert response.status_code == 302
    after = page_text(ana.get(url(sam)))
    assert (
        "Observers (Sam, sponsor) see: who is in this alliance and when you meet with them; "
        "the ratified versions. Not:" in after
    )
    assert "Agree: Ana (coach), Ben (client)" in after
    bad = ana.post(url(sam, "observers/allowance/"), {"grant": "diaries", "agreed": "yes"})
    assert bad.status_code == 302
    assert "Choose what observers may see" in page_text(ana.get(url(sam)))


# The observer's own view --------------------------------------------------------------


@pytest.fixture
def checked_in(sam, clock):
    """Version 1 of two terms; a check-in both parties completed, Ana finding the first
    term only okay, with a comment."""
    propose(sam.coach_party, TERM)
    propose(sam.coach_party, "I answer within two working days.", category="communication")
    ratify_with([sam.coach_party, sam.client_party])
    checkin = tending_services.checkin_start(party=sam.coach_party)
    first, second = [t["id"] for t in checkin.version.snapshot["terms"]]
    tending_services.checkin_answer(
        party=sam.coach_party,
        checkin_id=checkin.pk,
        ratings={first: ("okay", COMMENT), second: ("well", "")},
        reflection="Mine alone, frostmarrow.",
    )
    tending_services.checkin_answer(
        party=sam.client_party,
        checkin_id=checkin.pk,
        ratings={first: ("well", ""), second: ("well", "")},
        reflection="Shared, gladeharrow.",
        share=True,
    )
    checkin.refresh_from_db()
    assert checkin.completed_at is not None
    return sam


def test_the_observer_sees_who_and_when_and_nothing_not_granted(checked_in):
    sam = login(checked_in.sam)
    page = page_text(sam.get(url(checked_in)))
    assert "Ana · coach" in page
    assert "Ben · client" in page
    assert "Sam · sponsor (you)" in page
    assert "Not shown to you now: the ratified versions." in page
    for private in ("hushwillow", "emberquill", "frostmarrow", "gladeharrow", "Version 1"):
        assert private not in page
    assert sam.get(url(checked_in, "versions/")).status_code == 404
    assert sam.get(url(checked_in, "versions/1/")).status_code == 404


def test_granted_versions_and_health_show_counts_never_ratings(checked_in):
    allow(checked_in, ObserverGrant.VERSIONS, checked_in.coach_party, checked_in.client_party)
    allow(checked_in, ObserverGrant.HEALTH, checked_in.coach_party, checked_in.client_party)
    sam = login(checked_in.sam)
    page = page_text(sam.get(url(checked_in)))
    assert "Version 1" in page
    assert "Health 2 Mar 2026 : 1 of 2 terms working well" in page
    for private in ("emberquill", "frostmarrow", "gladeharrow", "Okay", "okay"):
        assert private not in page
    assert "hushwillow" in page_text(sam.get(url(checked_in, "versions/1/")))
    services.observer_allowance_set(
        party=checked_in.client_party, grant=ObserverGrant.VERSIONS, agreed=False
    )
    assert sam.get(url(checked_in, "versions/1/")).status_code == 404
    assert "Version 1" not in page_text(sam.get(url(checked_in)))


def test_everything_else_of_the_alliance_is_404_for_the_observer(checked_in):
    """The export included: an observer's page already shows all they may see."""
    allow(checked_in, ObserverGrant.VERSIONS, checked_in.coach_party, checked_in.client_party)
    sam = login(checked_in.sam)
    for rest in ("history/", "export.json", "conversations/", "health/", "checkins/new/"):
        assert sam.get(url(checked_in, rest)).status_code == 404, rest


# Never waited for ---------------------------------------------------------------------


def test_ratification_neither_waits_for_nor_is_signed_by_the_observer(sam):
    propose(sam.coach_party, TERM)
    version = ratify_with([sam.coach_party, sam.client_party])
    assert [s["name"] for s in version.readable["signatures"]] == ["Ana", "Ben"]


def test_a_reveal_does_not_wait_for_the_observer(sam, clock):
    stake = plant(sam.coach_party, includes_observers=True)
    prompt = prompts_of(sam.alliance)[0]
    share(sam.coach_party, stake, prompt, "I hope for candour.")
    board = page_text(
        login(sam.coach).get(url(sam, f"conversations/{stake.pk}/?prompt={prompt.pk}"))
    )
    assert "Ben: not yet" in board
    assert "Sam" not in board
    share(sam.client_party, stake, prompt, "I hope for patience.")
    reveal = Reveal.objects.get(stake=stake, prompt=prompt)
    assert sorted(p.user.name for p in reveal.parties.all()) == ["Ana", "Ben"]
    assert login(sam.sam).get(url(sam, f"conversations/{stake.pk}/")).status_code == 404


def test_a_checkin_waits_for_the_parties_only(sam, clock):
    propose(sam.coach_party, TERM)
    ratify_with([sam.coach_party, sam.client_party])
    checkin = tending_services.checkin_start(party=sam.coach_party)
    [term_id] = [t["id"] for t in checkin.version.snapshot["terms"]]
    for party in (sam.coach_party, sam.client_party):
        page = page_text(login(sam.coach).get(url(sam, f"checkins/{checkin.pk}/")))
        assert "Sam" not in page
        tending_services.checkin_answer(
            party=party, checkin_id=checkin.pk, ratings={term_id: ("well", "")}
        )
        checkin.refresh_from_db()
    assert checkin.completed_at is not None


def test_a_time_that_suits_every_party_is_ready_to_confirm_without_the_observer(sam, clock):
    carla = join(sam.alliance, make_user("Carla", "carla@example.org"), role="co-coach")
    stake = plant(sam.coach_party, includes_observers=True)
    candidate = stake.candidates.first()
    for party in (sam.client_party, carla):
        conversation_services.stake_answer(party=party, stake_id=stake.pk, works=[candidate.pk])
    waiting = dashboard_parties(sam.coach, waiting_on_me=True)
    assert [p.alliance_id for p in waiting] == [sam.alliance.pk]


def test_the_observers_dashboard_tells_nothing_of_signals_or_check_ins(sam, clock):
    """Filtering by "needs tending" or "check-in due" would tell the sponsor that Ben
    raised a signal or that a check-in has come; and the entry would date the next one."""
    propose(sam.coach_party, TERM)
    ratify_with([sam.coach_party, sam.client_party])
    tending_services.rhythm_set(
        party=sam.coach_party,
        starts_on=date(2026, 3, 11),
        at_time=time(10),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    tending_services.signal_raise(party=sam.client_party, note=NOTE)
    clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    for status in ("needs_tending", "checkin_due"):
        assert [p.alliance_id for p in dashboard_parties(sam.coach, status=status)] == [
            sam.alliance.pk
        ]
        assert list(dashboard_parties(sam.sam, status=status)) == [], status
    dashboard = page_text(login(sam.sam).get("/"))
    assert sam.alliance.title in dashboard
    assert "Next check-in" not in dashboard


def test_nudges_never_go_to_the_observer(sam, clock):
    propose(sam.coach_party, TERM)
    plant(sam.coach_party)
    mail.outbox.clear()
    for day in (2, 4, 6):
        clock.move_to(MONDAY + timedelta(days=day))
        nudges_queue()
    assert [m for m in mail.outbox if m.to == ["ben@example.org"]], "no nudge at all"
    assert not [m for m in mail.outbox if m.to == ["sam@example.org"]]


def test_a_conversation_that_includes_the_observer_reaches_them_by_calendar_only(sam, clock):
    stake = plant(sam.coach_party, includes_observers=True, note=NOTE)
    assert not [m for m in mail.outbox if m.to == ["sam@example.org"]], "asked to pick a time"
    mail.outbox.clear()
    # Ben's answer is the last the time waits for: Sam is never asked.
    candidate = stake.candidates.order_by("starts_at").first()
    conversation_services.stake_answer(
        party=sam.client_party, stake_id=stake.pk, works=[candidate.pk]
    )
    stake.refresh_from_db()
    assert stake.state == "scheduled"
    [to_sam] = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    [(_name, ics, _type)] = to_sam.attachments
    assert f"/alliances/{sam.alliance.pk}/\n" in to_sam.body
    assert "/conversations/" not in to_sam.body
    assert "/conversations/" not in ics.replace("\r\n ", "")
    assert "larchmote" not in ics
    assert "larchmote" not in to_sam.body
    [to_ben] = [m for m in mail.outbox if m.to == ["ben@example.org"]]
    assert "larchmote" in to_ben.attachments[0][1]
    assert "sam@example.org" in to_ben.attachments[0][1].replace("\r\n ", "")
    page = page_text(login(sam.sam).get(url(sam)))
    assert "Conversations you are invited to" in page
    assert "60 minutes" in page
    assert "https://meet.example.org/ana-ben" in page
    assert "larchmote" not in page
    detail = page_text(login(sam.coach).get(url(sam, f"conversations/{stake.pk}/")))
    assert "The alliance’s observers are invited too" in detail
    token = tending_services.calendar_feed_renew(user=sam.sam)
    feed = login(sam.sam).get(f"/calendar/{token}.ics").content.decode().replace("\r\n ", "")
    assert stake.uid in feed
    assert "larchmote" not in feed
    assert f"/alliances/{sam.alliance.pk}/conversations/" not in feed


def test_a_conversation_without_the_observers_stays_out_of_their_mail_and_feed(sam, clock):
    stake = plant(sam.coach_party, note=NOTE)
    candidate = stake.candidates.first()
    mail.outbox.clear()
    conversation_services.stake_answer(
        party=sam.client_party, stake_id=stake.pk, works=[candidate.pk]
    )
    assert not [m for m in mail.outbox if m.to == ["sam@example.org"]]
    token = tending_services.calendar_feed_renew(user=sam.sam)
    feed = login(sam.sam).get(f"/calendar/{token}.ics").content.decode()
    assert stake.uid not in feed
    assert "None planned with you." in page_text(login(sam.sam).get(url(sam)))


def test_the_stake_form_offers_the_observers_only_when_there_are_some(cast):
    ana = login(cast.coach)
    assert "Include the observers" not in page_text(ana.get(url(cast, "conversations/new/")))
    join(cast.alliance, make_user("Sam", "sam@example.org"), role="sponsor", as_observer=True)
    assert "Include the observers" in page_text(ana.get(url(cast, "conversations/new/")))


def test_an_observer_leaving_is_recorded_and_settles_nothing(sam):
    services.party_leave(party=observer_party(sam))
    assert Event.objects.filter(alliance=sam.alliance, kind=EventKind.LEFT).count() == 1
    assert login(sam.sam).get(url(sam)).status_code == 404
