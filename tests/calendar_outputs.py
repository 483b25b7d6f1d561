"""Every kind of calendar file Alliance writes, and what other people's readers make of it.

`calendar_files()` builds, through the real services and views, the files a person's
calendar program receives: the invitation mailed when a conversation is scheduled, the
update after someone in New York or Sydney moves it, the cancellation, the file
downloaded from the page, and each person's feed with weekly and monthly check-ins in
Berlin, New York, Sydney (southern daylight saving), Kolkata (no daylight saving) and UTC.
Each file carries what our own code says its events are: a conversation's instant from
the database, a check-in series expanded by `alliance.tending.rhythms.occurrence_after`.

`reading_checks()` reads each file with `icalendar`, `vobject` and
`recurring-ical-events` and compares every reader's occurrence instants with ours, over
two windows: the next two years, and 2037-2040 (a series must stay right past 2038).
tests/test_calendar_readers.py asserts that every check passes;
bench/calendar_readers.py counts them and writes the files out for other readers.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import recurring_ical_events
import time_machine
import vobject
from dateutil.rrule import rrulestr
from django.core import mail
from django.test import Client
from icalendar import Calendar

from alliance.alliances.models import Alliance, Party
from alliance.conversations import services as conversations
from alliance.conversations.models import Stake
from alliance.tending import services as tending
from alliance.tending.models import Rhythm
from alliance.tending.rhythms import occurrence_after
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with

# A Thursday in March: Europe and the United States change their clocks within weeks,
# Sydney changes its clock back in April.
START = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
WINDOWS = [
    (START, START + timedelta(days=730)),
    (datetime(2037, 6, 1, tzinfo=UTC), datetime(2040, 6, 1, tzinfo=UTC)),
]
PEOPLE = {
    "Ana": "Europe/Berlin",
    "Ned": "America/New_York",
    "Sam": "Australia/Sydney",
    "Kavi": "Asia/Kolkata",
    "Uma": "UTC",
}

Occurrences = dict[str, set[datetime]]


@dataclass
class CalendarFile:
    """One file as a calendar program receives it, and the occurrences we mean by it."""

    name: str
    kind: str  # "invitation", "update", "cancel", "download" or "feed"
    content: bytes
    expected: Occurrences = field(default_factory=dict)


@dataclass
class Check:
    file: str
    what: str
    ok: bool
    detail: str = ""


def _ratified_alliance(title: str, people: list) -> Alliance:
    alliance = make_alliance(people[0], title=title)
    for person in people[1:]:
        join(alliance, person)
    parties = [party_of(alliance, person) for person in people]
    propose(parties[0], "We keep a regular rhythm.")
    ratify_with(parties)
    return alliance


def _rhythm_occurrences(rhythm: Rhythm) -> set[datetime]:
    """Our own expansion of a check-in series over the windows."""
    found: set[datetime] = set()
    for begin, end in WINDOWS:
        after = max(begin, rhythm.next_at - timedelta(seconds=1)) if rhythm.next_at else begin
        while True:
            at = occurrence_after(
                rule=rhythm.rule,
                starts_on=rhythm.starts_on,
                at_time=rhythm.at_time,
                time_zone=rhythm.time_zone,
                after=after,
            )
            if at is None or at >= end:
                break
            found.add(at)
            after = at
    return found


def _feed_expected(user_id: int) -> Occurrences:
    expected: Occurrences = {}
    for rhythm in Rhythm.objects.filter(
        alliance__parties__user_id=user_id, alliance__parties__left_at__isnull=True
    ).select_related("alliance"):
        expected[f"checkin-{rhythm.alliance_id}@"] = _rhythm_occurrences(rhythm)
    for stake in Stake.objects.filter(
        alliance__parties__user_id=user_id, state="scheduled", starts_at__gte=START
    ):
        assert stake.starts_at is not None
        expected[stake.uid] = {stake.starts_at}
    return expected


class _Mailbox:
    """The calendar files mailed since the last look, each once, with what they mean."""

    def __init__(self) -> None:
        self.seen = len(mail.outbox)
        self.files: list[CalendarFile] = []
        self.contents: set[str] = set()

    def collect(self, stake: Stake, kind: str) -> None:
        stake.refresh_from_db()
        assert stake.starts_at is not None
        for message in mail.outbox[self.seen :]:
            for name, content, _mimetype in message.attachments:
                assert name == "invite.ics"
                text = content if isinstance(content, str) else content.decode()
                digest = hashlib.sha256(text.encode()).hexdigest()
                if digest in self.contents:
                    continue
                self.contents.add(digest)
                self.files.append(
                    CalendarFile(
                        name=f"{kind}-{stake.pk}-seq{stake.sequence}-{len(self.files)}.ics",
                        kind=kind,
                        content=text.encode(),
                        expected={stake.uid: {stake.starts_at}},
                    )
                )
        self.seen = len(mail.outbox)


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _move(user, stake: Stake, local: str) -> None:
    """Move a conversation the way a person does: a local time typed into the page."""
    response = _browser(user).post(
        f"/alliances/{stake.alliance_id}/conversations/{stake.pk}/reschedule/",
        {"starts_at": local},
    )
    assert response.status_code == 302, response.content


def _accept(party: Party, stake: Stake) -> None:
    conversations.stake_answer(
        party=party, stake_id=stake.pk, works=[c.pk for c in stake.candidates.all()]
    )


def calendar_files() -> list[CalendarFile]:
    """Every kind of calendar file, built at START (needs a database and mail.outbox)."""
    from datetime import date, time

    from tests.conversations.factories import plant

    with time_machine.travel(START, tick=False):
        people = {
            name: make_user(name, f"{name.lower()}@example.org", time_zone=zone)
            for name, zone in PEOPLE.items()
        }
        ana, ned, sam, kavi, uma = (people[n] for n in PEOPLE)
        berlin = _ratified_alliance("Ana and Ned", [ana, ned])
        new_york = _ratified_alliance("Ned and Sam", [ned, sam])
        sydney = _ratified_alliance("Sam and Kavi", [sam, kavi])
        kolkata = _ratified_alliance("Kavi and Uma", [kavi, uma])
        utc = _ratified_alliance("Uma and Ana", [uma, ana])

        def plan(alliance: Alliance, who, starts_on: date, at: time, rule: str) -> None:
            tending.rhythm_set(
                party=party_of(alliance, who), starts_on=starts_on, at_time=at, rule=rule
            )

        # Weekly across Europe's change in March and October.
        plan(berlin, ana, date(2025, 3, 24), time(10), "FREQ=WEEKLY;INTERVAL=1")
        # Monthly by weekday across the United States' changes.
        plan(new_york, ned, date(2025, 4, 1), time(9, 30), "FREQ=MONTHLY;BYDAY=+2TU")
        # Monthly by day of the month across Sydney's changes in April and October.
        plan(sydney, sam, date(2025, 4, 6), time(8), "FREQ=MONTHLY;BYMONTHDAY=6")
        # Day 31 (skipped in shorter months) and the last day of every month.
        plan(kolkata, kavi, date(2025, 3, 31), time(18), "FREQ=MONTHLY;BYMONTHDAY=31")
        plan(utc, uma, date(2025, 3, 31), time(12), "FREQ=MONTHLY;BYMONTHDAY=-1")

        mailbox = _Mailbox()
        # Ana proposes, Ned accepts; Ned moves it from New York, then Ana from Berlin.
        first = plant(party_of(berlin, ana), [START + timedelta(days=3)])
        _accept(party_of(berlin, ned), first)
        mailbox.collect(first, "invitation")
        _move(ned, first, "2025-04-02T11:00")
        mailbox.collect(first, "update")
        _move(ana, first, "2025-04-07T18:30")
        mailbox.collect(first, "update")
        # Ned proposes, Sam accepts and moves it to the morning Sydney's clocks go back;
        # Ned calls it off.
        second = plant(party_of(new_york, ned), [START + timedelta(days=4)])
        _accept(party_of(new_york, sam), second)
        mailbox.collect(second, "invitation")
        _move(sam, second, "2025-04-06T09:00")
        mailbox.collect(second, "update")
        conversations.stake_cancel(party=party_of(new_york, ned), stake_id=second.pk)
        mailbox.collect(second, "cancel")
        # Kavi proposes, Uma accepts: a conversation in Kolkata's evening.
        third = plant(party_of(kolkata, kavi), [START + timedelta(days=5, hours=4)])
        _accept(party_of(kolkata, uma), third)
        mailbox.collect(third, "invitation")

        files = list(mailbox.files)
        first.refresh_from_db()
        assert first.starts_at is not None
        download = _browser(ned).get(
            f"/alliances/{berlin.pk}/conversations/{first.pk}/invitation.ics"
        )
        assert download.status_code == 200
        files.append(
            CalendarFile(
                name=f"download-{first.pk}.ics",
                kind="download",
                content=download.content,
                expected={first.uid: {first.starts_at}},
            )
        )
        for name, person in people.items():
            token = tending.calendar_feed_renew(user=person)
            response = Client().get(f"/calendar/{token}.ics")
            assert response.status_code == 200
            files.append(
                CalendarFile(
                    name=f"feed-{name.lower()}.ics",
                    kind="feed",
                    content=response.content,
                    expected=_feed_expected(person.pk),
                )
            )
    return files


# Readers


def _in_windows(moment: datetime) -> bool:
    if moment.tzinfo is None:
        return True  # floating: never what we meant, so always reported
    return any(begin <= moment < end for begin, end in WINDOWS)


def _uid_key(uid: str) -> str:
    """Check-in UIDs end in the site's host name; the expectations leave it out."""
    return uid.split("@", 1)[0] + "@" if uid.startswith("checkin-") else uid


