"""Dates people type, and dates already stored, kept where every time zone can show them.

A person plans a check-in or a conversation from now up to `DATE_HORIZON_DAYS` ahead;
the services refuse anything later (`horizon_end`) before they touch a row.

Rows written before that rule, or by hand, may still hold 9999-12-31 23:59. Shown in a
time zone ahead of UTC, or with a conversation's length added, such a date overflows
Python's calendar (year 10000) and the page, feed or job showing it fails. The fields
that hold typed dates therefore read any stored value back inside [EARLIEST, LATEST].
"""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.utils import formats

# Two days inside the ends of Python's calendar: room for any UTC offset (at most 14
# hours), a conversation's length and a reminder's days before.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)


def zone_or_utc(name: str) -> ZoneInfo:
    """The time zone called `name`, or UTC when no zone has that name (a hand-edited row)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(day: date, zone: tzinfo) -> datetime:
    """The moment `day` begins in `zone`. Reminders fall due at such moments, and the
    worker looks for the days that began: both reckon them here, alike."""
    return datetime.combine(day, time(0), tzinfo=zone)


def horizon_end(at: datetime) -> datetime:
    """The latest instant a person may plan for, seen at `at`."""
    return at + timedelta(days=settings.DATE_HORIZON_DAYS)


def horizon_last_day(at: datetime, zone: tzinfo) -> date:
    """The last day, in `zone`, that a person may plan for, seen at `at`."""
    return horizon_end(at).astimezone(zone).date()


def day_text(day: date) -> str:
    return formats.date_format(day, "j F Y")


def moment_text(at: datetime, zone: tzinfo, today: datetime) -> str:
    """`at` as a person in `zone` reads it: the time alone when it falls on the same day
    as `today` there, with the day otherwise."""
    local = at.astimezone(zone)
    if local.date() == today.astimezone(zone).date():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "j F, H:i")


class BoundedDateTimeField(models.DateTimeField):
    """A DateTimeField that reads a stored instant outside [EARLIEST, LATEST] as the
    nearest end: 9999-12-31 23:59 UTC reads as 9999-12-29 23:59, which every time zone
    can show. In the database and in migrations it is a plain DateTimeField."""

    def from_db_value(self, value: datetime | None, *args: Any) -> datetime | None:
        if value is None:
            return None
        return min(max(value, EARLIEST), LATEST)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class BoundedDateField(models.DateField):
    """A DateField that reads a stored day outside [EARLIEST, LATEST] as the nearest end,
    so a local time on it can be turned into an instant in any time zone."""

    def from_db_value(self, value: date | None, *args: Any) -> date | None:
        if value is None:
            return None
        return min(max(value, EARLIEST.date()), LATEST.date())

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs
