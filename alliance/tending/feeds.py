"""Each person's private calendar feed: one recurring event per alliance they check in on.

Nothing but the alliance's title and a link goes into the feed; no term or reflection.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Component, Event, vDuration, vRecur

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.conversations.calendar import stake_feed_events
from alliance.lib.clock import now
from alliance.lib.dates import zone_or_utc
from alliance.lib.tokens import hash_token
from alliance.lib.vtimezone import calendar_add_zones
from alliance.tending.models import CalendarFeed, Rhythm

CHECKIN_LENGTH = timedelta(hours=1)
# How often a calendar program should fetch the feed again: a moved conversation shows
# within the hour, and an hourly request per subscriber costs a server nothing.
FEED_REFRESH = timedelta(hours=1)

logger = logging.getLogger(__name__)


def feed_owner(raw_token: str) -> User | None:
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=hash_token(raw_token))
    found = feed.first()
    return found.user if found and found.user.is_active else None


def _host() -> str:
    return settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0]


def feed_events_for(user: User) -> list[Component]:
    """The calendar components of `user`'s feed: the upcoming check-in of every alliance
    they are a party of, recurring by the alliance's rhythm, and their scheduled
    conversations. A closed alliance has nothing ahead: none of its entries."""
    parties = Party.objects.filter(
        user=user, alliance__rhythm__next_at__isnull=False, alliance__closed_at__isnull=True
    )
    parties = parties.select_related("alliance").prefetch_related(
        Prefetch("alliance__rhythm", queryset=Rhythm.objects.all())
    )
    stamp = now().astimezone(UTC)
    events: list[Component] = []
    for party in parties.order_by("alliance_id"):
        try:
            events.append(_checkin_event(party.alliance, stamp))
        except Exception:
            # A hand-edited rhythm (say, a rule no calendar reads) costs its own entry,
            # never the person's whole feed.
            logger.exception(
                "Calendar feed: skipped the check-in of alliance %s", party.alliance_id
            )
    # Conversations from a day ago on: one that just ended is still worth seeing.
    events += stake_feed_events(user.pk, since=stamp - timedelta(days=1))
    return events


def _checkin_event(alliance: Alliance, stamp: datetime) -> Event:
    rhythm = alliance.rhythm
    assert rhythm.next_at is not None
    url = settings.BASE_URL + reverse("alliance_detail", kwargs={"alliance_id": alliance.pk})
    # The series starts at the next check-in: past ones are history, not plans.
    start = rhythm.next_at.astimezone(zone_or_utc(rhythm.time_zone))
    event = Event()
    event.add("uid", f"checkin-{alliance.pk}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("last-modified", rhythm.updated_at.astimezone(UTC))
    event.add("summary", _("Check-in: %(title)s") % {"title": alliance.title})
    event.add("dtstart", start)
    event.add("dtend", start + CHECKIN_LENGTH)
    if rhythm.rule:
        event.add("rrule", vRecur.from_ical(rhythm.rule))
    event.add("url", url)
    event.add("description", _("Check in on how your alliance is working: %(url)s") % {"url": url})
    return event


def feed_calendar(user: User) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Alliance//Check-ins//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # RFC 7986's NAME and REFRESH-INTERVAL, and the older X- names that Apple's,
    # Google's and Microsoft's calendars read instead.
    calendar.calendar_name = _("Alliance check-ins")
    calendar.add("refresh-interval", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for component in feed_events_for(user):
        calendar.add_component(component)
    calendar_add_zones(calendar)
    return calendar.to_ical()


def feed_url(raw_token: str) -> str:
    return settings.BASE_URL + reverse("calendar_feed", kwargs={"token": raw_token})