def _instant(moment: datetime) -> datetime:
    """The instant a reader means; a floating time (each calendar shows it in its
    viewer's own zone) stays naive, and so never matches what we meant."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC)


def _bounds(start: datetime, begin: datetime, end: datetime) -> tuple[datetime, datetime]:
    if start.tzinfo is None:
        return begin.replace(tzinfo=None), end.replace(tzinfo=None)
    return begin, end


def read_with_icalendar(content: bytes) -> Occurrences:
    """icalendar parses; dateutil expands the RRULE from the DTSTART icalendar decoded."""
    found: Occurrences = defaultdict(set)
    for event in Calendar.from_ical(content).walk("VEVENT"):
        start = event.decoded("DTSTART")
        key = _uid_key(str(event["UID"]))
        if "RRULE" not in event:
            found[key].add(_instant(start))
            continue
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
        for window in WINDOWS:
            begin, end = _bounds(start, *window)
            found[key] |= {_instant(m) for m in rule.between(begin, end, inc=True) if m < end}
    return found


def read_with_vobject(content: bytes) -> Occurrences:
    """vobject reads the file's own VTIMEZONEs (through dateutil's tzical)."""
    found: Occurrences = defaultdict(set)
    calendar = vobject.readOne(content.decode())
    for event in calendar.contents.get("vevent", []):
        key = _uid_key(event.uid.value)
        start = event.dtstart.value
        if not hasattr(event, "rrule"):
            found[key].add(_instant(start))
            continue
        series = event.getrruleset(addRDate=True)
        for window in WINDOWS:
            begin, end = _bounds(start, *window)
            found[key] |= {_instant(m) for m in series.between(begin, end, inc=True) if m < end}
    return found


def read_with_recurring_ical_events(content: bytes) -> Occurrences:
    found: Occurrences = defaultdict(set)
    calendar = Calendar.from_ical(content)
    for begin, end in WINDOWS:
        for event in recurring_ical_events.of(calendar).between(begin, end):
            found[_uid_key(str(event["UID"]))].add(_instant(event.decoded("DTSTART")))
    return found


READERS: dict[str, Callable[[bytes], Occurrences]] = {
    "icalendar": read_with_icalendar,
    "vobject": read_with_vobject,
    "recurring-ical-events": read_with_recurring_ical_events,
}


def _format(moments: set[datetime]) -> str:
    return ", ".join(sorted(m.isoformat() for m in moments)[:4]) + (
        f" and {len(moments) - 4} more" if len(moments) > 4 else ""
    )


def _compare(file: CalendarFile, reader: str, read: Occurrences) -> Iterator[Check]:
    for uid, ours in sorted(file.expected.items()):
        theirs = {m for m in read.get(uid, set()) if file.kind != "feed" or _in_windows(m)}
        wanted = {m for m in ours if file.kind != "feed" or _in_windows(m)}
        missing, extra = wanted - theirs, theirs - wanted
        detail = ""
        if missing or extra:
            detail = f"{len(missing)} of {len(wanted)} missing ({_format(missing)})"
            detail += f", {len(extra)} unexpected ({_format(extra)})"
        yield Check(file.name, f"{reader}: {uid} ({len(wanted)} occurrences)", not detail, detail)


def _tzids_used(calendar: Calendar) -> set[str]:
    used = set()
    for component in calendar.walk():
        if component.name == "VTIMEZONE":
            continue
        for value in component.values():
            for item in value if isinstance(value, list) else [value]:
                params = getattr(item, "params", {})
                if "TZID" in params:
                    used.add(str(params["TZID"]))
    return used


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _structure_checks(file: CalendarFile) -> Iterator[Check]:
    calendar = Calendar.from_ical(file.content)
    zones = {str(zone["TZID"]): zone for zone in calendar.walk("VTIMEZONE")}
    undefined = sorted(_tzids_used(calendar) - set(zones))
    yield Check(
        file.name,
        "TZID: every zone named has its VTIMEZONE",
        not undefined,
        f"no VTIMEZONE for {', '.join(undefined)}: readers take those times as floating"
        if undefined
        else "",
    )
    for tzid, zone in sorted(zones.items()):
        lists = [
            observance.name
            for observance in zone.subcomponents
            for rdate in _as_list(observance.get("RDATE", []))
            if len(rdate.dts) > 1
        ]
        yield Check(
            file.name,
            f"VTIMEZONE {tzid} has no multi-valued RDATE",
            not lists,
            f"comma-separated RDATE in {', '.join(lists)}" if lists else "",
        )
    if file.kind == "feed":
        for prop in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL", "NAME"):
            yield Check(file.name, f"feed has {prop}", prop in calendar, "")


def reading_checks(files: list[CalendarFile]) -> list[Check]:
    """Every check over every file: structure, then each reader against our instants."""
    checks: list[Check] = []
    for file in files:
        checks += _structure_checks(file)
        for reader, read in READERS.items():
            try:
                checks += _compare(file, reader, read(file.content))
            except Exception as error:
                checks.append(
                    Check(file.name, f"{reader}: reads the file", False, repr(error)[:300])
                )
    return checks
