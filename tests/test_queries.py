"""Pages run a fixed number of queries, however much an alliance holds."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    assert cast.alliance.versions.count() == 10
    large = count_queries(ana, url)
    assert large == small, f"{small} queries with 1 term, {large} with 50 terms and 10 versions"


def test_dashboard_queries_do_not_grow_with_alliances(db):
    ana = make_user("Ana")
    ben = make_user("Ben")
    from tests.factories import join, party_of

    first = make_alliance(ana, title="First")
    join(first, ben)
    propose(party_of(first, ana), "One term")
    client = login(ana)
    one = count_queries(client, "/")
    for n in range(8):
        alliance = make_alliance(ana, title=f"Alliance {n}")
        join(alliance, ben)
        propose(party_of(alliance, ben), "Another term")
    many = count_queries(client, "/")
    assert many == one


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
