"""Personal access tokens on the profile: made with a name, a scope and an expiry, the
secret shown once in the answer to the POST that made it (never cached, never kept), the
list of one's tokens with what each did last, and revoking after a confirmation."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import AccessToken
from alliance.accounts.services import access_token_create
from tests.api.client import ApiClient
from tests.conftest import login
from tests.helpers import page_text

URL = "/profile/tokens/"
SECRET = re.compile(r"alliance_pat_[A-Za-z0-9_-]{20,}")  # a whole secret, not a hint


def make(browser, **fields):
    form = {"action": "create", "name": "CRM", "scope": "read", "expiry": "90", **fields}
    return browser.post(URL, form)


def secret_on(response) -> str:
    found = set(SECRET.findall(response.content.decode()))
    assert len(found) == 1, found
    return found.pop()


def test_the_profile_links_to_the_tokens_page(as_coach):
    assert 'href="/profile/tokens/"' in as_coach.get("/profile/").content.decode()
    page = as_coach.get(URL)
    assert page.status_code == 200
    assert "You have no tokens yet." in page_text(page)


def test_the_secret_is_shown_once_never_cached_and_works_as_a_bearer_token(cast, as_coach):
    made = make(as_coach, name="My CRM", scope="write")
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    secret = secret_on(made)
    text = page_text(made)
    assert "“My CRM”, shown only now" in text
    assert re.search(rf'curl -H "Authorization: Bearer {secret}" http\S+/api/v1/me', text)
    assert 'href="/api/v1/docs"' in made.content.decode()

    me = ApiClient(token=secret).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == cast.coach.email

    # Kept only as a fingerprint: not in the token's row, nor in the session.
    token = AccessToken.objects.get(user=cast.coach)
    assert secret not in str(list(AccessToken.objects.values_list()))
    assert token.hint == secret[: len(token.hint)]
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded())
    # The next visit lists it, without its secret.
    again = as_coach.get(URL)
    assert again["Cache-Control"] == "no-store"
    assert not SECRET.search(again.content.decode())
    assert token.hint in again.content.decode()
    assert "My CRM" in page_text(again)
    assert "Read and write" in page_text(again)


def test_a_read_token_may_read_but_not_write(cast, as_coach):
    secret = secret_on(make(as_coach, scope="read"))
    api = ApiClient(token=secret)
    assert api.get("/api/v1/me").status_code == 200
    refused = api.request("POST", "/api/v1/alliances", {"title": "No", "kind": "coaching"})
    assert refused.status_code == 403


@time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("fields", "expires_at"),
    [
        ({"expiry": "none"}, None),
        ({"expiry": "30"}, datetime(2027, 1, 4, 10, 0, tzinfo=UTC)),
        ({"expiry": "365"}, datetime(2027, 12, 5, 10, 0, tzinfo=UTC)),
        # The end of the chosen day where Ana lives (Berlin, UTC+1 in winter).
        (
            {"expiry": "date", "expires_on": "2027-01-31"},
            datetime(2027, 1, 31, 23, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_expiry_is_a_length_or_the_end_of_a_day(cast, fields, expires_at):
    cast.coach.time_zone = "Europe/Berlin"
    cast.coach.save(update_fields=["time_zone"])
    browser = login(cast.coach)
    response = make(browser, **fields)
    assert SECRET.search(response.content.decode()), page_text(response)
    assert AccessToken.objects.get(user=cast.coach).expires_at == expires_at


@time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 81}, "at most 80 characters"),
        ({"scope": "admin"}, "Select a valid choice"),
        ({"expiry": "7"}, "Select a valid choice"),
        ({"expiry": "date"}, "Choose the day it stops working."),
        ({"expiry": "date", "expires_on": "2026-12-04"}, "Choose an expiry in the future"),
        ({"expiry": "date", "expires_on": "9999-12-31"}, "Choose a day within 730 days"),
        ({"expiry": "date", "expires_on": "31/12/2026"}, "Enter a valid date."),
    ],
)
def test_bad_input_says_what_is_wrong_and_makes_nothing(cast, as_coach, fields, says):
    response = make(as_coach, **fields)
    assert response.status_code == 200
    assert says in page_text(response)
    assert not SECRET.search(response.content.decode())
    assert not AccessToken.objects.exists()


def test_the_list_says_what_each_token_may_do_and_did_last(cast, as_coach):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        used, secret = access_token_create(user=cast.coach, name="Backup", scope="read")
        ApiClient(token=secret).get("/api/v1/me")
        access_token_create(
            user=cast.coach,
            name="Old script",
            scope="write",
            expires_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        )
    access_token_create(user=cast.client, name="Ben's own", scope="read")
    text = page_text(as_coach.get(URL))
    assert f"Backup {used.hint}… Read Made 1 December 2026" in text
    assert "Never expires · Last used 1 December 2026, 09:00" in text
    assert "Old script" in text
    assert "Expired 2 December 2026, 09:00 · Never used" in text
    assert "Ben's own" not in text


def test_revoking_asks_first_then_the_token_is_refused(cast, as_coach):
    token, secret = access_token_create(user=cast.coach, name="CRM", scope="read")
    api = ApiClient(token=secret)
    assert api.get("/api/v1/me").status_code == 200

    listed = as_coach.get(URL).content.decode()
    assert f'href="?revoke={token.pk}#revoke"' in listed
    question = as_coach.get(f"{URL}?revoke={token.pk}")
    assert "Revoke “CRM”?" in page_text(question)
    assert "refused from the moment you revoke it" in page_text(question)
    assert api.get("/api/v1/me").status_code == 200  # asking changed nothing

    done = as_coach.post(URL, {"action": "revoke", "token": token.pk}, follow=True)
    assert "“CRM” is revoked" in page_text(done)
    assert "Revoked" in page_text(done)
    assert api.get("/api/v1/me").status_code == 401
    # Revoked, it is no longer offered for revoking.
    assert "?revoke=" not in as_coach.get(URL).content.decode()


def test_nobody_revokes_or_sees_someone_elses_token(cast, as_client):
    token, secret = access_token_create(user=cast.coach, name="Ana's CRM", scope="read")
    question = as_client.get(f"{URL}?revoke={token.pk}")
    assert "Ana's CRM" not in page_text(question)
    assert as_client.post(URL, {"action": "revoke", "token": token.pk}).status_code == 404
    assert as_client.post(URL, {"action": "revoke", "token": "2" * 30}).status_code == 404
    assert as_client.post(URL, {"action": "revoke"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(token=secret).get("/api/v1/me").status_code == 200


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def queries_for(browser) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(URL).status_code == 200
    return len(queries)


def test_the_page_reads_the_same_number_of_queries_for_1_or_20_tokens(cast, as_coach):
    access_token_create(user=cast.coach, name="Token 0", scope="read")
    one = queries_for(as_coach)
    for n in range(1, 20):
        access_token_create(user=cast.coach, name=f"Token {n}", scope="write")
    assert queries_for(as_coach) == one


def test_the_expiry_date_field_offers_a_calendar(as_coach):
    html = as_coach.get(URL).content.decode()
    assert re.search(r'<input type="date" name="expires_on"', html)
