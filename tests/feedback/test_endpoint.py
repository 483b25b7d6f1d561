"""As-you-type feedback: POST /feedback/review/ and the flags fragment."""

from django.template.loader import render_to_string
from django.test import Client

from alliance.feedback.coach import review
from tests.conftest import login

URL = "/feedback/review/"


def test_anonymous_visitors_are_sent_to_log_in(db):
    response = Client().post(URL, {"text": "You never listen."})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_logged_in_person_gets_the_flags_as_json(cast):
    response = login(cast.client).post(URL, {"text": "You never listen to me."})
    assert response.status_code == 200
    flags = response.json()["flags"]
    assert [flag["kind"] for flag in flags] == ["blame", "absolute"]
    assert flags[0]["words"] == ["You never listen"]
    assert flags[0]["suggestion"].startswith("Try an I-statement")
    assert flags[0]["explanation"]


def test_missing_text_gets_no_flags(cast):
    assert login(cast.client).post(URL).json()["flags"] == []


def test_reading_the_endpoint_by_get_is_refused(cast):
    assert login(cast.client).get(URL, {"text": "You never listen."}).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.client)
    assert browser.post(URL, {"text": "You never listen."}).status_code == 403


def test_the_fragment_lists_each_flag_and_escapes_what_was_typed():
    html = render_to_string(
        "feedback/_flags.html", {"flags": review("You never <b>listen</b> to me.")}
    )
    assert 'class="feedback-flag feedback-flag-blame"' in html
    assert "<q>You never</q>" in html
    assert "&lt;b&gt;listen&lt;/b&gt;" in html
    assert "<b>" not in html


def test_the_fragment_is_empty_without_flags():
    assert render_to_string("feedback/_flags.html", {"flags": []}).strip() == ""


def test_the_as_you_type_script_is_served(cast):
    response = login(cast.client).get("/static/feedback/coach.js")
    assert response.status_code == 200
    assert b"data-feedback-coach" in b"".join(response.streaming_content)
