"""A person whose browser's zone differs from their profile's is asked, once, whether to
switch; without the browser's word (no script) nothing is asked."""

import pytest
from django.test import Client

from tests.conftest import login
from tests.factories import make_user
from tests.helpers import page_text

QUESTION = "Your browser says Europe/Berlin; your profile says UTC. Switch?"


@pytest.fixture
def ana(db):
    return make_user("Ana", "ana@example.org")


def in_berlin(browser: Client) -> Client:
    browser.cookies["browser_time_zone"] = "Europe%2FBerlin"
    return browser


def test_a_browser_in_another_zone_is_asked_whether_to_switch(ana):
    browser = in_berlin(login(ana))
    page = page_text(browser.get("/"))
    assert QUESTION in page
    assert "Switch to Europe/Berlin" in page
    assert "Keep UTC" in page


def test_switching_takes_the_browsers_zone_and_returns_to_the_page(ana):
    browser = in_berlin(login(ana))
    response = browser.post(
        "/profile/time-zone/",
        {"time_zone": "Europe/Berlin", "answer": "switch", "next": "/profile/"},
    )
    assert response["Location"] == "/profile/"
    ana.refresh_from_db()
    assert ana.time_zone == "Europe/Berlin"
    page = page_text(browser.get("/profile/"))
    assert "Times are now shown in Europe/Berlin." in page
    assert "Your browser says" not in page


def test_keeping_the_profiles_zone_is_asked_once_across_sessions(ana):
    browser = in_berlin(login(ana))
    response = browser.post(
        "/profile/time-zone/", {"time_zone": "Europe/Berlin", "answer": "keep", "next": "/"}
    )
    assert response["Location"] == "/"
    ana.refresh_from_db()
    assert (ana.time_zone, ana.declined_time_zone) == ("UTC", "Europe/Berlin")
    assert "Your browser says" not in page_text(browser.get("/"))
    # A new session in the same zone is not asked again ...
    assert "Your browser says" not in page_text(in_berlin(login(ana)).get("/"))
    # ... a browser in yet another zone is.
    elsewhere = login(ana)
    elsewhere.cookies["browser_time_zone"] = "Asia%2FTokyo"
    assert "Your browser says Asia/Tokyo; your profile says UTC." in page_text(elsewhere.get("/"))


def test_nothing_is_asked_without_the_browsers_word_or_when_zones_agree(ana):
    assert "Your browser says" not in page_text(login(ana).get("/"))
    nonsense = login(ana)
    nonsense.cookies["browser_time_zone"] = "Mars%2FOlympus_Mons"
    assert "Your browser says" not in page_text(nonsense.get("/"))
    ana.time_zone = "Europe/Berlin"
    ana.save()
    assert "Your browser says" not in page_text(in_berlin(login(ana)).get("/"))
    assert "Your browser says" not in page_text(in_berlin(Client()).get("/accounts/login/"))


def test_an_unknown_zone_or_a_foreign_next_changes_nothing(ana):
    browser = login(ana)
    response = browser.post(
        "/profile/time-zone/",
        {"time_zone": "Mars/Olympus_Mons", "answer": "switch", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"
    ana.refresh_from_db()
    assert (ana.time_zone, ana.declined_time_zone) == ("UTC", "")
    assert browser.get("/profile/time-zone/").status_code == 405
