"""Check-in rhythms as RFC 5545 recurrence rules, computed with dateutil.

Occurrences are computed in the rhythm's own time zone on naive local times, then made
aware: a 10:00 check-in stays at 10:00 local time across daylight-saving changes.
"""

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The names people read; reading a term's words uses its own English names (_DAY_NAMES).
WEEKDAYS: dict[str, Promise] = {
    "MO": gettext_lazy("Monday"),
    "TU": gettext_lazy("Tuesday"),
    "WE": gettext_lazy("Wednesday"),
    "TH": gettext_lazy("Thursday"),
    "FR": gettext_lazy("Friday"),
    "SA": gettext_lazy("Saturday"),
    "SU": gettext_lazy("Sunday"),
}
ORDINALS: dict[int, Promise] = {
    1: gettext_lazy("1st"),
    2: gettext_lazy("2nd"),
    3: gettext_lazy("3rd"),
    4: gettext_lazy("4th"),
    -1: gettext_lazy("last"),
}


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
    if repeat == "monthend":
        return "FREQ=MONTHLY;BYMONTHDAY=-1"
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
        if parts.get("BYMONTHDAY") == "-1":
            return {"repeat": "monthend"}
        if "BYMONTHDAY" in parts:
            return {"repeat": "monthday", "monthday": int(parts["BYMONTHDAY"])}
    except ValueError:
        pass
    return {}


def rule_describe(rule: str) -> str:
    """The rule in words, for the kinds `rule_build` makes; any other rule as it is."""
    if not rule:
        return _("no repeat")
    parts = _parts(rule)
    try:
        if parts.get("FREQ") == "WEEKLY":
            weeks = int(parts.get("INTERVAL", "1"))
            if weeks == 1:
                return _("every week")
            return _("every %(weeks)d weeks") % {"weeks": weeks}
        if "BYDAY" in parts:
            byday = parts["BYDAY"]
            return _("monthly on the %(ordinal)s %(weekday)s") % {
                "ordinal": ORDINALS[int(byday[:-2])],
                "weekday": WEEKDAYS[byday[-2:]],
            }
    except (ValueError, KeyError):
        return rule
    monthday = parts.get("BYMONTHDAY", "")
    if monthday == "-1":
        return _("monthly on the last day")
    if monthday in {"29", "30", "31"}:
        # RFC 5545 skips a date a month lacks; every calendar does the same.
        return _("monthly on day %(day)s, in the months that have one") % {"day": monthday}
    if monthday:
        return _("monthly on day %(day)s") % {"day": monthday}
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


# Reading a rhythm from the words of a term: own rules over plain English, no model. The
# result is only ever a suggestion the person confirms in the rhythm form.

_DAY_NAMES = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "other": 2,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
}
_NUMBER = r"(\d{1,2}|" + "|".join(_NUMBERS) + r")"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINALS |= {"fourth": 4, "4th": 4, "last": -1, "final": -1}
_ORDINAL = r"(first|1st|second|2nd|third|3rd|fourth|4th|last|final)"
_EACH_MONTH = r"(?:of|in)\s+(?:the|each|every|a)\s+month|each\s+month|every\s+month|monthly"
# Rhythms the form can only take in weeks: these come out exact to within a day or two.
_MONTHS_AS_WEEKS = {3: 13, 6: 26, 12: 52}
_MONTH_NAMES = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
# The words the rules below read; a word a letter or two away from one is read as it.
_RHYTHM_WORDS: tuple[str, ...] = (
    "weekly",
    "fortnightly",
    "fortnight",
    "biweekly",
    "monthly",
    "quarterly",
)
_RHYTHM_WORDS += ("yearly", "annually", "annual", "every", "month", "months", "week", "weeks")
_RHYTHM_WORDS += ("quarter", "other", "second", "third", "fourth", "first", "twice")
_VOCABULARY = [*(f"{day}{plural}" for day in _DAY_NAMES for plural in ("", "s")), *_RHYTHM_WORDS]
_NOT_TIME = r"(?!\s*(?:weeks?|days?|months?|years?|times?|st|nd|rd|th)\b)"


@dataclass(frozen=True)
class RhythmSuggestion:
    """A rhythm read from a term, in the rhythm form's own fields (see `rule_build`).

    `weekday` is the day to meet on: the form's weekday for a monthly "weekday" rhythm,
    the day the first check-in falls on for a weekly one. `monthday` None means "once a
    month" with no day named. `at_time` None means no time was written."""

    repeat: str
    interval: int = 1
    ordinal: int = 1
    weekday: str | None = None
    monthday: int | None = None
    at_time: time | None = None

    def rule(self, monthday: int = 1) -> str:
        return rule_build(
            repeat=self.repeat,
            interval=self.interval,
            ordinal=self.ordinal,
            weekday=self.weekday or "MO",
            monthday=self.monthday or monthday,
        )

    def initial(self, today: date) -> dict[str, object]:
        """The form's initial data for this suggestion, its first check-in after `today`."""
        fields: dict[str, object] = {"repeat": self.repeat}
        if self.at_time is not None:
            fields["at_time"] = self.at_time
        if self.repeat == "weeks":
            fields["interval"] = self.interval
            starts_on = today + timedelta(weeks=self.interval)
            if self.weekday is not None:
                ahead = (list(WEEKDAYS).index(self.weekday) - today.weekday() - 1) % 7 + 1
                starts_on = today + timedelta(days=ahead)
            fields["starts_on"] = starts_on
            return fields
        monthday = min((today + timedelta(weeks=4)).day, 28)
        if self.repeat == "weekday":
            fields |= {"ordinal": self.ordinal, "weekday": self.weekday}
        else:
            fields["monthday"] = self.monthday or monthday
        fields["starts_on"] = first_occurrence(
            rule=self.rule(monthday),
            starts_on=today + timedelta(days=1),
            at_time=self.at_time or time(10),
            time_zone="UTC",
        )
        return fields

    def matches(self, rule: str, at_time: time) -> bool:
        """Whether a rhythm of `rule` at `at_time` is already this one (as far as the words
        say: a weekday of a weekly rhythm, or an unnamed day of the month, fits any)."""
        if self.at_time is not None and self.at_time != at_time:
            return False
        if self.repeat == "monthday" and self.monthday is None:
            return "BYMONTHDAY=" in rule
        return rule_fields(rule) == rule_fields(self.rule())

    def describe(self) -> str:
        words = rule_describe(self.rule())
        if self.repeat == "weeks" and self.weekday is not None:
            words = _("%(rhythm)s on %(weekday)s") % {
                "rhythm": words,
                "weekday": WEEKDAYS[self.weekday],
            }
        if self.repeat == "monthday" and self.monthday is None:
            words = _("every month")
        if self.at_time is not None:
            words = _("%(rhythm)s at %(time)s") % {"rhythm": words, "time": f"{self.at_time:%H:%M}"}
        return words


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


_CARDINALS: tuple[str, ...] = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)
_CARDINALS += ("eleven", "twelve")
_HOUR_WORDS = {word: _NUMBERS[word] for word in _CARDINALS}
_HOUR_WORD = r"(\d{1,2}|" + "|".join(_CARDINALS) + r")"
_AFTER_NOON = r"\b(?:afternoons?|evenings?|tonight|at\s+night)\b"


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _HOUR_WORDS[word]


