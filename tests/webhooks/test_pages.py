"""The pages of webhooks: a person's own endpoints on their profile, and where an
alliance's events go, for its parties."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.webhooks import services
from alliance.webhooks.models import Delivery, Endpoint
from alliance.webhooks.services import deliver_due
from tests.conftest import login
from tests.factories import join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db


def test_add_an_endpoint_see_its_secret_test_it_and_read_its_deliveries(receiver):
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="Coaching")
    browser = login(ana)
    page = browser.get("/profile/webhooks/")
    assert page.status_code == 200
    assert "Coaching" in page.content.decode(), "her alliances are offered"
    response = browser.post(
        "/profile/webhooks/",
        {"endpoint_url": receiver.url, "alliance": alliance.pk, "events": ["term.proposed"]},
    )
    hook = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/profile/webhooks/{hook.pk}/"
    assert hook.alliance == alliance
    detail = browser.get(response["Location"]).content.decode()
    assert hook.secret in detail
    assert "Nothing sent yet." in detail

    browser.post(f"/profile/webhooks/{hook.pk}/", {"action": "test"})
    assert receiver.verified(hook.secret)[0]["type"] == "ping"
    propose(party_of(alliance, ana), "We meet weekly.")
    deliver_due()
    detail = browser.get(f"/profile/webhooks/{hook.pk}/").content.decode()
    assert "term.proposed" in detail
    assert "ping" in detail
    assert detail.count("data-attempt") == 2
    delivery = Delivery.objects.get(event_type="term.proposed")
    browser.post(f"/profile/webhooks/{hook.pk}/", {"action": "redeliver", "delivery": delivery.pk})
    delivery.refresh_from_db()
    assert delivery.state == "queued"


def test_a_private_address_is_refused_on_the_form(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    ana = make_user("Ana")
    response = login(ana).post(
        "/profile/webhooks/", {"endpoint_url": "http://10.0.0.7/hook", "events": ["term.proposed"]}
    )
    assert response.status_code == 200
    assert "private, loopback or reserved" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_edit_turn_off_and_delete():
    ana = make_user("Ana")
    hook = services.endpoint_create(
        user=ana, url="https://hooks.example.org/a", events=["term.proposed"]
    )
    browser = login(ana)
    url = f"/profile/webhooks/{hook.pk}/"
    response = browser.post(
        url,
        {
            "action": "save",
            "endpoint_url": "https://hooks.example.org/b",
            "events": ["signal.raised", "checkin.due"],
            "description": "Team chat",
        },
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.org/b"
    assert hook.events == ["checkin.due", "signal.raised"]
    assert not hook.is_active, "the box left unticked turns it off"
    assert "https://hooks.example.org/b" in browser.get(f"{url}delete/").content.decode()
    assert browser.post(f"{url}delete/").status_code == 302
    assert not Endpoint.objects.exists()


def test_someone_elses_endpoint_pages_are_404():
    ana, olga = make_user("Ana"), make_user("Olga")
    hook = services.endpoint_create(
        user=ana, url="https://hooks.example.org/a", events=["term.proposed"]
    )
    browser = login(olga)
    for path in (f"/profile/webhooks/{hook.pk}/", f"/profile/webhooks/{hook.pk}/delete/"):
        assert browser.get(path).status_code == 404
        assert browser.post(path, {"action": "test"}).status_code == 404
    assert hook.secret not in browser.get("/profile/webhooks/").content.decode()
    assert Endpoint.objects.filter(pk=hook.pk).exists()


def test_every_party_sees_where_the_alliances_events_go():
    ana, ben, sam, olga = (make_user(n) for n in ("Ana", "Ben", "Sam", "Olga"))
    alliance = make_alliance(ana)
    join(alliance, ben)
    join(alliance, sam, as_observer=True)
    services.endpoint_create(
        user=ana, url="https://hooks.example.org/T0KEN?key=s3cret", events=["term.proposed"]
    )
    path = f"/alliances/{alliance.pk}/webhooks/"
    page = login(ben).get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ana" in text
    assert "https://hooks.example.org" in text
    assert "T0KEN" not in text
    assert "s3cret" not in text
    for user in (sam, olga):
        assert login(user).get(path).status_code == 404
    assert f'href="{path}"' in login(ana).get(f"/alliances/{alliance.pk}/").content.decode()


def test_pages_cost_the_same_for_1_and_20_endpoints_and_deliveries(receiver):
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    me = party_of(alliance, ana)
    hook = services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    browser = login(ana)
    pages = [
        f"/profile/webhooks/{hook.pk}/",
        "/profile/webhooks/",
        f"/alliances/{alliance.pk}/webhooks/",
    ]

    def queries() -> list[int]:
        counts = []
        for path in pages:
            with CaptureQueriesContext(connection) as captured:
                assert browser.get(path).status_code == 200
            counts.append(len(captured))
        return counts

    propose(me, "Term 0.")
    deliver_due()
    one = queries()
    for i in range(1, 20):
        propose(me, f"Term {i}.")
        services.endpoint_create(user=ana, url=receiver.url, events=["signal.raised"])
    deliver_due(limit=50)
    assert queries() == one
