"""The dashboard of someone in many alliances: search, filters, pages."""

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Kind, Party
from alliance.alliances.selectors import (
    AGENDA_LIMIT,
    DASHBOARD_PAGE_SIZE,
    dashboard_entries,
    dashboard_for,
)
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


def test_search_reads_percent_and_underscore_as_themselves(db):
    ana = make_user("Ana")
    alliance_with(ana, make_user("Ben"), "50% of the week")
    alliance_with(ana, make_user("Chloe"), "500 hours of the weekend")
    alliance_with(ana, make_user("Dan", "dan_w@example.org"), "Mentoring")
    alliance_with(ana, make_user("Eve", "danxw@example.org"), "Sparring")
    browser = login(ana)

    assert titles(browser.get("/", {"q": "50%"})) == ["50% of the week"]
    assert titles(browser.get("/", {"q": "dan_w"})) == ["Mentoring"]
    # The same filters with another word: what was compiled for the first search is not
    # what the second one finds.
    assert titles(browser.get("/", {"q": "weekend"})) == ["500 hours of the weekend"]


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


def test_the_prepared_list_finds_what_the_ordinary_query_finds_for_every_filter(db):
    """The dashboard runs its list as prepared queries, compiled once per filter and order
    (`alliance.lib.prepared`); the same conditions as an ordinary queryset, compiled with
    the values written in, find the same parties in the same order, whoever asks, and
    after the clock has moved on."""
    from itertools import product

    from alliance.alliances.selectors import (
        DashboardSort,
        DashboardStatus,
        _dashboard_listed,
        _dashboard_ordered,
        dashboard_parties,
    )

    ana, ben = make_user("Ana"), make_user("Ben Brook")
    alliance_with(ana, ben, "Still designing")
    alliance_with(ana, make_user("Chloe"), "Ratified, calm", ratified=True)
    due = alliance_with(ana, ben, "Check-in open", ratified=True)
    tending.checkin_start(party=party_of(due, ben))
    signalled = alliance_with(ben, ana, "Signalled", ratified=True)
    tending.signal_raise(party=party_of(signalled, ben), note="Hm.")
    planned = alliance_with(ana, make_user("Fay"), "Planned check-in", ratified=True)
    tomorrow = now().date() + timedelta(days=1)
    tending.rhythm_set(party=party_of(planned, ana), starts_on=tomorrow, at_time=time(9), rule="")
    plant(party_of(planned, planned.parties.last().user))
    closed = alliance_with(ana, make_user("Gil"), "Closed one", ratified=True)
    Alliance.objects.filter(pk=closed.pk).update(closed_at=now())

    def ordinary(user, **narrowing) -> list[int]:  # type: ignore[no-untyped-def]
        sort, waiting = narrowing.pop("sort"), narrowing["waiting_on_me"]
        listed = _dashboard_listed(user.pk, **narrowing)
        return [p.pk for p in _dashboard_ordered(listed, sort=sort, waiting_on_me=waiting)]

    statuses = ["", *DashboardStatus.values]
    sorts = ["", *DashboardSort.values]
    compared = 0
    for moved in (timedelta(), timedelta(days=2)):
        with time_machine.travel(now() + moved):
            for user, status, sort, waiting, search in product(
                (ana, ben), statuses, sorts, (False, True), ("", "brook", "e")
            ):
                narrowing = {
                    "search": search,
                    "status": status,
                    "kind": "",
                    "waiting_on_me": waiting,
                    "sort": sort,
                }
                prepared = [p.pk for p in dashboard_parties(user, **narrowing)]
                assert prepared == ordinary(user, **narrowing), narrowing
                compared += bool(prepared)
    assert compared > 100  # most combinations list something


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


def test_every_page_holds_its_own_alliances_and_no_other(db, settings):
    settings.INVITATIONS_PER_HOUR = 1000
    ana, ben = make_user("Ana"), make_user("Ben")
    total = 2 * DASHBOARD_PAGE_SIZE + 3
    for n in range(total):
        join(make_alliance(ana, title=f"Client {n:02d}"), ben)
    browser = login(ana)

    newest_first = [f"Client {n:02d}" for n in reversed(range(total))]
    pages = [titles(browser.get("/", {"page": str(n)})) for n in (1, 2, 3)]
    size = DASHBOARD_PAGE_SIZE
    assert pages == [newest_first[:size], newest_first[size : 2 * size], newest_first[2 * size :]]
    # The same pages for the other side, whose list is compiled once already.
    assert len(titles(login(ben).get("/", {"page": "2"}))) == size


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


