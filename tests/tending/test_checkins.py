"""Check-ins: rating every term, private reflections revealed together, keep or redesign."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from alliance.alliances.models import Event
from alliance.tending import services
from alliance.tending.models import Rhythm
from alliance.tending.rhythms import rule_build
from tests.conftest import login
from tests.tending.conftest import term_ids

SECRET = "Honestly I feel unheard in our sessions"


def rate(party, checkin, scores, reflection="", share=False):
    ids = term_ids_of(checkin)
    return services.checkin_answer(
        party=party,
        checkin_id=checkin.pk,
        ratings={i: (s, "") for i, s in zip(ids, scores, strict=True)},
        reflection=reflection,
        share=share,
    )


def term_ids_of(checkin):
    return [t["id"] for t in checkin.version.snapshot["terms"]]


def test_every_term_must_be_rated(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    with pytest.raises(ValidationError):
        services.checkin_answer(
            party=ratified.coach_party,
            checkin_id=checkin.pk,
            ratings={term_ids(ratified)[0]: ("well", "")},
        )
    assert not checkin.ratings.exists()


def test_an_unshared_reflection_is_seen_by_its_author_only(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=SECRET)
    rate(ratified.client_party, checkin, ["well", "well"], reflection="All good.", share=True)
    base = f"/alliances/{ratified.alliance.pk}"
    pages = [f"{base}/", f"{base}/checkins/", f"{base}/checkins/{checkin.pk}/", f"{base}/history/"]
    pages += [f"{base}/health/", f"{base}/signals/", "/"]
    assert SECRET in login(ratified.coach).get(f"{base}/checkins/{checkin.pk}/").content.decode()
    for viewer in (ratified.client, ratified.outsider):
        browser = login(viewer)
        for url in pages:
            assert SECRET not in browser.get(url).content.decode(), (viewer, url)


def test_shared_reflections_appear_only_when_everyone_has_shared(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    url = f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/"
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection=SECRET, share=True)
    assert SECRET not in login(ratified.client).get(url).content.decode()
    assert "1 of 2 shared" in login(ratified.client).get(url).content.decode()
    rate(ratified.client_party, checkin, ["well", "well"], reflection="All good.", share=True)
    assert SECRET in login(ratified.client).get(url).content.decode()


def test_a_shared_reflection_no_longer_changes(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "okay"], reflection="First.", share=True)
    with pytest.raises(ValidationError):
        rate(ratified.coach_party, checkin, ["well", "okay"], reflection="Second thoughts.")


def test_keeping_moves_the_rhythm_on_and_is_recorded(ratified, clock):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 3, 24),
        at_time=time(10),
        rule=rule_build(repeat="weeks", interval=2),
    )
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "well"])
    with pytest.raises(ValidationError):
        services.checkin_close(party=ratified.coach_party, checkin_id=checkin.pk, outcome="kept")
    rate(ratified.client_party, checkin, ["okay", "well"])
    services.checkin_close(party=ratified.client_party, checkin_id=checkin.pk, outcome="kept")
    assert Rhythm.objects.get().next_at.date() == date(2025, 4, 7)
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"checkin_started", "checkin_completed", "checkin_kept"} <= kinds


def test_a_redesign_marks_the_terms_that_need_tending(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    rate(ratified.coach_party, checkin, ["well", "tending"])
    rate(ratified.client_party, checkin, ["well", "okay"])
    response = login(ratified.client).post(
        f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/close/", {"outcome": "redesign"}
    )
    assert response.status_code == 302
    page = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/").content.decode()
    assert page.count("data-needs-tending") == 1
    assert "Needs tending" in page
    assert Event.objects.filter(kind="redesign_started").exists()


def test_checking_in_through_the_pages(ratified):
    ana = login(ratified.coach)
    base = f"/alliances/{ratified.alliance.pk}"
    started = ana.post(f"{base}/checkins/new/")
    assert started.status_code == 302
    ids = term_ids(ratified)
    saved = ana.post(
        started["Location"],
        {f"score-{ids[0]}": "well", f"score-{ids[1]}": "okay", "comment-1": "", "reflection": ""},
    )
    assert saved.status_code == 302
    incomplete = ana.post(started["Location"], {f"score-{ids[0]}": "well"})
    assert incomplete.status_code == 400
    assert "Rate every term" in incomplete.content.decode()


def test_a_refused_check_in_keeps_the_ratings_and_comments_typed(ratified):
    checkin = services.checkin_start(party=ratified.coach_party)
    first, second = term_ids_of(checkin)
    response = login(ratified.coach).post(
        f"/alliances/{ratified.alliance.pk}/checkins/{checkin.pk}/",
        {
            f"score-{first}": "well",
            f"score-{second}": "tending",
            f"comment-{second}": "I wait too long for replies lately.",
            "reflection": "",
            "share": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="score-{second}" value="tending" required checked' in html
    assert "I wait too long for replies lately." in html
