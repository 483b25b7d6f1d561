"""Webhooks through the API: a person's own endpoints, their deliveries, and for every party
of an alliance, where its events go. Every response is checked against the OpenAPI
document (ApiClient)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope
from alliance.alliances import services as alliance_services
from alliance.webhooks import services
from alliance.webhooks.models import Delivery, Endpoint
from alliance.webhooks.services import deliver_due
from tests.api.client import ApiClient
from tests.factories import join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ana, ben, olga, sam = (make_user(n) for n in ("Ana", "Ben", "Olga", "Sam"))
    alliance = make_alliance(ana, title="Coaching")
    join(alliance, ben)
    join(alliance, sam, as_observer=True)
    return ana, ben, olga, sam, alliance


def create(client, url, **extra):
    body = {"endpoint_url": url, "events": ["term.proposed", "version.ratified"], **extra}
    return client.post("/api/v1/webhooks", body)


def test_add_read_change_and_delete_an_endpoint(people, receiver):
    ana, *_rest, alliance = people
    api = ApiClient(ana)
    created = create(api, receiver.url, alliance_id=alliance.pk, description="CRM")
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["alliance_id"] == alliance.pk
    assert body["active"] is True
    assert api.get(body["url"]).json()["secret"] == body["secret"]
    assert [e["id"] for e in api.get("/api/v1/webhooks").json()] == [body["id"]]
    changed = api.patch(body["url"], {"events": ["signal.raised"], "active": False})
    assert changed.status_code == 200
    assert changed.json()["events"] == ["signal.raised"]
    assert changed.json()["active"] is False
    assert changed.json()["endpoint_url"] == receiver.url, "what was left out stays"
    assert api.delete(body["url"]).status_code == 204
    assert not Endpoint.objects.exists()
    assert api.get(body["url"]).status_code == 404


def test_someone_elses_endpoint_is_404_like_a_missing_one(people, receiver):
    ana, ben, olga, *_ = people
    hook = services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    for user in (ben, olga):
        api = ApiClient(user)
        base = f"/api/v1/webhooks/{hook.pk}"
        for response in (
            api.get(base),
            api.patch(base, {"description": "mine now"}),
            api.delete(base),
            api.post(f"{base}/test"),
            api.get(f"{base}/deliveries"),
        ):
            assert response.status_code == 404
        assert api.get("/api/v1/webhooks").json() == []
    hook.refresh_from_db()
    assert hook.description == ""
    assert receiver.count() == 0


def test_bad_input_is_422_naming_the_field_and_changes_nothing(people, settings):
    ana, _ben, olga, sam, alliance = people
    api = ApiClient(ana)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for body, field in (
        ({"endpoint_url": "http://127.0.0.1:8000/x", "events": ["term.proposed"]}, "endpoint_url"),
        ({"endpoint_url": "ftp://example.org/x", "events": ["term.proposed"]}, "endpoint_url"),
        ({"endpoint_url": "https://example.org/x", "events": []}, "events"),
        ({"endpoint_url": "https://example.org/x", "events": ["term.eaten"]}, "events"),
        ({"endpoint_url": "https://example.org/x" + "x" * 500, "events": []}, "endpoint_url"),
    ):
        response = api.post("/api/v1/webhooks", body)
        assert response.status_code == 422, body
        assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}, body
    # An alliance the caller does not design: an outsider's, or one they only observe.
    other = make_alliance(olga)
    for alliance_id in (other.pk, 999_999):
        response = create(ApiClient(ana), "https://example.org/x", alliance_id=alliance_id)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "alliance_id"
    response = create(ApiClient(sam), "https://example.org/x", alliance_id=alliance.pk)
    assert response.status_code == 422
    assert not Endpoint.objects.exists()


def test_a_read_token_reads_but_adds_nothing(people):
    ana, *_ = people
    reader = ApiClient(ana, scope=TokenScope.READ)
    assert reader.get("/api/v1/webhooks").status_code == 200
    assert create(reader, "https://example.org/x").status_code == 403
    assert not Endpoint.objects.exists()


def test_test_event_answers_with_its_attempt(people, receiver):
    ana, *_ = people
    api = ApiClient(ana)
    hook = create(api, receiver.url).json()
    response = api.post(f"{hook['url']}/test")
    assert response.status_code == 200
    body = response.json()
    assert body["event_type"] == "ping"
    assert body["state"] == "delivered"
    (attempt,) = body["log"]
    assert attempt["status_code"] == 204
    assert attempt["response_ms"] >= 0
    assert receiver.verified(hook["secret"])[0]["type"] == "ping"


def test_deliveries_page_with_every_attempt_and_constant_queries(people, receiver):
    ana, _ben, _olga, _sam, alliance = people
    api = ApiClient(ana)
    hook = create(api, receiver.url).json()
    me = party_of(alliance, ana)

    def page_queries() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"{hook['deliveries_url']}?limit=50")
        assert response.status_code == 200
        return len(queries), response.json()

    propose(me, "Term 0.")
    deliver_due()
    one, body = page_queries()
    assert len(body["items"]) == 1
    assert body["items"][0]["log"][0]["status_code"] == 204
    for i in range(1, 20):
        propose(me, f"Term {i}.")
    deliver_due(limit=50)
    twenty, body = page_queries()
    assert len(body["items"]) == 20
    assert twenty == one
    # Newest first, paged by cursor.
    first = api.get(f"{hook['deliveries_url']}?limit=15").json()
    rest = api.get(f"{hook['deliveries_url']}?limit=15&cursor={first['next_cursor']}").json()
    ids = [d["id"] for d in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 20
    assert rest["next_cursor"] is None


def test_redeliver_queues_it_again(people, receiver):
    ana, _ben, _olga, _sam, alliance = people
    api = ApiClient(ana)
    hook = create(api, receiver.url).json()
    propose(party_of(alliance, ana), "We meet weekly.")
    deliver_due()
    delivery = api.get(hook["deliveries_url"]).json()["items"][0]
    again = api.post(delivery["redeliver_url"])
    assert again.status_code == 202
    assert again.json()["state"] == "queued"
    assert api.post(delivery["redeliver_url"]).status_code == 422, "it is on its way already"
    deliver_due()
    assert receiver.message_ids() == [delivery["message_id"]] * 2
    other = make_user("Other")
    assert ApiClient(other).post(delivery["redeliver_url"]).status_code == 404


def test_every_party_sees_where_the_alliances_events_go_and_nobody_else(people):
    ana, ben, olga, sam, alliance = people
    services.endpoint_create(
        user=ana, url="https://hooks.example.org/in/T0KEN?key=s3cret", events=["term.proposed"]
    )
    services.endpoint_create(user=olga, url="https://olga.example.org/x", events=["term.proposed"])
    path = f"/api/v1/alliances/{alliance.pk}/webhooks"
    for user in (ana, ben):
        response = ApiClient(user).get(path)
        assert response.status_code == 200
        (row,) = response.json()
        assert row["added_by"] == "Ana"
        assert row["added_by_me"] is (user == ana)
        assert row["host"] == "https://hooks.example.org"
        assert row["all_alliances"] is True
        assert "s3cret" not in response.content.decode()
        assert "T0KEN" not in response.content.decode()
        assert "secret" not in row
    invitee = make_user("Ivy")
    alliance_services.invitation_create(party=party_of(alliance, ana), email=invitee.email)
    for user in (olga, sam, invitee):
        assert ApiClient(user).get(path).status_code == 404
    alliance_services.party_leave(party=party_of(alliance, ben))
    assert ApiClient(ben).get(path).status_code == 404
    assert ApiClient(ana).get("/api/v1/alliances/999999/webhooks").status_code == 404


def test_the_alliance_list_costs_the_same_for_1_and_20_endpoints(people):
    ana, _ben, _olga, _sam, alliance = people
    api = ApiClient(ana)
    path = f"/api/v1/alliances/{alliance.pk}/webhooks"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    services.endpoint_create(user=ana, url="https://example.org/0", events=["term.proposed"])
    api.get(path)  # the token's first use is written down once
    one = queries()
    for i in range(1, 20):
        services.endpoint_create(user=ana, url=f"https://example.org/{i}", events=["term.proposed"])
    assert queries() == one
    assert len(api.get(path).json()) == 20
    assert len(ApiClient(ana).get("/api/v1/webhooks").json()) == 20


def test_deliveries_of_a_turned_off_endpoint_are_not_sent(people, receiver):
    ana, _ben, _olga, _sam, alliance = people
    api = ApiClient(ana)
    hook = create(api, receiver.url).json()
    propose(party_of(alliance, ana), "We meet weekly.")
    api.patch(hook["url"], {"active": False})
    deliver_due()
    assert receiver.count() == 0
    assert Delivery.objects.get().state == "cancelled"
