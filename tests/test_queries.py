"""Pages run a fixed number of queries, however much an alliance holds."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.tending import services as tending
from alliance.terms import services
from tests.conftest import login
from tests.factories import make_alliance, make_user, propose, ratify_with


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_alliance_page_queries_do_not_grow_with_terms_and_versions(cast):
    ana = login(cast.coach)
    url = f"/alliances/{cast.alliance.pk}/"
    propose(cast.coach_party, "Term 0")
    ratify_with([cast.coach_party, cast.client_party])
    _check_in_and_signal(cast, rounds=1)
    small = count_queries(ana, url)

    for n in range(1, 50):
        propose(cast.coach_party, f"Term {n}")
    for round_ in range(10):
        ratify_with([cast.coach_party, cast.client_party])
        cast.alliance.refresh_from_db()
        term = cast.alliance.terms.filter(status="active").first()
        services.term_edit(
            party=cast.coach_party,
            term_id=term.pk,
            revision=term.revision,
            category=term.category,
            text=f"Edited in round {round_}",
        )
    assert cast.alliance.terms.filter(status="active").count() == 50
    assert cast.alliance.versions.count() == 11
    _check_in_and_signal(cast)
    large = count_queries(ana, url)
    assert large == small, (
        f"{small} queries with 1 term, {large} with 50 terms, 10 versions and check-ins"
    )


def _check_in_and_signal(cast, rounds: int = 3) -> None:
    """Closed check-ins rating every term, an open one, and open signals."""
    for n in range(rounds):
        checkin = tending.checkin_start(party=cast.coach_party)
        ids = [t["id"] for t in checkin.version.snapshot["terms"]]
        for party in (cast.coach_party, cast.client_party):
            tending.checkin_answer(
                party=party,
                checkin_id=checkin.pk,
                ratings={i: ("tending", "") for i in ids},
                reflection="Mine.",
                share=True,
            )
        if n < rounds - 1:
            tending.checkin_close(party=cast.coach_party, checkin_id=checkin.pk, outcome="redesign")
        tending.signal_raise(party=cast.client_party, note=f"Signal {n}", term_id=ids[0])


def test_tending_pages_query_counts_are_fixed(cast):
    propose(cast.coach_party, "Term 0")
    ratify_with([cast.coach_party, cast.client_party])
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}/"
    pages = [base, base + "health/", base + "signals/", base + "checkins/", "/"]
    _check_in_and_signal(cast, rounds=1)
    small = {url: count_queries(ana, url) for url in pages}
    for n in range(1, 30):
        propose(cast.coach_party, f"Term {n}")
    cast.alliance.refresh_from_db()
    ratify_with([cast.coach_party, cast.client_party])
    _check_in_and_signal(cast, rounds=4)
    large = {url: count_queries(ana, url) for url in pages}
    assert large == small


def test_dashboard_queries_do_not_grow_with_alliances(db):
    ana = make_user("Ana")
    ben = make_user("Ben")
    from tests.factories import join, party_of

    first = make_alliance(ana, title="First")
    join(first, ben)
    propose(party_of(first, ana), "One term")
    ratify_with([party_of(first, ana), party_of(first, ben)])
    tending.signal_raise(party=party_of(first, ben), note="Needs a look")
    tending.checkin_start(party=party_of(first, ana))
    talk(party_of(first, ben), party_of(first, ana))
    client = login(ana)
    one = count_queries(client, "/")
    for n in range(8):
        alliance = make_alliance(ana, title=f"Alliance {n}")
        join(alliance, ben)
        propose(party_of(alliance, ben), "Another term")
        talk(party_of(alliance, ben), party_of(alliance, ana))
    ratify_with([party_of(alliance, ana), party_of(alliance, ben)])
    tending.signal_raise(party=party_of(alliance, ben), note="Needs a look")
    tending.checkin_start(party=party_of(alliance, ana))
    many = count_queries(client, "/")
    assert many == one
    page = client.get("/").content.decode()
    assert page.count('data-conversation-wait="times"') == 9
    assert page.count('data-conversation-wait="reflections"') == 9


def talk(proposer, other) -> None:  # type: ignore[no-untyped-def]
    """A proposed conversation in which `proposer` shared a reflection already."""
    from tests.conversations.factories import first_prompt, plant, share

    stake = plant(proposer)
    share(proposer, stake, first_prompt(stake), "I want calm sessions.")


def test_version_pages_query_counts_are_fixed(cast):
    for n in range(5):
        propose(cast.coach_party, f"Term {n}")
    ratify_with([cast.coach_party, cast.client_party])
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}/versions/"
    first = {u: count_queries(ana, u) for u in [base, base + "1/", base + "compare/"]}
    for n in range(3):
        cast.alliance.refresh_from_db()
        propose(cast.coach_party, f"More {n}")
        ratify_with([cast.coach_party, cast.client_party])
    later = {u: count_queries(ana, u) for u in [base, base + "1/", base + "compare/?from=1&to=4"]}
    assert list(first.values())[:2] == list(later.values())[:2]


def test_record_exports_query_counts_do_not_grow_with_terms_and_versions(cast):
    propose(cast.coach_party, "Term 0")
    ratify_with([cast.coach_party, cast.client_party])
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}/"
    tails = ("export.md", "export.pdf", "print/")
    urls = [base + tail for tail in tails] + [f"{base}versions/1/{tail}" for tail in tails]
    small = [count_queries(ana, url) for url in urls]
    for n in range(1, 40):
        propose(cast.coach_party, f"Term {n}")
    for _ in range(3):
        cast.alliance.refresh_from_db()
        ratify_with([cast.coach_party, cast.client_party])
        cast.alliance.refresh_from_db()
        term = cast.alliance.terms.filter(status="active").first()
        services.term_edit(
            party=cast.coach_party,
            term_id=term.pk,
            revision=term.revision,
            category=term.category,
            text=f"Edited {term.revision}",
        )
    cast.alliance.refresh_from_db()
    ratify_with([cast.coach_party, cast.client_party])
    urls = [url.replace("versions/1/", "versions/5/") for url in urls]
    large = [count_queries(ana, url) for url in urls]
    assert large == small, dict(zip(urls, zip(small, large, strict=True), strict=True))


def test_conversation_page_queries_do_not_grow_with_reflections(cast):
    from alliance.conversations import services as conversations
    from alliance.conversations.selectors import prompts_of
    from tests.conversations.factories import plant, share

    stake = plant(cast.coach_party)
    conversations.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    ana = login(cast.coach)
    url = f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/"
    prompts = prompts_of(cast.alliance, stake_kind=stake.kind)
    share(cast.coach_party, stake, prompts[0], "I want calm, honest sessions.")
    few = count_queries(ana, url + f"?prompt={prompts[0].pk}")
    for prompt in prompts[1:]:
        share(cast.coach_party, stake, prompt, f"My answer to {prompt.text}")
        share(cast.client_party, stake, prompt, f"Ben's answer to {prompt.text}")
    many = count_queries(ana, url + f"?prompt={prompts[1].pk}")
    assert many == few, f"{few} queries with one reflection, {many} with {2 * len(prompts) - 1}"


def test_dashboard_queries_stay_fixed_at_two_hundred_alliances_and_with_filters(db, settings):
    """A coach with two hundred clients: the dashboard, searched, filtered or not, runs the
    queries it ran for one alliance, and loads only the page it shows."""
    from tests.factories import join, party_of

    settings.INVITATIONS_PER_HOUR = 1000
    ana = make_user("Ana")
    first = make_alliance(ana, title="Alliance 0")
    talk(propose_as(join(first, make_user("Client 0"))), party_of(first, ana))
    client = login(ana)
    pages = [
        "/",
        "/?q=alliance",
        "/?status=designing",
        "/?waiting=on",
        "/?page=2",
        "/?kind=coaching",
        "/?status=closed",
        "/?sort=newest",
        "/?sort=name",
        "/?sort=name&page=3",
    ]
    one = {url: count_queries(client, url) for url in pages}
    for n in range(1, 200):
        alliance = make_alliance(ana, title=f"Alliance {n}")
        other = propose_as(join(alliance, make_user(f"Client {n}")))
        if n % 10 == 0:
            talk(other, party_of(alliance, ana))
    many = {url: count_queries(client, url) for url in pages}
    assert many == one
    assert client.get("/?waiting=on").content.decode().count('class="title"') == 25


def propose_as(party):  # type: ignore[no-untyped-def]
    """`party` proposes a term that waits on the others' answer; the party, for chaining."""
    propose(party, f"A term {party.user.name} proposes")
    return party


# Every filter and order of the dashboard, each on the first and a later page.
DASHBOARD_URLS = [
    f"/?{query}{page}"
    for query in [
        "",
        "q=alliance&",
        "kind=team&",
        "status=designing&",
        "status=active&",
        "status=checkin_due&",
        "status=needs_tending&",
        "status=closed&",
        "waiting=on&",
        "sort=newest&",
        "sort=name&",
    ]
    for page in ["page=1", "page=2"]
]


def test_dashboard_and_agenda_queries_stay_fixed_with_every_shape_of_alliance(db, settings):
    """One alliance of each shape the dashboard tells apart (designing with a
    conversation, kept with a check-in done and more planned, closed, observed), then
    two hundred of them all: every filter, order and page, with the agenda and the
    health of each card, runs the queries it ran for the first four."""
    from datetime import time, timedelta

    from alliance.alliances.models import Alliance, Kind, Party
    from alliance.alliances.selectors import AGENDA_LIMIT
    from alliance.conversations import services as conversations
    from alliance.lib.clock import now
    from tests.conversations.factories import plant
    from tests.factories import join, party_of

    settings.INVITATIONS_PER_HOUR = 1000
    ana = make_user("Ana")
    tomorrow = now().date() + timedelta(days=1)

    def designing(n: int) -> None:
        alliance = make_alliance(ana, title=f"Alliance {n}")
        propose_as(join(alliance, make_user(f"Client {n}")))

    def talking(n: int) -> None:
        alliance = make_alliance(ana, title=f"Alliance {n}")
        talk(propose_as(join(alliance, make_user(f"Client {n}"))), party_of(alliance, ana))

    def kept(n: int) -> None:
        alliance = make_alliance(ana, title=f"Alliance {n}", kind=Kind.TEAM)
        mine, theirs = party_of(alliance, ana), propose_as(join(alliance, make_user(f"T{n}")))
        ratify_with([mine, theirs])
        checkin = tending.checkin_start(party=mine)
        for party in (mine, theirs):
            [term] = checkin.version.snapshot["terms"]
            tending.checkin_answer(
                party=party, checkin_id=checkin.pk, ratings={term["id"]: ("well", "")}
            )
        tending.rhythm_set(party=mine, starts_on=tomorrow, at_time=time(9), rule="")
        tending.signal_raise(party=theirs, note="Needs a look")
        stake = plant(theirs)
        conversations.stake_answer(
            party=mine, stake_id=stake.pk, works=[stake.candidates.first().pk]
        )
        propose(theirs, "One more term to agree")

    def closed(n: int) -> None:
        alliance = make_alliance(ana, title=f"Alliance {n}")
        propose_as(join(alliance, make_user(f"Former {n}")))
        Alliance.objects.filter(pk=alliance.pk).update(closed_at=now())

    def observed(n: int) -> None:
        alliance = make_alliance(make_user(f"Coach {n}"), title=f"Alliance {n}")
        propose_as(join(alliance, make_user(f"Coachee {n}")))
        Party.everyone.create(alliance=alliance, user=ana, role_label="sponsor", is_observer=True)

    # The costly shapes are one in eight: two hundred alliances built in seconds.
    shapes = [talking, kept, closed, observed, designing, designing, designing, designing]
    for n, shape in enumerate(shapes[:4]):
        shape(n)
    client = login(ana)
    few = {url: count_queries(client, url) for url in DASHBOARD_URLS}
    for n in range(4, 200):
        shapes[n % len(shapes)](n)
    many = {url: count_queries(client, url) for url in DASHBOARD_URLS}
    assert many == few
    page = client.get("/").content.decode()
    assert page.count('class="title"') == 25
    # Twenty-five conversations and twenty-five check-ins ahead: the nearest, as many as
    # it lists.
    assert page.count("data-agenda-item") == AGENDA_LIMIT
    assert "1 of 1 term working well" in page
    assert client.get("/?status=closed").content.decode().count('class="title"') == 25
