"""The API's ground rules: who may call, what a token may do, how refusals read, how lists
page, and the document that describes it all."""

import pytest
from django.test import Client
from openapi_spec_validator import validate

from alliance.accounts.models import AccessToken, TokenScope
from alliance.accounts.services import access_token_revoke
from alliance.api.access import ACCESS_KINDS
from alliance.lib.clock import now
from tests.api.client import ApiClient
from tests.factories import PASSWORD, join, make_alliance, make_user

pytestmark = pytest.mark.django_db


def test_the_document_is_valid_openapi_3_1_and_every_operation_says_what_it_refuses():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # openapi-spec-validator: a second reader of the document
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "422"} <= {str(code) for code in responses}, (method, path)
            problem = responses.get("401") or responses[401]
            assert "application/problem+json" in problem["content"]
            # Whom it answers, for the persona sweep; and it is never open to anyone.
            assert operation.get("x-alliance-access") in ACCESS_KINDS, (method, path)
            assert operation.get("security"), (method, path)


def test_docs_are_served_by_the_app_itself_with_no_other_site():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "http://" not in html.replace('"/', "")
    assert "https://" not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_me_with_a_token_says_who_and_what_it_may_do():
    ana = make_user("Ana")
    body = ApiClient(ana, scope=TokenScope.READ).get("/api/v1/me").json()
    assert body["name"] == "Ana"
    assert body["scope"] == "read"
    assert body["token_name"] == "tests"


def test_no_token_a_wrong_one_a_revoked_one_and_an_expired_one_are_401_problems():
    ana = make_user("Ana")
    anonymous = ApiClient().get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["status"] == 401
    assert ApiClient(token="alliance_pat_nonsense").get("/api/v1/me").status_code == 401
    client = ApiClient(ana)
    token = AccessToken.objects.get(user=ana)
    access_token_revoke(user=ana, token_id=token.pk)
    assert client.get("/api/v1/me").status_code == 401
    expiring = ApiClient(ana)
    AccessToken.objects.filter(revoked_at__isnull=True).update(expires_at=now())
    assert expiring.get("/api/v1/me").status_code == 401


def test_a_read_token_reads_and_is_refused_every_write_with_nothing_changed():
    ana = make_user("Ana")
    reader = ApiClient(ana, scope=TokenScope.READ)
    response = reader.post(
        "/api/v1/alliances",
        {"title": "Coaching", "kind": "coaching", "purpose": "", "role_label": "coach"},
    )
    assert response.status_code == 403
    assert "only read" in response.json()["detail"]
    assert reader.get("/api/v1/alliances").json()["items"] == []


def test_the_session_of_a_signed_in_browser_works_and_needs_csrf_to_write():
    ana = make_user("Ana")
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(email=ana.email, password=PASSWORD)
    api = ApiClient(session=browser)
    assert api.get("/api/v1/me").json()["scope"] == "write"
    new = {"title": "Coaching", "kind": "coaching", "purpose": "", "role_label": "coach"}
    assert api.post("/api/v1/alliances", new).status_code == 403
    browser.get("/profile/")  # a page sets the CSRF cookie, as in a browser
    csrf = browser.cookies["csrftoken"].value
    assert api.post("/api/v1/alliances", new, **{"X-CSRFToken": csrf}).status_code == 201


def test_an_outsider_gets_404_exactly_as_for_nothing_at_all():
    ana, outsider = make_user("Ana"), make_user("Eve")
    alliance = make_alliance(ana)
    stranger = ApiClient(outsider)
    seen = stranger.get(f"/api/v1/alliances/{alliance.pk}")
    nothing = stranger.get("/api/v1/alliances/999999")
    assert seen.status_code == nothing.status_code == 404
    assert seen.json() == nothing.json()
    unknown = Client().get("/api/v1/no/such/thing")  # no operation of the document
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"


def test_validation_errors_name_the_field():
    response = ApiClient(make_user("Ana")).post(
        "/api/v1/alliances", {"title": "x", "kind": "nonsense", "role_label": "coach"}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["kind"]
    blank = ApiClient(make_user("Ben")).post(
        "/api/v1/alliances", {"title": "   ", "kind": "coaching", "role_label": "coach"}
    )
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "title"


def test_alliances_page_by_cursor_and_a_forged_cursor_is_a_clear_422():
    ana = make_user("Ana")
    for n in range(5):
        make_alliance(ana, title=f"Alliance {n}")
    client = ApiClient(ana)
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/v1/alliances?limit=2{'&cursor=' + cursor if cursor else ''}")
        body = page.json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Alliance {n}" for n in range(5)]
    forged = client.get("/api/v1/alliances?cursor=bm90IGEgY3Vyc29y")
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"


def test_renaming_with_an_old_revision_is_a_409_with_both_texts_and_changes_nothing():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="First")
    join(alliance, ben)
    url = f"/api/v1/alliances/{alliance.pk}"
    renamed = ApiClient(ana).patch(url, {"revision": 1, "title": "Second"})
    assert renamed.json()["title"] == "Second"
    late = ApiClient(ben).patch(url, {"revision": 1, "title": "Third"})
    assert late.status_code == 409
    assert late.json()["current"]["title"] == "Second"
    assert late.json()["sent"]["title"] == "Third"
    assert ApiClient(ben).get(url).json()["title"] == "Second"