def card_of(response, title: str) -> str:
    """The text of the card of the alliance called `title`."""
    cards = re.findall(r'<li class="card">(.*?)\n  </li>', response.content.decode(), re.S)
    [card] = [c for c in cards if f">{title}</a>" in c]
    return " ".join(re.sub(r"<[^>]+>", "", card).split())


def agenda_of(response) -> list[tuple[str, list[str]]]:
    """The agenda as a person reads it: each day's heading with its lines."""
    html = response.content.decode()
    found = re.search(r"<section class=\"agenda.*?</section>", html, re.S)
    if found is None:
        return []
    days = []
    for block in found.group(0).split("<h3>")[1:]:
        heading, rest = block.split("</h3>", 1)
        lines = [
            " ".join(re.sub(r"<[^>]+>", " ", li).split())
            for li in re.findall(r"<li[^>]*>(.*?)</li>", rest, re.S)
        ]
        days.append((heading.strip(), lines))
    return days


def close(alliance) -> None:  # type: ignore[no-untyped-def]
    """The alliance as the closing ritual leaves it (that ritual is built elsewhere)."""
    Alliance.objects.filter(pk=alliance.pk).update(closed_at=now())


def observe(alliance, user, role: str = "sponsor") -> Party:  # type: ignore[no-untyped-def]
    """`user` joins `alliance` as an observer (joining as one is built elsewhere)."""
    return Party.everyone.create(alliance=alliance, user=user, role_label=role, is_observer=True)


def test_kind_filter_and_closed_alliances_apart_from_the_rest(db):
    ana = make_user("Ana")
    alliance_with(ana, make_user("Ben"), "Coaching Ben")
    team = make_alliance(ana, title="Our team", kind=Kind.TEAM, role="team lead")
    join(team, make_user("Tom"), role="team member")
    ended = alliance_with(ana, make_user("Chloe"), "Coaching Chloe, ended", ratified=True)
    close(ended)
    browser = login(ana)

    assert set(titles(browser.get("/"))) == {"Coaching Ben", "Our team"}
    assert titles(browser.get("/", {"kind": "team"})) == ["Our team"]
    assert titles(browser.get("/", {"kind": "coaching"})) == ["Coaching Ben"]
    assert titles(browser.get("/", {"status": "active"})) == []
    closed = browser.get("/", {"status": "closed"})
    assert titles(closed) == ["Coaching Chloe, ended"]
    card = card_of(closed, "Coaching Chloe, ended")
    assert "Closed" in card
    assert "data-next-step" not in closed.content.decode()
    assert titles(browser.get("/", {"status": "closed", "kind": "team"})) == []
    assert titles(browser.get("/", {"q": "chloe"})) == []
    assert titles(browser.get("/", {"q": "chloe", "status": "closed"})) == ["Coaching Chloe, ended"]


