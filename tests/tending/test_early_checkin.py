"""Checking in before the next scheduled check-in: in its place, or as an extra one."""

from datetime import UTC, date, datetime, time

import pytest

from alliance.alliances.models import Event
from alliance.tending import services
from alliance.tending.models import CheckIn, Rhythm
from alliance.tending.rhythms import rule_build
from tests.conftest import login
from tests.tending.conftest import term_ids

# Every two weeks from Tuesday 25 March 2025, 10:00 UTC; today is Thursday 20 March.
NEXT = datetime(2025, 3, 25, 10, 0, tzinfo=UTC)
AFTER = datetime(2025, 4, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def planned(ratified):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 3, 25),
        at_time=time(10),
        rule=rule_build(repeat="weeks", interval=2),
    )
    return ratified


def _rate_and_close(cast, checkin: CheckIn) -> None:
    ratings = {term_id: ("well", "") for term_id in term_ids(cast)}
    for party in (cast.coach_party, cast.client_party):
        services.checkin_answer(party=party, checkin_id=checkin.pk, ratings=ratings)
    services.checkin_close(party=cast.coach_party, checkin_id=checkin.pk, outcome="kept")


def _next_at(cast) -> datetime:
    return Rhythm.objects.get(alliance=cast.alliance).next_at


def test_an_early_check_in_in_place_of_the_next_uses_that_date_up(planned):
    checkin = services.checkin_start(party=planned.coach_party)
    assert checkin.due_at == NEXT
    _rate_and_close(planned, checkin)
    assert _next_at(planned) == AFTER


def test_an_extra_early_check_in_leaves_the_next_date_where_it_is(planned):
    checkin = services.checkin_start(party=planned.coach_party, extra=True)
    assert checkin.due_at is None
    _rate_and_close(planned, checkin)
    assert _next_at(planned) == NEXT
    assert Event.objects.filter(kind="checkin_started", data__extra=True).exists()


def test_a_due_check_in_answers_the_scheduled_one_even_if_called_extra(planned, clock):
    clock.move_to(datetime(2025, 3, 25, 11, 0, tzinfo=UTC))
    checkin = services.checkin_start(party=planned.coach_party, extra=True)
    assert checkin.due_at == NEXT
    _rate_and_close(planned, checkin)
    assert _next_at(planned) == AFTER


def test_the_alliance_page_asks_before_the_due_date(planned):
    url = f"/alliances/{planned.alliance.pk}/"
    page = login(planned.client).get(url).content.decode()
    assert f'href="{url}checkins/new/"' in page
    question = login(planned.client).get(f"{url}checkins/new/").content.decode()
    assert "Instead of the next check-in" in question
    assert "As an extra check-in" in question
    assert "Tuesday 25 March 2025, 10:00" in question
    assert not CheckIn.objects.exists()


def test_a_post_without_a_choice_asks_and_opens_nothing(planned):
    url = f"/alliances/{planned.alliance.pk}/checkins/new/"
    assert login(planned.client).post(url).status_code == 200
    assert login(planned.client).post(url, {"when": "both"}).status_code == 400
    assert not CheckIn.objects.exists()


def test_choosing_extra_opens_a_check_in_and_says_the_next_date_stays(planned):
    url = f"/alliances/{planned.alliance.pk}/checkins/new/"
    response = login(planned.client).post(url, {"when": "extra"}, follow=True)
    assert "the next one stays on Tuesday 25 March 2025, 10:00" in response.content.decode()
    assert CheckIn.objects.get().due_at is None


def test_choosing_replace_opens_the_scheduled_check_in(planned):
    url = f"/alliances/{planned.alliance.pk}/checkins/new/"
    response = login(planned.client).post(url, {"when": "replace"}, follow=True)
    assert "takes the place of the one on Tuesday 25 March" in response.content.decode()
    assert CheckIn.objects.get().due_at == NEXT


def test_no_question_once_the_check_in_is_due(planned, clock):
    clock.move_to(datetime(2025, 3, 25, 10, 30, tzinfo=UTC))
    url = f"/alliances/{planned.alliance.pk}/"
    page = login(planned.client).get(url).content.decode()
    assert f'action="{url}checkins/new/"' in page
    response = login(planned.client).post(f"{url}checkins/new/")
    assert response.status_code == 302
    assert CheckIn.objects.get().due_at == NEXT


def test_no_question_without_a_planned_check_in(ratified):
    response = login(ratified.client).post(f"/alliances/{ratified.alliance.pk}/checkins/new/")
    assert response.status_code == 302
    assert CheckIn.objects.get().due_at is None


def test_the_check_in_page_says_which_planned_check_in_it_is(planned):
    replacing = services.checkin_start(party=planned.coach_party)
    url = f"/alliances/{planned.alliance.pk}/checkins/{replacing.pk}/"
    html = login(planned.client).get(url).content.decode()
    assert "It is the check-in planned for Tuesday 25 March 2025, 10:00." in html


def test_an_extra_check_in_page_claims_no_planned_date(planned):
    extra = services.checkin_start(party=planned.coach_party, extra=True)
    url = f"/alliances/{planned.alliance.pk}/checkins/{extra.pk}/"
    assert "It is the check-in planned for" not in login(planned.client).get(url).content.decode()
