"""VTIMEZONE components every calendar reader understands, from the tz database.

icalendar's `add_missing_timezones` writes each zone as its transitions from 1970 to 2038
in long comma-separated RDATE lists: Mozilla's ical.js (Thunderbird) and vobject (dateutil)
read only the first value of each list, and after 2038 the zone says nothing at all.

Here a zone's yearly rule becomes an RRULE with no end, as the tz database keeps it (the
rule at the end of a TZif file), so a weekly check-in stays at 10:00 in 2040 too. The
rule is learnt from the transitions Python's `zoneinfo` reports over 28 years (every
weekday falls on every date in that cycle); each transition the rule does not produce
(a change of law before the rule took over) becomes an observance of its own, never a
list. Built with icalendar's components; only the choice of rules is ours.
"""

import calendar as gregorian
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

# The tz database writes transitions out explicitly until 2037 at most; from then on
# its yearly rule alone decides, and that is the rule to learn.
RULE_YEAR = 2038
CYCLE_YEARS = 28
IRREGULAR_YEARS = 100
# Before 1970 zones were local mean times and wartime orders; past 9998, Python's
# calendar ends. A time outside these years is read with the nearest rule.
FIRST_YEAR = 1970
LAST_YEAR = 9998
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@dataclass(frozen=True)
class _Transition:
    local: datetime  # naive wall time before the change, as DTSTART wants it
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def kind(self) -> tuple[timedelta, timedelta, str, bool]:
        return (self.offset_from, self.offset_to, self.name, self.daylight)


@dataclass(frozen=True)
class _Observance:
    start: _Transition
    rule: str = ""  # an RRULE without its "RRULE:" prefix, or none


def _state(zone: ZoneInfo, at: datetime) -> tuple[timedelta, str]:
    local = at.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or ""


def _transitions(zone: ZoneInfo, first_year: int, end_year: int) -> list[_Transition]:
    """Every change of offset or name from `first_year` to `end_year` (exclusive), found
    day by day and pinned to the second."""
    found: list[tuple[datetime, timedelta, timedelta, str]] = []
    at = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(end_year, 1, 1, tzinfo=UTC)
    before = _state(zone, at)
    while at < end:
        step = at + timedelta(days=1)
        after = _state(zone, step)
        if after != before:
            low, high = at, step
            while high - low > timedelta(seconds=1):
                middle = (low + (high - low) / 2).replace(microsecond=0)
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            local = (high + before[0]).replace(tzinfo=None)
            if local.year >= first_year:
                found.append((local, before[0], *_state(zone, high)))
        before, at = after, step
    # Daylight time is a step forward that the next change undoes. (The tz database's
    # own flag will not do: Dublin's is negative in winter.) Readers such as dateutil
    # tell the hour that happens twice apart by the kinds on either side of it.
    return [
        _Transition(
            local,
            offset_from,
            offset_to,
            name,
            daylight=offset_to > offset_from
            and (index + 1 == len(found) or found[index + 1][2] < found[index + 1][1]),
        )
        for index, (local, offset_from, offset_to, name) in enumerate(found)
    ]


def _yearly_rule(changes: list[_Transition]) -> str | None:
    """The RRULE that gives exactly these changes (one a year, same month, weekday and
    time), or None when no single yearly rule does."""
    first = changes[0].local
    if any(
        (c.local.month, c.local.weekday(), c.local.time())
        != (first.month, first.weekday(), first.time())
        for c in changes
    ):
        return None
    days = {c.local.day for c in changes}
    weekday = WEEKDAY_CODES[first.weekday()]
    weeks = {(day - 1) // 7 for day in days}
    if len(weeks) == 1:
        byday = f"BYDAY={weeks.pop() + 1}{weekday}"
    elif all(
        c.local.day > gregorian.monthrange(c.local.year, c.local.month)[1] - 7 for c in changes
    ):
        byday = f"BYDAY=-1{weekday}"
    elif max(days) - min(days) == 6:
        # A weekday on or after a date ("the Friday before the last Sunday").
        monthdays = ",".join(str(day) for day in range(min(days), max(days) + 1))
        byday = f"BYMONTHDAY={monthdays};BYDAY={weekday}"
    else:
        return None
    return f"FREQ=YEARLY;BYMONTH={first.month};{byday}"


def _new_year(year: int) -> datetime:
    """Midnight on 1 January as a wall time (naive, as an observance's DTSTART is)."""
    return datetime.combine(date(year, 1, 1), time())


def _occurrences(rule: str, start: datetime, end_year: int) -> list[datetime]:
    return list(rrulestr(rule, dtstart=start).between(start, _new_year(end_year), inc=True))


def _rule_holds(rule: str, changes: list[_Transition], end_year: int) -> bool:
    """Whether `rule`, started at the first of `changes`, gives exactly `changes`."""
    return _occurrences(rule, changes[0].local, end_year) == [c.local for c in changes]


def _ruled(
    changes: list[_Transition], rule_year: int, end_year: int
) -> tuple[list[_Observance], set[_Transition]]:
    """One observance per yearly rule found among `changes` (a kind of change that
    happens once every year from `rule_year` on), started at the first change it gives,
    and the changes those rules account for."""
    by_kind: dict[tuple[timedelta, timedelta, str, bool], list[_Transition]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    observances, ruled = [], set()
    for kind_changes in by_kind.values():
        tail = [c for c in kind_changes if c.local.year >= rule_year]
        if [c.local.year for c in tail] != list(range(rule_year, end_year)) or len(tail) < 2:
            continue
        rule = _yearly_rule(tail)
        first = len(kind_changes) - len(tail)
        if rule is None or not _rule_holds(rule, kind_changes[first:], end_year):
            continue
        # Reach back as far as the rule still gives exactly this zone's changes.
        while first > 0 and _rule_holds(rule, kind_changes[first - 1 :], end_year):
            first -= 1
        observances.append(_Observance(kind_changes[first], rule))
        ruled.update(kind_changes[first:])
    return observances, ruled


@lru_cache(maxsize=256)
def _observances(tzid: str, first_year: int) -> tuple[_Observance, ...]:
    """The observances of `tzid` from `first_year` on: what is in force on 1 January,
    each yearly rule from the first year it holds, and any other change on its own."""
    zone = ZoneInfo(tzid)
    first_year = min(max(first_year, FIRST_YEAR), LAST_YEAR)
    rule_year = max(first_year, RULE_YEAR)
    end_year = min(rule_year + CYCLE_YEARS, LAST_YEAR)
    changes = _transitions(zone, first_year, end_year)
    ruled_observances, ruled = _ruled(changes, rule_year, end_year)
    if any(c.local.year >= rule_year and c not in ruled for c in changes):
        # No yearly rule yet (Morocco's tz data lists its changes out to the 2080s):
        # every change on its own, a century ahead.
        changes = _transitions(zone, first_year, min(rule_year + IRREGULAR_YEARS, LAST_YEAR))
        ruled_observances, ruled = [], set()
    offset, name = _state(zone, datetime(first_year, 1, 1, tzinfo=UTC))
    # Shaped like the change that will undo it: daylight time if the clocks go back
    # next, and coming from the offset they go back to. dateutil (and so vobject) tells
    # the hour that happens twice apart only by that shape.
    before = changes[0].offset_to if changes else offset
    in_force = _Transition(_new_year(first_year), before, offset, name, before < offset)
    return (
        _Observance(in_force),
        *ruled_observances,
        *(_Observance(c) for c in changes if c not in ruled),
    )


def zone_component(tzid: str, first_year: int) -> Timezone:
    """The VTIMEZONE of `tzid` (an IANA name), right from 1 January of `first_year` on."""
    component = Timezone()
    component.add("tzid", tzid)
    for observance in _observances(tzid, first_year):
        change = observance.start
        part = TimezoneDaylight() if change.daylight else TimezoneStandard()
        part.add("dtstart", change.local)
        part.add("tzoffsetfrom", change.offset_from)
        part.add("tzoffsetto", change.offset_to)
        if change.name:
            part.add("tzname", change.name)
        if observance.rule:
            part.add("rrule", vRecur.from_ical(observance.rule))
        component.add_component(part)
    return component


def _zone_times(calendar: Calendar) -> Iterator[tuple[str, datetime]]:
    for component in calendar.walk():
        if component.name == "VTIMEZONE":
            continue
        for value in component.values():
            for item in value if isinstance(value, list) else [value]:
                tzid = getattr(item, "params", {}).get("TZID")
                moment = getattr(item, "dt", None)
                if tzid and isinstance(moment, datetime):
                    yield str(tzid), moment


def calendar_add_zones(calendar: Calendar) -> None:
    """Add the VTIMEZONE of every TZID the calendar's events name, from the first year
    any of them uses it."""
    first_years: dict[str, int] = {}
    for tzid, moment in _zone_times(calendar):
        first_years[tzid] = min(first_years.get(tzid, moment.year), moment.year)
    known = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    zones = [zone_component(tzid, year) for tzid, year in sorted(first_years.items())]
    # RFC 5545 readers look zones up before events: they go first.
    calendar.subcomponents[:0] = [z for z in zones if str(z["TZID"]) not in known]
