"""A closed alliance is read-only and quiet: every write through its pages is refused
with a reason and changes nothing, every page that reads still opens, and the periodic
work (nudges of every provider, check-in reminders, calendar feeds) leaves it alone."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from alliance.alliances.models import ObserverAllowance, Party
from alliance.conversations import services as conversation_services
from alliance.outbox.nudges import nudges_due
from alliance.tending import services as tending_services
from alliance.tending.feeds import feed_events_for
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import (
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)
from tests.helpers import page_text
from tests.routes import ROUTES, project_patterns, route_of, url_for
from tests.scene import CURRENT_PARTIES, csrf_token, scene_fixture, snapshot, snapshot_diff

# The routes of closing itself: on a closed alliance they reopen it.
CLOSING_ROUTES = {name for name in ROUTES if name.startswith("closing_")}
# Routes that act on a closed alliance without changing it: saving it as a template (the
# person's own), and withdrawing what observers see (the service refuses a new grant).
ACT_WHEN_CLOSED = CLOSING_ROUTES | {"template_save", "observer_allowance"}
READS = [
    "alliance_detail",
    "alliance_history",
    "alliance_export",
    "alliance_export_markdown",
    "alliance_export_pdf",
    "alliance_print",
    "version_list",
    "version_detail",
    "version_export_markdown",
    "version_export_pdf",
    "version_print",
    "version_compare",
    "conversation_list",
    "conversation_detail",
    "checkin_list",
    "checkin_detail",
    "signal_list",
    "alliance_health",
    "closing_detail",
]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


@pytest.fixture
def closed_scene(scene, db):
    parties = [
        Party.objects.select_related("alliance", "user").get(
            alliance=scene.alliance, user=scene.users[persona]
        )
        for persona in CURRENT_PARTIES
    ]
    close_with(*parties)
    return scene


def test_every_write_to_a_closed_alliance_is_refused_and_changes_nothing(closed_scene):
    scene = closed_scene
    browser = scene.client("party")
    token = csrf_token(browser, "party")
    home = f"/alliances/{scene.alliance.pk}/"
    before = snapshot(scene.alliance.pk)
    walked = []
    for route, name in project_patterns():
        spec = route_of(name, route)
        if spec.scope != "alliance" or name in ACT_WHEN_CLOSED:
            continue
        url = url_for(scene, "party", route, name)
        response = browser.post(url, {**spec.form(scene), "csrfmiddlewaretoken": token})
        assert response.status_code == 302, f"{url}: {response.status_code}"
        assert response["Location"] == home, url
        walked.append(name)
        changed = snapshot_diff(before, snapshot(scene.alliance.pk))
        assert not changed, f"{url} changed {changed}"
    assert len(walked) >= 40
    assert "This alliance is closed: its record can be read, not changed." in page_text(
        browser.get(home)
    )


def test_every_page_of_a_closed_alliance_still_reads(closed_scene):
    scene = closed_scene
    patterns = dict((name, route) for route, name in project_patterns())
    for persona in CURRENT_PARTIES:
        browser = scene.client(persona)
        for name in READS:
            response = browser.get(url_for(scene, persona, patterns[name], name))
            assert response.status_code == 200, f"{persona} {name}: {response.status_code}"
    page = page_text(scene.client("party").get(f"/alliances/{scene.alliance.pk}/"))
    assert "Closed on" in page


@pytest.mark.parametrize("name", ["alliance_detail", "signal_list", "prompt_library"])
def test_a_closed_alliance_offers_no_form_that_would_change_it(closed_scene, name):
    scene = closed_scene
    route = dict((n, r) for r, n in project_patterns())[name]
    html = scene.client("party").get(url_for(scene, "party", route, name)).content.decode()
    forms = re.findall(r"<form[^>]*>", html)
    # Only signing out, saving the alliance as a template, withdrawing what observers see
    # (never giving it), and on the alliance's page the way to reopen it (a link).
    kept = ("logout", "save-as-template", "observers/allowance")
    assert [f for f in forms if not any(k in f for k in kept)] == []
    assert 'name="agreed" value="yes"' not in html


def test_after_closing_observers_may_come_to_see_less_never_more(closed_scene):
    scene = closed_scene
    browser = scene.client("party")
    token = csrf_token(browser, "party")
    url = f"/alliances/{scene.alliance.pk}/observers/allowance/"
    party = Party.objects.get(alliance=scene.alliance, user=scene.users["party"])
    agreed = ObserverAllowance.objects.filter(party=party)
    assert agreed.filter(grant="versions").exists()
    browser.post(url, {"grant": "versions", "agreed": "no", "csrfmiddlewaretoken": token})
    assert not agreed.filter(grant="versions").exists()
    response = browser.post(
        url, {"grant": "versions", "agreed": "yes", "csrfmiddlewaretoken": token}, follow=True
    )
    assert "This alliance is closed" in page_text(response)
    assert not agreed.filter(grant="versions").exists()


START = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)


@dataclass
class Busy:
    ana: Party
    ben: Party


@pytest.fixture
def busy(db):
    """An alliance with something waiting on Ben from every nudge provider, a check-in
    planned with its reminders ahead, and a conversation in the calendar."""
    with time_machine.travel(START, tick=False):
        alliance = make_alliance(make_user("Ana"))
        ben = join(alliance, make_user("Ben"))
        ana = party_of(alliance, alliance.created_by)
        propose(ana, "We meet every other Tuesday.")
        ratify_with([ana, ben])
        tending_services.rhythm_set(
            party=ana, starts_on=date(2025, 3, 28), at_time=time(10), rule="FREQ=WEEKLY"
        )
        propose(ana, "We answer within a day.")  # terms: waits on Ben
        plant(ana)  # times: wait on Ben
        scheduled = plant(ana)
        conversation_services.stake_answer(
            party=ben, stake_id=scheduled.pk, works=[c.pk for c in scheduled.candidates.all()]
        )
        share(ana, scheduled, first_prompt(scheduled), "What I hope for.")  # reflections
        tending_services.checkin_start(party=ana)  # checkins: Ben has not rated
        yield Busy(ana=party_of(alliance, ana.user), ben=party_of(alliance, ben.user))


def test_a_closed_alliance_nudges_reminds_and_feeds_nobody(busy):
    later = START + timedelta(days=2, hours=1)
    ben = busy.ben.user
    waiting = {item.provider for item, _ in nudges_due(later) if item.user == ben}
    assert waiting == {"terms", "times", "reflections", "checkins"}
    assert len(feed_events_for(ben)) == 2  # the check-in and the conversation
    close_with(busy.ana, busy.ben)
    assert nudges_due(later) == []
    assert tending_services.checkin_reminders_due(datetime(2025, 3, 25, 0, 30, tzinfo=UTC)) == []
    assert feed_events_for(ben) == []
    closed_on = re.compile(r"Closed \d+ \w+ \d{4}")
    assert not closed_on.search(page_text(login(ben).get("/"))), "listed under Closed only"
    dashboard = page_text(login(ben).get("/?status=closed"))
    assert closed_on.search(dashboard)
    assert "term needs your consent" not in dashboard
    assert "say which suit you" not in dashboard
