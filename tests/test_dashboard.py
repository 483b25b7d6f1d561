"""The dashboard of someone in many alliances: search, filters, pages."""

import re
from datetime import time, timedelta

import time_machine

from alliance.alliances.selectors import DASHBOARD_PAGE_SIZE
from alliance.conversations import services as conversations
from alliance.lib.clock import now
from alliance.tending import services as tending
from alliance.terms import services as terms
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with
from tests.helpers import page_text


def titles(response) -> list[str]:
    return re.findall(r'<a class="title" href="[^"]+">([^<]+)</a>', response.content.decode())


def alliance_with(coach, client, title: str, *, ratified: bool = False):  # type: ignore[no-untyped-def]
    alliance = make_alliance(coach, title=title)
    join(alliance, client)
    propose(party_of(alliance, client), f"A term of {title}")
    if ratified:
        ratify_with([party_of(alliance, coach), party_of(alliance, client)])
    return alliance


def test_search_finds_alliances_by_title_and_by_the_other_party(db):
    ana = make_user("Ana", "ana@example.org")
    ben, chloe = make_user("Ben Brook", "ben@brook.example"), make_user("Chloe", "c@x.example")
    alliance_with(ana, ben, "Leadership coaching")
    alliance_with(ana, chloe, "Career change")
    outsider = make_user("Olga", "olga@example.org")
    alliance_with(outsider, make_user("Oscar"), "Career coaching for Olga")
    browser = login(ana)

    assert titles(browser.get("/", {"q": "career"})) == ["Career change"]
    assert titles(browser.get("/", {"q": "brook"})) == ["Leadership coaching"]
    assert titles(browser.get("/", {"q": "c@x.EXAMPLE"})) == ["Career change"]
    # Her own name is in every alliance she has: it finds none of them by itself.
    assert titles(browser.get("/", {"q": "Ana"})) == []
    nothing = browser.get("/", {"q": "Olga"})
    assert titles(nothing) == []
    assert "No alliance matches" in page_text(nothing)


def test_status_filters_pick_alliances_by_where_they_stand(db):
    ana = make_user("Ana")
    alliance_with(ana, make_user("Ben"), "Still designing")
    alliance_with(ana, make_user("Chloe"), "Ratified, calm", ratified=True)
    due = alliance_with(ana, make_user("Dan"), "Check-in open", ratified=True)
    tending.checkin_start(party=party_of(due, ana))
    signalled = alliance_with(ana, make_user("Eve"), "Signalled", ratified=True)
    tending.signal_raise(party=party_of(signalled, signalled.parties.last().user), note="Hm.")
    planned = alliance_with(ana, make_user("Fay"), "Planned check-in", ratified=True)
    tomorrow = now().date() + timedelta(days=1)
    tending.rhythm_set(party=party_of(planned, ana), starts_on=tomorrow, at_time=time(9), rule="")
    browser = login(ana)

    def shown(status: str) -> set[str]:
        return set(titles(browser.get("/", {"status": status})))

    assert shown("designing") == {"Still designing"}
    assert shown("active") == {"Ratified, calm", "Check-in open", "Signalled", "Planned check-in"}
    assert shown("checkin_due") == {"Check-in open"}
    assert shown("needs_tending") == {"Signalled"}
    with time_machine.travel(now() + timedelta(days=2)):
        assert set(titles(login(ana).get("/", {"status": "checkin_due"}))) == {
            "Check-in open",
            "Planned check-in",
        }


def test_waiting_on_me_lists_only_what_needs_my_answer(db):
    ana = make_user("Ana")
    consent = alliance_with(ana, make_user("Ben"), "A term to answer")
    alliance_with(ana, make_user("Chloe"), "Nothing for Ana", ratified=True)
    times = alliance_with(ana, make_user("Dan"), "Times to answer", ratified=True)
    plant(party_of(times, times.parties.last().user))
    talk = alliance_with(ana, make_user("Eve"), "A reflection to write", ratified=True)
    eve = party_of(talk, talk.parties.last().user)
    stake = plant(party_of(talk, ana))
    conversations.stake_answer(
        party=eve, stake_id=stake.pk, works=[c.pk for c in stake.candidates.all()]
    )
    share(eve, stake, first_prompt(stake), "I want calm sessions.")
    rating = alliance_with(ana, make_user("Fay"), "A check-in to rate", ratified=True)
    tending.checkin_start(party=party_of(rating, rating.parties.last().user))
    browser = login(ana)

    waiting = browser.get("/", {"waiting": "on"})
    assert set(titles(waiting)) == {
        "A term to answer",
        "Times to answer",
        "A reflection to write",
        "A check-in to rate",
    }
    assert re.search(
        r'<input type="checkbox" name="waiting"[^>]* checked', waiting.content.decode()
    )
    # Answered, it waits on her no more.
    term = consent.terms.get()
    terms.consent_give(
        party=party_of(consent, ana), term_id=term.pk, revision=term.revision, decision="agree"
    )
    assert "A term to answer" not in titles(browser.get("/", {"waiting": "on"}))
    # The other side of the same alliances: Ben's term waits on Ana, not on Ben.
    assert titles(login(consent.parties.last().user).get("/", {"waiting": "on"})) == []


def test_pages_of_alliances_keep_the_filters(db, settings):
    settings.INVITATIONS_PER_HOUR = 1000  # a coach taking on many clients at once
    ana = make_user("Ana")
    ben = make_user("Ben")
    for n in range(DASHBOARD_PAGE_SIZE + 3):
        alliance = make_alliance(ana, title=f"Client {n:02d}")
        join(alliance, ben)
    browser = login(ana)

    first = browser.get("/", {"q": "client"})
    assert len(titles(first)) == DASHBOARD_PAGE_SIZE
    assert titles(first)[0] == f"Client {DASHBOARD_PAGE_SIZE + 2:02d}"  # newest first
    assert f"1 to {DASHBOARD_PAGE_SIZE} of {DASHBOARD_PAGE_SIZE + 3} alliances" in page_text(first)
    [next_link] = re.findall(r'href="([^"]+)" rel="next"', first.content.decode())
    assert next_link == "?q=client&amp;page=2"
    second = browser.get("/", {"q": "client", "page": "2"})
    assert titles(second) == ["Client 02", "Client 01", "Client 00"]
    # A page that is not there shows the last; words where a number belongs, the first.
    assert titles(browser.get("/", {"page": "99"})) == titles(second)
    assert len(titles(browser.get("/", {"page": "two"}))) == DASHBOARD_PAGE_SIZE


def test_a_bad_filter_says_so_and_lists_everything(db):
    ana = make_user("Ana")
    alliance_with(ana, make_user("Ben"), "One")
    alliance_with(ana, make_user("Chloe"), "Two", ratified=True)
    response = login(ana).get("/", {"status": "archived", "q": "x" * 101})
    assert response.status_code == 400
    text = page_text(response)
    assert "Select a valid choice" in text
    assert "at most 100 characters" in text
    assert set(titles(response)) == {"One", "Two"}


def test_someone_in_no_alliance_sees_no_filters_but_the_way_to_start(db):
    text = page_text(login(make_user("Newcomer")).get("/"))
    assert "Start your first alliance" in text
    assert "Waiting on me" not in text


def test_a_time_that_suits_everyone_waits_on_the_proposer_in_the_filter_as_on_the_card(db):
    """With three parties the proposer confirms the time: the card says so, and "waiting on
    me" lists the alliance, for the proposer only."""
    ana, ben, chloe = make_user("Ana"), make_user("Ben"), make_user("Chloe")
    team = alliance_with(ana, ben, "Three of us", ratified=False)
    join(team, chloe)
    stake = plant(party_of(team, ana))
    first = stake.candidates.order_by("pk").first()
    for person in (ben, chloe, ana):
        conversations.stake_answer(
            party=party_of(team, person), stake_id=stake.pk, works=[first.pk]
        )
    for term in team.terms.all():
        for person in (ana, ben, chloe):
            terms.consent_give(
                party=party_of(team, person),
                term_id=term.pk,
                revision=term.revision,
                decision="agree",
            )

    as_ana = login(ana)
    assert "schedule" in page_text(as_ana.get("/")).lower()
    assert titles(as_ana.get("/", {"waiting": "on"})) == ["Three of us"]
    assert titles(login(ben).get("/", {"waiting": "on"})) == []