def test_an_observed_alliance_is_listed_as_observing_and_shows_only_who_and_when(db):
    ana, ben, sam = make_user("Ana"), make_user("Ben"), make_user("Sam")
    alliance = alliance_with(ana, ben, "Leadership coaching", ratified=True)
    observe(alliance, sam)
    tending.signal_raise(party=party_of(alliance, ben), note="I feel rushed in our sessions.")
    propose(party_of(alliance, ben), "We end on time, always.")
    stake = plant(party_of(alliance, ana))
    conversations.stake_answer(
        party=party_of(alliance, ben), stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    as_ana = login(ana).get("/")
    # What the parties see, and the observer must not.
    assert "I feel rushed" in page_text(as_ana)
    assert agenda_of(as_ana) != []

    as_sam = login(sam).get("/")
    assert titles(as_sam) == ["Leadership coaching"]
    card = card_of(as_sam, "Leadership coaching")
    assert "Observing" in card
    assert "you observe as sponsor" in card
    assert "with Ana (coach), Ben (client)" in card
    text = page_text(as_sam)
    assert "I feel rushed" not in text
    assert "We end on time" not in text
    assert "data-next-step" not in as_sam.content.decode()
    assert "data-conversation-wait" not in as_sam.content.decode()
    assert [line for _, lines in agenda_of(as_sam) for line in lines] == []
    assert titles(login(sam).get("/", {"waiting": "on"})) == []
    assert titles(login(sam).get("/", {"q": "ben"})) == ["Leadership coaching"]
    # The sponsor's name finds the alliance for its parties.
    assert titles(login(ana).get("/", {"q": "sam"})) == ["Leadership coaching"]


def test_what_needs_attention_comes_first_and_other_orders_are_offered(db):
    ana = make_user("Ana")
    alliance_with(ana, make_user("Yara"), "Waits on Ana")
    calm = alliance_with(ana, make_user("Ma"), "Calm and kept", ratified=True)
    signalled = alliance_with(ana, make_user("Bo"), "Needs tending", ratified=True)
    tending.signal_raise(party=party_of(signalled, signalled.parties.last().user), note="Hm.")
    designing = make_alliance(ana, title="Designing")
    join(designing, make_user("Al"))
    propose(party_of(designing, ana), "Ana's own term waits on Al")
    browser = login(ana)

    attention = ["Waits on Ana", "Needs tending", "Designing", "Calm and kept"]
    assert titles(browser.get("/")) == attention
    assert titles(browser.get("/", {"sort": "attention"})) == attention
    newest = ["Designing", "Needs tending", "Calm and kept", "Waits on Ana"]
    assert titles(browser.get("/", {"sort": "newest"})) == newest
    assert titles(browser.get("/", {"sort": "name"})) == sorted(attention)
    assert titles(browser.get("/", {"sort": "loudest"})) == attention
    # Once its planned check-in comes, the calm one joins the one that needs tending.
    tomorrow = now().date() + timedelta(days=1)
    tending.rhythm_set(party=party_of(calm, ana), starts_on=tomorrow, at_time=time(9), rule="")
    with time_machine.travel(now() + timedelta(days=2)):
        assert titles(login(ana).get("/")) == [
            "Waits on Ana",
            "Needs tending",
            "Calm and kept",
            "Designing",
        ]


def rate(party, checkin, scores: list[str]) -> None:  # type: ignore[no-untyped-def]
    ids = [t["id"] for t in checkin.version.snapshot["terms"]]
    tending.checkin_answer(
        party=party,
        checkin_id=checkin.pk,
        ratings={i: (s, "") for i, s in zip(ids, scores, strict=True)},
    )


def test_each_card_tells_how_the_last_check_in_went(db):
    ana, ben, chloe = make_user("Ana"), make_user("Ben"), make_user("Chloe")
    kept = make_alliance(ana, title="Kept")
    join(kept, ben)
    propose(party_of(kept, ben), "We meet every second Monday.")
    propose(party_of(kept, ben), "We say what bothers us within a week.")
    ratify_with([party_of(kept, ana), party_of(kept, ben)])
    checkin = tending.checkin_start(party=party_of(kept, ana))
    rate(party_of(kept, ana), checkin, ["well", "well"])
    assert "working well" not in page_text(login(ana).get("/"))  # not complete yet
    rate(party_of(kept, ben), checkin, ["well", "tending"])
    alliance_with(ana, make_user("Dan"), "Never checked in", ratified=True)
    alliance_with(ana, make_user("Eve"), "Still designing")
    join(kept, chloe)

    page = login(ana).get("/")
    day = checkin.opened_at.strftime("%-d %b %Y")
    assert f"Last check-in {day}: 1 of 2 terms working well" in card_of(page, "Kept")
    assert "No check-in yet" in card_of(page, "Never checked in")
    assert "check-in" not in card_of(page, "Still designing").lower()
    # Chloe joined after it: how it went stays with those who rated.
    assert "working well" not in card_of(login(chloe).get("/"), "Kept")


def test_each_page_tells_how_the_last_check_in_of_its_own_alliances_went(db):
    """The health of a page is read for the parties of that page, a short last page too."""
    ana = make_user("Ana")
    ratings = {"A": ["well", "well"], "B": ["well", "tending"], "C": None, "D": ["okay", "well"]}
    for title, scores in ratings.items():
        alliance = alliance_with(ana, make_user(f"Client {title}"), title, ratified=True)
        if scores:
            checkin = tending.checkin_start(party=party_of(alliance, ana))
            for party, score in zip(alliance.parties.all(), scores, strict=True):
                rate(party, checkin, [score])

    def health_by_title(page: int) -> dict[str, tuple[int, int] | None]:
        shown = dashboard_for(ana, sort="name", page=page, per_page=3)
        return {
            e.alliance.title: e.health and (e.health.working_well, e.health.terms)
            for e in dashboard_entries(shown.cards)
        }

    assert health_by_title(1) == {"A": (1, 1), "B": (0, 1), "C": None}
    assert health_by_title(2) == {"D": (0, 1)}


def test_the_agenda_lists_the_next_thirty_days_by_day_in_my_time_zone(db):
    ana = make_user("Ana", time_zone="Pacific/Auckland")
    ben = make_user("Ben")
    zone = ZoneInfo("Pacific/Auckland")
    talks = alliance_with(ana, ben, "Talks with Ben", ratified=True)
    # 22:00 UTC is the next morning in Auckland.
    evening = (now() + timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)
    stake = plant(party_of(talks, ben), times=[evening], kind="checkin")
    conversations.stake_answer(
        party=party_of(talks, ana), stake_id=stake.pk, works=[stake.candidates.get().pk]
    )
    planned = alliance_with(ana, make_user("Chloe"), "Planned with Chloe", ratified=True)
    today = now().astimezone(zone).date()
    tending.rhythm_set(
        party=party_of(planned, ana), starts_on=today + timedelta(days=10), at_time=time(9), rule=""
    )
    far = alliance_with(ana, make_user("Dan"), "Far off with Dan", ratified=True)
    tending.rhythm_set(
        party=party_of(far, ana), starts_on=today + timedelta(days=40), at_time=time(9), rule=""
    )
    ended = alliance_with(ana, make_user("Fay"), "Ended with Fay", ratified=True)
    tending.rhythm_set(
        party=party_of(ended, ana), starts_on=today + timedelta(days=5), at_time=time(9), rule=""
    )
    close(ended)
    others = alliance_with(make_user("Olga"), make_user("Oscar"), "Not Ana's", ratified=True)
    tending.rhythm_set(
        party=others.parties.first(), starts_on=today + timedelta(days=2), at_time=time(9), rule=""
    )

    page = login(ana).get("/")
    local = evening.astimezone(zone)
    assert agenda_of(page) == [
        (
            local.strftime("%A %-d %B"),
            [f"{local:%H:%M} Check-in: Talks with Ben"],
        ),
        (
            (today + timedelta(days=10)).strftime("%A %-d %B"),
            ["09:00 Check-in: Planned with Chloe"],
        ),
    ]
    html = page.content.decode()
    assert f'href="/alliances/{talks.pk}/conversations/{stake.pk}/"' in html
    assert f'href="/alliances/{planned.pk}/"' in html
    # Ben, in UTC, reads the same conversation on the evening before.
    [(day, lines)] = agenda_of(login(ben).get("/"))
    assert day == evening.strftime("%A %-d %B")
    assert lines == ["22:00 Check-in: Talks with Ben"]


def test_the_agenda_holds_nothing_of_an_alliance_i_left(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    today = now().date()
    stayed = alliance_with(ana, make_user("Chloe"), "Stayed with Chloe", ratified=True)
    left = alliance_with(ben, ana, "Left by Ana", ratified=True)
    for alliance, days in ((stayed, 3), (left, 2)):
        tending.rhythm_set(
            party=party_of(alliance, alliance.parties.first().user),
            starts_on=today + timedelta(days=days),
            at_time=time(9),
            rule="",
        )
    browser = login(ana)
    assert len([line for _, lines in agenda_of(browser.get("/")) for line in lines]) == 2

    alliance_services.party_leave(party=party_of(left, ana))

    lines = [line for _, day_lines in agenda_of(browser.get("/")) for line in day_lines]
    assert lines == ["09:00 Check-in: Stayed with Chloe"]


def test_the_agenda_lists_the_nearest_when_much_is_planned(db, settings):
    settings.INVITATIONS_PER_HOUR = 1000
    ana = make_user("Ana")
    today = now().date()
    for n in range(AGENDA_LIMIT + 2):
        alliance = alliance_with(ana, make_user(f"Client {n}"), f"Client {n}", ratified=True)
        tending.rhythm_set(
            party=party_of(alliance, ana),
            starts_on=today + timedelta(days=1 + n % 28),
            at_time=time(9),
            rule="",
        )
    page = login(ana).get("/")
    lines = [line for _, day_lines in agenda_of(page) for line in day_lines]
    assert len(lines) == AGENDA_LIMIT
    assert "nearest are shown" in page_text(page)
    assert agenda_of(page)[0][0] == (today + timedelta(days=1)).strftime("%A %-d %B")


def test_an_observer_s_agenda_holds_only_the_conversations_that_include_them(db):
    ana, ben, sam = make_user("Ana"), make_user("Ben"), make_user("Sam")
    coaching = alliance_with(ana, ben, "Coaching Ben", ratified=True)
    observe(coaching, sam)
    soon = (now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    for kind, included in (("checkin", True), ("redesign", False)):
        stake = conversations.stake_plant(
            party=party_of(coaching, ana),
            kind=kind,
            times=[soon if included else soon + timedelta(days=1)],
            duration_minutes=60,
            includes_observers=included,
        )
        conversations.stake_answer(
            party=party_of(coaching, ben), stake_id=stake.pk, works=[stake.candidates.get().pk]
        )

    page = login(sam).get("/")
    lines = [line for _, day_lines in agenda_of(page) for line in day_lines]
    assert lines == ["10:00 Check-in: Coaching Ben"]
    html = page.content.decode()
    assert f'href="/alliances/{coaching.pk}/"' in html
    assert "/conversations/" not in html, "an observer's link goes to the alliance page"
    # The parties' agenda has both, each linking to its conversation.
    assert len([line for _, day in agenda_of(login(ben).get("/")) for line in day]) == 2
