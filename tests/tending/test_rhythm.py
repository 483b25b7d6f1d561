"""The check-in rhythm: a local time that stays put across daylight-saving changes."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from alliance.accounts.models import User
from alliance.alliances.models import Event
from alliance.tending import services
from alliance.tending.models import Rhythm
from alliance.tending.rhythms import rule_build
from tests.conftest import login
from tests.factories import party_of
from tests.helpers import page_text


def berlin(cast) -> None:
    User.objects.filter(pk=cast.coach.pk).update(time_zone="Europe/Berlin")


def test_a_ten_oclock_check_in_stays_at_ten_across_both_clock_changes(ratified, clock):
    berlin(ratified)
    rhythm = services.rhythm_set(
        party=party_of(ratified.alliance, ratified.coach),
        starts_on=date(2025, 3, 27),
        at_time=time(10, 0),
        rule=rule_build(repeat="weeks", interval=1),
    )
    assert rhythm.time_zone == "Europe/Berlin"
    assert rhythm.next_at == datetime(2025, 3, 27, 9, 0, tzinfo=UTC)  # 10:00 CET
    after_spring = services.rhythm_next(rhythm, rhythm.next_at)
    assert after_spring == datetime(2025, 4, 3, 8, 0, tzinfo=UTC)  # 10:00 CEST
    october = services.rhythm_next(rhythm, datetime(2025, 10, 20, tzinfo=UTC))
    assert october == datetime(2025, 10, 23, 8, 0, tzinfo=UTC)  # still summer time
    november = services.rhythm_next(rhythm, october)
    assert november == datetime(2025, 10, 30, 9, 0, tzinfo=UTC)  # winter time again


def test_a_monthly_weekday_rhythm_starts_on_its_first_matching_day(ratified, clock):
    rhythm = services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 4, 1),
        at_time=time(9, 30),
        rule=rule_build(repeat="weekday", ordinal=2, weekday="TU"),
    )
    assert rhythm.starts_on == date(2025, 4, 8)
    assert services.rhythm_next(rhythm, rhythm.next_at).date() == date(2025, 5, 13)
    assert Event.objects.filter(kind="rhythm_set").exists()


def test_a_check_in_in_the_past_is_refused(ratified, clock):
    with pytest.raises(ValidationError):
        services.rhythm_set(
            party=ratified.coach_party, starts_on=date(2025, 3, 1), at_time=time(10), rule=""
        )


def test_each_party_sees_the_next_check_in_in_their_own_time_zone(ratified, clock):
    berlin(ratified)
    User.objects.filter(pk=ratified.client.pk).update(time_zone="America/New_York")
    page = login(ratified.coach).post(
        f"/alliances/{ratified.alliance.pk}/rhythm/",
        {"starts_on": "2025-04-10", "at_time": "10:00", "repeat": "weeks", "interval": "6"},
    )
    assert page.status_code == 302
    url = f"/alliances/{ratified.alliance.pk}/"
    assert "Thursday 10 April 2025, 10:00" in login(ratified.coach).get(url).content.decode()
    assert "Thursday 10 April 2025, 04:00" in login(ratified.client).get(url).content.decode()
    assert "every 6 weeks" in login(ratified.client).get(url).content.decode()


def test_the_version_page_offers_to_plan_the_check_in(ratified):
    page = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/versions/1/")
    assert "When will you check in?" in page.content.decode()


def test_editing_a_rhythm_offers_its_own_rule_and_next_date(ratified):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 3, 25),
        at_time=time(10),
        rule=rule_build(repeat="monthday", monthday=15),
    )
    page = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/").content.decode()
    assert (
        '<input type="radio" name="repeat" value="monthday" id="id_repeat_2" required checked>'
        in page
    )
    assert 'name="monthday" value="15"' in page
    assert 'value="2025-04-15"' in page


def test_monthly_on_the_31st_can_be_chosen_and_skips_the_months_without_one(ratified, clock):
    page = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/")
    assert "a month without that day has no check-in" in page_text(page)
    response = login(ratified.coach).post(
        f"/alliances/{ratified.alliance.pk}/rhythm/",
        {"starts_on": "2025-03-21", "at_time": "10:00", "repeat": "monthday", "monthday": "31"},
    )
    assert response.status_code == 302
    rhythm = Rhythm.objects.get(alliance=ratified.alliance)
    assert rhythm.rule == "FREQ=MONTHLY;BYMONTHDAY=31"
    dates = [rhythm.next_at]
    for _ in range(3):
        dates.append(services.rhythm_next(rhythm, dates[-1]))
    # April and June have 30 days: no check-in in them.
    assert [d.date() for d in dates] == [
        date(2025, 3, 31),
        date(2025, 5, 31),
        date(2025, 7, 31),
        date(2025, 8, 31),
    ]
    alliance_page = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/")
    assert "monthly on day 31, in the months that have one" in page_text(alliance_page)


def test_the_last_day_of_the_month_follows_every_months_length(ratified, clock):
    response = login(ratified.coach).post(
        f"/alliances/{ratified.alliance.pk}/rhythm/",
        {"starts_on": "2025-03-21", "at_time": "10:00", "repeat": "monthend"},
    )
    assert response.status_code == 302
    rhythm = Rhythm.objects.get(alliance=ratified.alliance)
    assert rhythm.rule == "FREQ=MONTHLY;BYMONTHDAY=-1"
    dates = [rhythm.next_at]
    for _ in range(11):
        dates.append(services.rhythm_next(rhythm, dates[-1]))
    assert [d.day for d in dates] == [31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28]
    page = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/").content
    assert b'value="monthend" id="id_repeat_3" required checked' in page
    assert "monthly on the last day" in page_text(
        login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/")
    )


def test_a_day_past_31_is_refused_and_nothing_is_set(ratified, clock):
    response = login(ratified.coach).post(
        f"/alliances/{ratified.alliance.pk}/rhythm/",
        {"starts_on": "2025-03-21", "at_time": "10:00", "repeat": "monthday", "monthday": "32"},
    )
    assert response.status_code == 400
    assert "less than or equal to 31" in page_text(response)
    assert not Rhythm.objects.filter(alliance=ratified.alliance).exists()