def _time_in(text: str) -> tuple[time | None, str]:
    """A time of day written in `text`, and the text without it. An hour without am or pm
    is read as the afternoon or evening when the words say so ("Friday afternoon at 3")."""
    spoken = re.search(rf"\b(?:at\s+)?(?:a\s+)?(half|quarter)\s+(past|to)\s+{_HOUR_WORD}\b", text)
    if spoken:
        hour, minute = _hour(spoken[3]), 30 if spoken[1] == "half" else 15
        if spoken[2] == "to":
            hour, minute = hour - 1, 45
        return _in_context(hour, minute, text), text[: spoken.start()] + " " + text[spoken.end() :]
    patterns = [
        r"\b(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])",
        r"\bat\s+(\d{1,2})(?:[:.](\d{2}))?\b" + _NOT_TIME + r"()",
        r"\b(\d{1,2})[:.](\d{2})\b()",
        # "at two o'clock", "at seven in the evening", "at three." (not "at one of ...")
        rf"\bat\s+{_HOUR_WORD}(?:\s*o'?\s?clock|(?=\s+in\s+the\s+(?:morning|afternoon|evening))"
        r"|(?=\s*(?:[.,;)]|$)))()()",
    ]
    for pattern in patterns:
        found = re.search(pattern, text)
        if found is None:
            continue
        hour, minute = _hour(found[1]), int(found[2] or 0)
        half = found[3].replace(".", "")
        if half and not 1 <= hour <= 12:
            return None, text
        if half == "pm" and hour != 12:
            hour += 12
        if half == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None, text
        at_time = time(hour, minute) if half else _in_context(hour, minute, text)
        return at_time, text[: found.start()] + " " + text[found.end() :]
    if re.search(r"\b(?:at\s+)?(?:noon|midday)\b", text):
        return time(12), re.sub(r"\b(?:at\s+)?(?:noon|midday)\b", " ", text)
    return None, text


def _in_context(hour: int, minute: int, text: str) -> time | None:
    if 1 <= hour <= 11 and re.search(_AFTER_NOON, text):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _weekday_in(text: str) -> tuple[str | None, bool]:
    """The one weekday to meet on named in `text` (None if none, or a choice of days such
    as "Tuesday or Wednesday"), and False as the second value when several days are all
    meant ("Mondays and Thursdays"), which no rhythm of the form holds."""
    names = re.findall(r"\b" + _WEEKDAY + r"\b", text)
    days = {_DAY_NAMES[name] for name in names}
    if len(days) <= 1:
        return (days.pop() if days else None), True
    between = rf"\b{_WEEKDAY}\s*,?\s+(?:or|either)\s+{_WEEKDAY}\b"
    return None, bool(re.search(between, text))


def _spelled(text: str) -> str:
    """`text` with near misses of the rhythm words spelt right ("fortnighly", "weekley")."""

    def spelt(word: re.Match[str]) -> str:
        if word[0] in _VOCABULARY:
            return word[0]
        close = difflib.get_close_matches(word[0], _VOCABULARY, n=1, cutoff=0.85)
        return close[0] if close else word[0]

    return re.sub(r"[a-z]{6,}", spelt, text)


# Words that make a rhythm uncertain: a person would not dare suggest one from them.
_HEDGES = (
    r"\b(?:weekly|fortnightly|monthly|daily)\s+ish\b"
    r"|\b(?:weekly|fortnightly|biweekly|monthly|every\s+\S+\s+weeks?)\s+or\s+"
    r"(?:weekly|fortnightly|biweekly|monthly|every\s+\S+\s+weeks?)\b"
    r"|\b\d+\s*(?:\u2013|\u2014|to|or|\s)\s*\d+\s+weeks\b"
    rf"|\b{_ORDINAL}\s+(?:and|&)\s+{_ORDINAL}\s+{_WEEKDAY}"
)
_AVAILABLE = r"\b(?:available|availability|office\s+hours|reachable|on\s+call)\b"


def _hedged(text: str) -> bool:
    return re.search(_HEDGES, text) is not None


