"""A party who leaves keeps the versions they signed, read-only, and nothing else: not
the alliance page, its history, its export or its conversations, and no version
ratified after they left."""

from alliance.alliances.models import Party
from alliance.alliances.services import party_leave
from alliance.terms.selectors import left_alliances_for
from tests.conftest import login
from tests.factories import join, make_user, party_of, propose, ratify_with
from tests.helpers import page_text


def test_a_leaver_reads_the_versions_they_signed_and_nothing_after(cast):
    carla = make_user("Carla", "carla@example.org")
    carla_party = join(cast.alliance, carla, role="supervisor")
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party, carla_party])
    party_leave(party=party_of(cast.alliance, carla))
    propose(cast.coach_party, "Every session ends with one next step.")
    ratify_with([cast.coach_party, cast.client_party])

    browser = login(carla)
    base = f"/alliances/{cast.alliance.pk}"
    version = page_text(browser.get(f"{base}/versions/1/"))
    assert "We meet every other Tuesday." in version
    assert "Carla (supervisor)" in version
    listed = page_text(browser.get(f"{base}/versions/"))
    assert "The versions of Coaching: Ana and Ben you signed" in listed
    assert "Version 1" in listed
    assert "Version 2" not in listed
    assert browser.get(f"{base}/versions/2/").status_code == 404
    for path in ("/", "/history/", "/export.json", "/versions/compare/", "/conversations/"):
        assert browser.get(base + path).status_code == 404, path
    # Reading only: a post to the same pages is turned away like any outsider's.
    assert browser.post(f"{base}/versions/1/").status_code == 404
    [left] = left_alliances_for(carla)
    assert left.party.alliance == cast.alliance
    assert [v.number for v in left.versions] == [1]


def test_a_leaver_who_signed_nothing_gets_404(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    carla = make_user("Carla")
    join(cast.alliance, carla, role="supervisor")
    party_leave(party=party_of(cast.alliance, carla))
    browser = login(carla)
    assert browser.get(f"/alliances/{cast.alliance.pk}/versions/").status_code == 404
    assert browser.get(f"/alliances/{cast.alliance.pk}/versions/1/").status_code == 404
    assert left_alliances_for(carla) == []


def test_an_outsider_still_gets_404(cast, as_outsider):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    assert as_outsider.get(f"/alliances/{cast.alliance.pk}/versions/1/").status_code == 404
    assert as_outsider.get(f"/alliances/{cast.alliance.pk}/versions/").status_code == 404


def test_a_signer_who_comes_back_as_an_observer_still_reads_what_they_signed(cast):
    """Carla signed version 1, left, and came back as an observer. The parties show
    observers no versions; hers stay hers all the same, and nothing else does."""
    carla = make_user("Carla", "carla@example.org")
    carla_party = join(cast.alliance, carla, role="supervisor")
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party, carla_party])
    party_leave(party=party_of(cast.alliance, carla))
    propose(cast.coach_party, "Every session ends with one next step.")
    ratify_with([cast.coach_party, cast.client_party])
    join(cast.alliance, carla, role="sponsor", as_observer=True)

    browser = login(carla)
    base = f"/alliances/{cast.alliance.pk}"
    assert "We meet every other Tuesday." in page_text(browser.get(f"{base}/versions/1/"))
    listed = page_text(browser.get(f"{base}/versions/"))
    assert "Version 1" in listed
    assert "Version 2" not in listed
    assert browser.get(f"{base}/versions/2/").status_code == 404
    assert browser.get(f"{base}/versions/compare/").status_code == 404

    # And once she stops observing, she keeps them as any leaver does.
    party_leave(party=Party.present.get(alliance=cast.alliance, user=carla))
    assert "We meet every other Tuesday." in page_text(browser.get(f"{base}/versions/1/"))
    assert [v.number for v in left_alliances_for(carla)[0].versions] == [1]


def test_an_observer_who_never_signed_reads_no_version_the_parties_keep_to_themselves(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    sam = make_user("Sam")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    browser = login(sam)
    assert browser.get(f"/alliances/{cast.alliance.pk}/versions/").status_code == 404
    assert browser.get(f"/alliances/{cast.alliance.pk}/versions/1/").status_code == 404


def test_the_leavers_dashboard_leads_to_the_versions_they_signed(cast):
    """The leave page promises the versions stay theirs to read: the dashboard is where
    they find them again."""
    carla_party = join(cast.alliance, make_user("Carla"), role="supervisor")
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party, carla_party])
    party_leave(party=cast.client_party)
    propose(cast.coach_party, "Every session ends with one next step.")
    ratify_with([cast.coach_party, carla_party])
    page = login(cast.client).get("/").content.decode()
    assert f'href="/alliances/{cast.alliance.pk}/versions/1/"' in page
    assert f'href="/alliances/{cast.alliance.pk}/versions/2/"' not in page
    assert "Coaching: Ana and Ben" in page_text(login(cast.client).get("/"))
