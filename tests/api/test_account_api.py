"""The caller's own account through the API: their access tokens (listed, revoked) and the
erasure of the account, with the same confirmation as the page."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import AccessToken, TokenScope, User
from alliance.record.verify import verify_alliance
from alliance.starting.models import Template
from tests.api.client import ApiClient, token_for
from tests.factories import PASSWORD, make_alliance, propose, ratify_with

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/me/tokens"


# Tokens -------------------------------------------------------------------------------


def test_my_tokens_are_listed_without_their_secrets(cast):
    secret = token_for(cast.client, TokenScope.READ, name="Calendar assistant")
    client = ApiClient(cast.client)
    token_for(cast.coach, name="Ana's CRM")
    response = client.get(TOKENS)
    body = response.json()
    assert [t["name"] for t in body["items"]] == ["tests", "Calendar assistant"]
    tests, calendar = body["items"]
    assert tests["this_token"] is True
    assert calendar["this_token"] is False
    assert calendar["scope"] == "read"
    assert calendar["hint"] == secret[: len(calendar["hint"])]
    assert calendar["usable"] is True
    assert calendar["revoked_at"] is None
    text = response.content.decode()
    assert secret not in text
    assert client.token not in text
    for stored in AccessToken.objects.values_list("token_hash", flat=True):
        assert stored not in text
    assert "Ana's CRM" not in text


def test_revoking_a_token_stops_it_at_once(cast):
    secret = token_for(cast.client, name="Old script")
    old = AccessToken.objects.get(name="Old script")
    client = ApiClient(cast.client)
    response = client.delete(f"{TOKENS}/{old.pk}")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["usable"] is False
    assert ApiClient(token=secret).get("/api/v1/me").status_code == 401
    # Revoking again changes nothing, and the list still shows it, revoked.
    assert (
        client.delete(f"{TOKENS}/{old.pk}").json()["revoked_at"] == (response.json()["revoked_at"])
    )
    listed = {t["name"]: t for t in client.get(TOKENS).json()["items"]}
    assert listed["Old script"]["usable"] is False


def test_a_token_may_revoke_itself_and_is_401_from_then_on(cast):
    client = ApiClient(cast.client)
    me = next(t for t in client.get(TOKENS).json()["items"] if t["this_token"])
    assert client.delete(me["url"]).status_code == 200
    assert client.get(TOKENS).status_code == 401


def test_someone_elses_token_is_404_and_keeps_working(cast):
    anas = token_for(cast.coach, name="Ana's CRM")
    ana_token = AccessToken.objects.get(name="Ana's CRM")
    ben = ApiClient(cast.client)
    missing = ben.delete(f"{TOKENS}/999999")
    theirs = ben.delete(f"{TOKENS}/{ana_token.pk}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert ApiClient(token=anas).get("/api/v1/me").status_code == 200


def test_a_read_token_lists_tokens_but_revokes_none(cast):
    reader = ApiClient(cast.client, scope=TokenScope.READ)
    [mine] = reader.get(TOKENS).json()["items"]
    assert reader.delete(mine["url"]).status_code == 403
    assert AccessToken.objects.get(pk=mine["id"]).revoked_at is None


def test_tokens_page_by_cursor_and_cost_the_same_at_one_or_twenty(cast):
    client = ApiClient(cast.client)
    client.get(TOKENS)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(TOKENS).json()["items"]) == 1
    for n in range(19):
        token_for(cast.client, name=f"Script {n}")
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(TOKENS).json()["items"]) == 20
    assert len(twenty) == len(one)
    page = client.get(f"{TOKENS}?limit=12").json()
    rest = client.get(f"{TOKENS}?limit=12&cursor={page['next_cursor']}").json()
    names = [t["name"] for t in page["items"] + rest["items"]]
    assert len(names) == len(set(names)) == 20


# Erasure ------------------------------------------------------------------------------


def test_a_wrong_confirmation_names_the_field_and_erases_nothing(cast):
    client = ApiClient(cast.client)
    wrong_email = client.post(
        "/api/v1/me/erase", {"email": "ana@example.org", "password": PASSWORD}
    )
    assert wrong_email.status_code == 422
    assert [e["field"] for e in wrong_email.json()["errors"]] == ["email"]
    wrong_password = client.post(
        "/api/v1/me/erase", {"email": "ben@example.org", "password": "guess"}
    )
    assert [e["field"] for e in wrong_password.json()["errors"]] == ["password"]
    no_password = client.post("/api/v1/me/erase", {"email": "ben@example.org"})
    assert [e["field"] for e in no_password.json()["errors"]] == ["password"]
    assert "Nothing was erased" in wrong_password.json()["detail"]
    cast.client.refresh_from_db()
    assert cast.client.erased_at is None
    assert client.get("/api/v1/me").status_code == 200


def test_erasing_over_the_api_keeps_the_record_verifiable_and_ends_every_token(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    make_alliance(cast.client, title="Ben alone")
    Template.objects.create(owner=cast.client, name="Ben's own", kind="coaching")
    other_token = token_for(cast.client, TokenScope.READ, name="Calendar")
    client = ApiClient(cast.client)
    mail.outbox.clear()

    response = client.post("/api/v1/me/erase", {"email": "Ben@Example.org", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["alliances_kept"] == ["Coaching: Ana and Ben"]
    assert body["alliances_deleted"] == ["Ben alone"]
    assert body["people_told"] == 1
    assert body["pseudonym"]
    ben = User.objects.get(pk=cast.client.pk)
    assert ben.erased_at is not None
    assert any("ana@example.org" in m.to for m in mail.outbox)
    report = verify_alliance(cast.alliance)
    assert report.intact, report.problems
    assert not AccessToken.objects.filter(user=ben).exists()
    assert not Template.objects.filter(owner=ben).exists()
    assert client.get("/api/v1/me").status_code == 401
    assert ApiClient(token=other_token).get("/api/v1/me").status_code == 401


def test_erasing_through_the_session_signs_the_browser_out(cast):
    browser = Client()
    assert browser.login(email="ben@example.org", password=PASSWORD)
    api = ApiClient(session=browser)
    erased = api.post("/api/v1/me/erase", {"email": "ben@example.org", "password": PASSWORD})
    assert erased.status_code == 200
    assert api.get("/api/v1/me").status_code == 401


def test_without_a_password_the_address_alone_confirms(cast):
    cast.client.set_unusable_password()
    cast.client.save(update_fields=["password"])
    response = ApiClient(cast.client).post("/api/v1/me/erase", {"email": "ben@example.org"})
    assert response.status_code == 200
    cast.client.refresh_from_db()
    assert cast.client.erased_at is not None


def test_a_read_token_may_not_erase(cast):
    reader = ApiClient(cast.client, scope=TokenScope.READ)
    response = reader.post("/api/v1/me/erase", {"email": "ben@example.org", "password": PASSWORD})
    assert response.status_code == 403
    cast.client.refresh_from_db()
    assert cast.client.erased_at is None


def test_a_confirmation_too_long_is_refused_naming_it(cast):
    response = ApiClient(cast.client).post(
        "/api/v1/me/erase", {"email": "b" * 255, "password": PASSWORD}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
