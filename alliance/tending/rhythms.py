"""Check-in rhythms as RFC 5545 recurrence rules, computed with dateutil.

Occurrences are computed in the rhythm's own time zone on naive local times, then made
aware: a 10:00 check-in stays at 10:00 local time across daylight-saving changes.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


def rule_build(
    *, repeat: str, interval: int = 1, ordinal: int = 1, weekday: str = "MO", monthday: int = 1
) -> str:
    """The RRULE (without its "RRULE:" prefix) for one of the rhythms the form offers."""
    if repeat == "none":
        return ""
    if repeat == "weeks":
        return f"FREQ=WEEKLY;INTERVAL={interval}"
    if repeat == "weekday":
        return f"FREQ=MONTHLY;BYDAY={ordinal:+d}{weekday}"
    if repeat == "monthday":
        return f"FREQ=MONTHLY;BYMONTHDAY={monthday}"
    raise ValueError(f"unknown repeat {repeat!r}")


def _parts(rule: str) -> dict[str, str]:
    return dict(part.partition("=")[::2] for part in rule.split(";"))


def rule_fields(rule: str) -> dict[str, object]:
    """The form's fields for a rule `rule_build` made: the inverse of `rule_build`. A rule
    of another shape (edited by hand) gives no fields, and the form offers its defaults."""
    if not rule:
        return {"repeat": "none"}
    parts = _parts(rule)
    try:
        if parts.get("FREQ") == "WEEKLY":
            return {"repeat": "weeks", "interval": int(parts.get("INTERVAL", "1"))}
        if "BYDAY" in parts:
            byday = parts["BYDAY"]
            return {"repeat": "weekday", "ordinal": int(byday[:-2]), "weekday": byday[-2:]}
        if "BYMONTHDAY" in parts:
            return {"repeat": "monthday", "monthday": int(parts["BYMONTHDAY"])}
    except ValueError:
        pass
    return {}


def rule_describe(rule: str) -> str:
    """The rule in words, for the kinds `rule_build` makes; any other rule as it is."""
    if not rule:
        return "no repeat"
    parts = _parts(rule)
    try:
        if parts.get("FREQ") == "WEEKLY":
            weeks = int(parts.get("INTERVAL", "1"))
            return "every week" if weeks == 1 else f"every {weeks} weeks"
        if "BYDAY" in parts:
            byday = parts["BYDAY"]
            return f"monthly on the {ORDINALS[int(byday[:-2])]} {WEEKDAYS[byday[-2:]]}"
    except (ValueError, KeyError):
        return rule
    if "BYMONTHDAY" in parts:
        return f"monthly on day {parts['BYMONTHDAY']}"
    return rule


def _aware(naive: datetime, zone: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=zone).astimezone(UTC)


def occurrence_after(
    *, rule: str, starts_on: date, at_time: time, time_zone: str, after: datetime
) -> datetime | None:
    """The first check-in strictly after the instant `after`, in UTC; None when the
    series has ended (a one-off check-in that has passed)."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(starts_on, at_time)
    if not rule:
        first = _aware(start, zone)
        return first if first > after else None
    # Step back a little in local time so a fold or gap around `after` is never skipped;
    # the aware comparison below decides.
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    for naive in rrulestr(rule, dtstart=start).xafter(local_after, inc=True):
        if naive < start:
            continue
        candidate = _aware(naive, zone)
        if candidate > after:
            return candidate
    return None


def first_occurrence(*, rule: str, starts_on: date, at_time: time, time_zone: str) -> date:
    """The first date of the series on or after `starts_on` (a monthly rule may not match
    the chosen date itself; calendars treat DTSTART as the first occurrence)."""
    if not rule:
        return starts_on
    start = datetime.combine(starts_on, at_time)
    return rrulestr(rule, dtstart=start).after(start, inc=True).date()
