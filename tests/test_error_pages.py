""" "Not found" and "something went wrong" in the app's layout: a way back, the skip link,
and nothing that tells an outsider an alliance exists."""

import re

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.conftest import Cast

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def test_a_missing_page_has_the_layout_a_way_back_and_a_skip_link(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Nothing here</h1>" in html
    assert '<a class="skip-link" href="#content">Skip to the content</a>' in html
    assert 'id="content"' in html
    assert '<nav aria-label="Main">' in html
    assert ">To the front page</a>" in html


def test_an_outsider_cannot_tell_an_alliance_from_one_that_does_not_exist(cast: Cast):
    client = Client()
    client.force_login(cast.outsider)
    existing = client.get(f"/alliances/{cast.alliance.pk}/history/")
    missing = client.get(f"/alliances/{cast.alliance.pk + 1000}/history/")
    assert existing.status_code == missing.status_code == 404
    assert "Your alliances" in existing.content.decode()  # the outsider's own menu
    assert CSRF_TOKEN.sub("", existing.content.decode()) == CSRF_TOKEN.sub(
        "", missing.content.decode()
    )


def test_the_error_page_renders_without_a_database_or_a_request_context():
    """Django renders 500.html with no context at all; this test has no database either
    (pytest-django refuses any query), as when the database is what failed."""
    response = server_error(RequestFactory().get("/alliances/1/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in html
    assert '<a class="skip-link" href="#content">Skip to the content</a>' in html
    assert "/static/alliance/alliance.css" in html
    # No menu: without a request it cannot know who is signed in.
    assert "<nav" not in html
    assert "Log out" not in html


@pytest.mark.django_db
def test_a_signed_in_person_keeps_their_menu_on_a_missing_page(cast: Cast):
    client = Client()
    client.force_login(cast.client)
    html = client.get("/no-such-page/").content.decode()
    assert "Log out" in html
    assert ">Your alliances</a>" in html