def rhythm_suggest(text: str) -> RhythmSuggestion | None:
    """The rhythm a term's words describe, in the rhythm form's fields; None when the
    words say no rhythm the form can hold ("we talk when needed", "twice a week")."""
    text = " ".join(text.lower().replace("-", " ").replace("\u2019", "'").split())
    text = _spelled(text)
    if _hedged(text):
        return None
    at_time, text = _time_in(text)
    weekday, one_rhythm = _weekday_in(text)
    if not one_rhythm:
        return None

    def weeks(interval: int) -> RhythmSuggestion | None:
        if not 1 <= interval <= 52:
            return None
        return RhythmSuggestion("weeks", interval=interval, weekday=weekday, at_time=at_time)

    # The second Tuesday of the month, the last Friday of every month.
    found = re.search(rf"\b{_ORDINAL}\s+{_WEEKDAY}\s*(?:{_EACH_MONTH})\b", text)
    if found:
        return RhythmSuggestion(
            "weekday",
            ordinal=_ORDINALS[found[1]],
            weekday=_DAY_NAMES[found[2]],
            at_time=at_time,
        )
    monthly = re.search(rf"\b(?:{_EACH_MONTH}|once\s+a\s+month|a\s+month|per\s+month)\b", text)
    # Once a month, on the second Monday.
    found = re.search(rf"\b{_ORDINAL}\s+{_WEEKDAY}\b", text)
    if monthly and found:
        return RhythmSuggestion(
            "weekday",
            ordinal=_ORDINALS[found[1]],
            weekday=_DAY_NAMES[found[2]],
            at_time=at_time,
        )
    # On the 15th of each month, monthly on the 1st, on the last day of the month.
    if monthly:
        if re.search(r"\b(?:last|final)\s+day\b", text):
            return RhythmSuggestion("monthend", at_time=at_time)
        found = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)\b", text)
        if found:
            monthday = int(found[1])
            if not 1 <= monthday <= 31:
                return None
            return RhythmSuggestion("monthday", monthday=monthday, at_time=at_time)
    if re.search(r"\b(?:three|four|\d+)\s+times\s+(?:a|per|each)\s+month\b", text):
        return None
    # Quarterly, every six months, once a year.
    if re.search(r"\b(?:quarterly|every\s+quarter|once\s+a\s+quarter)\b", text):
        return weeks(13)
    yearly = rf"\b(?:yearly|annual|annually|every\s+year|once\s+a\s+year|every\s+{_MONTH_NAMES})\b"
    if re.search(yearly, text):
        return weeks(52)
    if re.search(r"\btwice\s+a\s+year\b", text):
        return weeks(26)
    found = re.search(rf"\bevery\s+{_NUMBER}\s+months?\b", text)
    if found:
        months = _MONTHS_AS_WEEKS.get(_number(found[1]))
        return weeks(months) if months else None
    if re.search(r"\b(?:every\s+other\s+month|bi\s?monthly)\b", text):
        return None
    if re.search(r"\btwice\s+a\s+month\b", text):
        return weeks(2)
    if monthly:
        return RhythmSuggestion("monthday", at_time=at_time)
    # Every two weeks, every second Tuesday, fortnightly.
    if re.search(r"\b(?:fortnightly|fortnight|bi\s?weekly)\b", text):
        return weeks(2)
    found = re.search(rf"\bevery\s+{_NUMBER}\s+(?:weeks?\b|{_WEEKDAY}\b)", text)
    if found:
        return weeks(_number(found[1]))
    if re.search(r"\b(?:twice|three\s+times)\s+a\s+week\b|\bdaily\b|\bevery\s+day\b", text):
        return None
    if re.search(r"\b(?:weekly|every\s+week|each\s+week|once\s+a\s+week|per\s+week)\b", text):
        return weeks(1)
    # Every Tuesday, on Mondays, each Friday: when meeting is meant, not being available.
    if re.search(_AVAILABLE, text):
        return None
    if re.search(
        rf"\b(?:every|each)\s+{_WEEKDAY}\b|\b(?:monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday)s\b",
        text,
    ):
        return weeks(1)
    return None
