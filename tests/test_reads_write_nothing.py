"""Reading a page changes nothing in the database.

A write on every GET (a session saved each time, a "last seen" stamp, a cache entry) would
make each page view queue for SQLite's single write lock behind every other one, and the
pages served per second through gunicorn would collapse (bench/run.py). Nor may a GET
open a transaction: on SQLite those begin IMMEDIATE and take that same write lock.
"""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliance.accounts.selectors import BROWSER_TIME_ZONE_COOKIE
from alliance.tending import services as tending
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import propose, ratify_with

# A query read in chunks (`.iterator()`) is a SELECT behind a server-side cursor on
# PostgreSQL: still a read.
READ = re.compile(r'\s*(DECLARE "\w+" NO SCROLL CURSOR (WITH HOLD )?FOR )?SELECT\b', re.I)


def writes_on_get(client: Client, url: str) -> list[str]:
    """The statements other than reads that answering a GET of `url` ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in queries if not READ.match(q["sql"])]


def test_reading_the_pages_of_an_alliance_writes_nothing(cast):
    propose(cast.coach_party, "We meet every second Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    checkin = tending.checkin_start(party=cast.coach_party)
    tending.signal_raise(party=cast.client_party, note="This needs a look.")
    stake = plant(cast.client_party)
    share(cast.client_party, stake, first_prompt(stake), "I want calm sessions.")
    base = f"/alliances/{cast.alliance.pk}/"
    conversation = f"{base}conversations/{stake.pk}/"
    pages = [
        "/",
        base,
        base + "history/",
        base + "health/",
        base + "signals/",
        base + "checkins/",
        f"{base}checkins/{checkin.pk}/",
        base + "versions/",
        base + "versions/1/",
        base + "conversations/",
        conversation,
        conversation + "board/",
        "/profile/",
        "/profile/calendar/",
    ]
    for user in (cast.coach, cast.client):
        client = login(user)
        # A browser in another zone than the profile's: the page asks about it.
        client.cookies[BROWSER_TIME_ZONE_COOKIE] = "Asia/Tokyo"
        for url in pages:
            for visit in ("first", "again"):
                assert writes_on_get(client, url) == [], f"GET {url} ({visit} visit) wrote"


def test_reading_the_sign_in_page_writes_nothing(db):
    assert writes_on_get(Client(), "/accounts/login/") == []
