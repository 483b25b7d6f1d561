"""Nothing of an alliance is visible outside its parties.

The walk below covers every URL pattern of the project, so a view added later without
the party check fails here.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from alliance.alliances.models import Invitation
from alliance.conversations import services
from alliance.tending import services as tending_services
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import make_alliance, party_of, propose, ratify_with

# URL names that are not about one alliance, with why they may answer outsiders.
NOT_ALLIANCE_URLS = {
    "home": "the person's own dashboard",
    "profile": "the person's own profile",
    "alliance_new": "creates a new alliance",
    "invitation_accept": "the token is the permission; tested in test_invitations",
    "feedback_review": "reviews only the text it is sent; tested in tests/feedback",
    "notification_preferences": "the person's own email choices",
    "unsubscribe": "the signed token is the permission; tested in tests/outbox",
    "calendar_settings": "the person's own calendar feed address",
    "calendar_feed": "the secret token is the permission; tested in tests/tending/test_calendar",
}


def walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += walk(entry, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


def project_patterns() -> list[tuple[str, URLPattern]]:
    return [
        (route, p)
        for route, p in walk(get_resolver())
        if not route.startswith(("accounts/", "admin/")) and route != "static/<path:path>"
    ]


def build(route: str, values: dict[str, int]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        assert name in values, f"the access test does not know how to fill <{name}> in {route}"
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.fixture
def alliance_urls(cast) -> list[str]:
    term = propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    invitation = Invitation.objects.filter(alliance=cast.alliance).first()
    stake = plant(cast.coach_party)
    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want our sessions to feel honest.")
    share(cast.client_party, stake, prompt, "I want honest and calm sessions.")
    checkin = tending_services.checkin_start(party=cast.coach_party)
    signal = tending_services.signal_raise(party=cast.coach_party, note="We drift.")
    values = {
        "checkin_id": checkin.pk,
        "signal_id": signal.pk,
        "alliance_id": cast.alliance.pk,
        "term_id": term.pk,
        "number": 1,
        "invitation_id": invitation.pk,
        "stake_id": stake.pk,
        "prompt_id": prompt.pk,
        "reflection_id": stake.reflections.first().pk,
    }
    urls = []
    for route, pattern in project_patterns():
        if "<int:alliance_id>" in route:
            urls.append(build(route, values))
        else:
            assert pattern.name in NOT_ALLIANCE_URLS, (
                f"{route} ({pattern.name}) is neither an alliance URL nor listed as one "
                "that may answer people outside an alliance"
            )
    assert len(urls) >= 12
    return urls


def test_every_alliance_url_is_404_for_an_outsider(cast, alliance_urls):
    outsider = login(cast.outsider)
    for url in alliance_urls:
        for method in (outsider.get, outsider.post):
            response = method(url)
            assert response.status_code == 404, (
                f"{method.__name__.upper()} {url} answered {response.status_code}"
            )
            body = response.content.decode()
            assert "Coaching" not in body
            assert "honest" not in body


def test_every_alliance_url_sends_an_anonymous_visitor_to_log_in(cast, alliance_urls):
    anonymous = Client()
    for url in alliance_urls:
        for method in (anonymous.get, anonymous.post):
            response = method(url)
            assert response.status_code == 302, f"{url} answered {response.status_code}"
            assert response["Location"].startswith("/accounts/login/")


def test_a_party_reaches_every_alliance_url(cast, alliance_urls):
    party = login(cast.client)
    for url in alliance_urls:
        response = party.get(url)
        assert response.status_code in (200, 405), f"GET {url} answered {response.status_code}"


def test_an_alliance_that_does_not_exist_looks_like_one_you_may_not_see(cast):
    outsider = login(cast.outsider)
    assert outsider.get(f"/alliances/{cast.alliance.pk}/").status_code == 404
    assert outsider.get("/alliances/999999/").status_code == 404


def test_the_dashboard_lists_only_ones_own_alliances(cast):
    page = login(cast.outsider).get("/").content.decode()
    assert "Coaching: Ana and Ben" not in page
    assert "Coaching: Ana and Ben" in login(cast.client).get("/").content.decode()


def test_a_party_cannot_act_on_another_alliances_terms_or_invitations(cast):
    other = make_alliance(cast.outsider, title="Olga's team")
    foreign_term = propose(party_of(other, cast.outsider), "Olga's private term")
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}"
    assert ana.get(f"{base}/terms/{foreign_term.pk}/edit/").status_code == 404
    ana.post(f"{base}/terms/{foreign_term.pk}/consent/", {"decision": "agree", "revision": 1})
    ana.post(f"{base}/terms/{foreign_term.pk}/withdraw/", {"revision": 1})
    foreign_term.refresh_from_db()
    assert foreign_term.status == "active"
    assert foreign_term.consents.count() == 1


def test_admin_lists_open_for_staff_and_never_show_invitation_tokens(cast):
    from alliance.accounts.models import User

    admin = User.objects.create_superuser("root@example.org", "a-long-test-password-9")
    browser = Client()
    browser.force_login(admin)
    for url in [
        "/admin/accounts/user/",
        "/admin/alliances/alliance/",
        "/admin/alliances/invitation/",
        "/admin/alliances/event/",
        f"/admin/alliances/invitation/{Invitation.objects.first().pk}/change/",
    ]:
        response = browser.get(url)
        assert response.status_code == 200, url
        assert Invitation.objects.first().token_hash not in response.content.decode()
