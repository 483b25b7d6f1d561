"""Our VTIMEZONEs, read back by a parser we did not write (dateutil's tzical, the one
vobject uses), give the tz database's offset at every moment, decades past 2038."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import tzical
from icalendar import Calendar

from alliance.lib.vtimezone import calendar_add_zones, zone_component

ZONES = [
    ("Europe/Berlin", 2025),
    ("America/New_York", 2000),  # the United States changed their rule in 2007
    ("Australia/Sydney", 2025),  # southern summer: daylight time spans the new year
    ("Australia/Lord_Howe", 2025),  # half an hour of daylight saving
    ("Asia/Jerusalem", 2025),  # the Friday before the last Sunday of March
    ("Europe/Dublin", 2025),  # the tz database flags winter, not summer, as the change
    # Moved its standard offset in 2023, and has had daylight saving again since 2024.
    # (From 2023, dateutil reads an hour wrong: its conversion from UTC assumes a
    # standard offset never moves, whoever writes the zone.)
    ("America/Nuuk", 2024),
    ("America/Santiago", 2025),
    ("Asia/Kolkata", 2025),  # no daylight saving at all
    ("Africa/Casablanca", 2025),  # no yearly rule: changes around Ramadan into the 2080s
]


def _moments(zone: ZoneInfo, first_year: int, last_year: int):
    """Noon every week, and every half hour of each day the offset changes."""
    day = datetime(first_year, 1, 2, tzinfo=UTC)
    end = datetime(last_year, 1, 1, tzinfo=UTC)
    while day < end:
        following = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            yield from (day + timedelta(minutes=30 * n) for n in range(49))
        elif day.toordinal() % 7 == 0:
            yield day + timedelta(hours=12)
        day = following


@pytest.mark.parametrize(("tzid", "first_year"), ZONES)
def test_a_reader_of_our_zone_gets_the_tz_database_offsets(tzid, first_year):
    component = zone_component(tzid, first_year)
    theirs = tzical(io.StringIO(component.to_ical().decode())).get(tzid)
    zone = ZoneInfo(tzid)
    last_year = 2090 if tzid == "Africa/Casablanca" else 2060
    wrong = [
        moment
        for moment in _moments(zone, first_year, last_year)
        if moment.astimezone(theirs).utcoffset() != moment.astimezone(zone).utcoffset()
    ]
    assert not wrong, f"{len(wrong)} moments off, first {wrong[:3]}"


def test_a_zone_with_a_yearly_rule_is_two_rules_with_no_end():
    component = zone_component("Europe/Berlin", 2025)
    observances = component.subcomponents
    assert [o.name for o in observances] == ["STANDARD", "DAYLIGHT", "STANDARD"]
    rules = [o["RRULE"] for o in observances if "RRULE" in o]
    assert [r.to_ical().decode() for r in rules] == [
        "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    ]
    assert not any("UNTIL" in r or "COUNT" in r for r in rules)
    assert all("RDATE" not in o for o in observances)


def test_older_rules_become_one_observance_per_change_never_a_list():
    observances = zone_component("America/New_York", 2000).subcomponents
    assert all("RDATE" not in o for o in observances)
    ruled = [o for o in observances if "RRULE" in o]
    # The rule of 2007 (second Sunday of March, first of November) from 2007 on.
    assert [o.decoded("DTSTART").year for o in ruled] == [2007, 2007]
    assert len(observances) == 1 + 2 + 2 * 7  # in force in 2000, two rules, 2000-2006


def test_a_calendar_gets_each_zone_its_events_name_once_and_first():
    calendar = Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Asia/Kolkata:20300105T180000\r\n"
        "DTEND;TZID=Asia/Kolkata:20300105T190000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Asia/Kolkata:20270105T180000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20270105T180000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    calendar_add_zones(calendar)
    [zone] = calendar.walk("VTIMEZONE")
    assert calendar.subcomponents[0] is zone
    assert str(zone["TZID"]) == "Asia/Kolkata"
    # From the first year an event uses it: 2027, not 2030.
    assert zone.subcomponents[0].decoded("DTSTART").isoformat() == "2027-01-01T00:00:00"
