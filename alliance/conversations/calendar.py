"""iCalendar invitations for stakes (RFC 5545 / iTIP), built with the `icalendar` package.

Calendar programs match updates by UID and take the one with the highest SEQUENCE, so a
stake keeps its UID for life and raises its sequence with every change it sends.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from alliance.alliances.models import Party
from alliance.conversations.models import Stake, StakeState
from alliance.lib.clock import now

PRODID = "-//Alliance//Design the alliance//EN"


def stake_summary(stake: Stake) -> str:
    return _("%(kind)s: %(title)s") % {
        "kind": stake.get_kind_display(),
        "title": stake.alliance.title,
    }


def _address(party: Party) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.user.email}")
    address.params["cn"] = vText(party.user.name)
    return address


def _add_times(event: Event, stake: Stake) -> None:
    """DTSTART and DTEND in UTC: an instant every reader places alike, with no VTIMEZONE
    to send. The time may arrive in the zone of whoever typed it (a move); written with
    that TZID and no definition, Thunderbird and others would read it as floating."""
    assert stake.starts_at is not None
    starts_at = stake.starts_at.astimezone(UTC)
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=stake.duration_minutes))


def stake_ics(
    stake: Stake,
    parties: Sequence[Party],
    method: str = "REQUEST",
    *,
    observers: Sequence[Party] = (),
    observing: bool = False,
) -> str:
    """The invitation (REQUEST) or cancellation (CANCEL) of a scheduled stake.

    Holds only what a calendar needs: the alliance's title, time, place and note; never a
    reflection or a term. The observers a stake includes attend as optional participants;
    the copy made for them (`observing`) leaves out the proposer's note and links to the
    alliance page, the one page of it they may open.
    """
    if stake.starts_at is None:
        raise ValueError("Only a scheduled stake has a calendar entry.")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", stake.uid)
    event.add("sequence", stake.sequence)
    event.add("dtstamp", now())
    _add_times(event, stake)
    event.add("summary", stake_summary(stake))
    if observing:
        url = settings.BASE_URL + reverse(
            "alliance_detail", kwargs={"alliance_id": stake.alliance_id}
        )
        description = _("Open the alliance: %(url)s") % {"url": url}
    else:
        url = settings.BASE_URL + reverse(
            "conversation_detail",
            kwargs={"alliance_id": stake.alliance_id, "stake_id": stake.pk},
        )
        description = "\n\n".join(
            part
            for part in [stake.note, _("Open the conversation: %(url)s") % {"url": url}]
            if part
        )
    event.add("description", description)
    event.add("url", url)
    if stake.location:
        event.add("location", stake.location)
    cancelled = method == "CANCEL" or stake.state == StakeState.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # The proposer organises; if they have left, the first current party does, so that
    # replies from calendar programs reach someone still in the alliance.
    organizer = next((p for p in parties if p.pk == stake.proposed_by_id), None) or (
        parties[0] if parties else stake.proposed_by
    )
    event.add("organizer", _address(organizer))
    for party in parties:
        attendee = _address(party)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=False)
    for observer in observers:
        attendee = _address(observer)
        attendee.params["role"] = vText("OPT-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def stake_feed_events(user_id: int, since: datetime) -> list[Event]:
    """The person's scheduled conversations from `since` on, for their calendar feed:
    those of the alliances they design, and those that include the observers of an
    alliance they observe (linking to the alliance page, the only one they may open).

    Same UID and SEQUENCE as the emailed invitation, so a calendar holding both shows one
    event. Cancelled conversations are left out: a feed removes by omission.
    """
    designing = Party.objects.filter(alliance_id=OuterRef("alliance_id"), user_id=user_id)
    observing = Party.present.filter(
        alliance_id=OuterRef("alliance_id"), user_id=user_id, is_observer=True
    )
    stakes = (
        Stake.objects.filter(
            Q(Exists(designing)) | Q(Exists(observing), includes_observers=True),
            alliance__closed_at__isnull=True,
            state=StakeState.SCHEDULED,
            starts_at__gte=since,
        )
        .annotate(observed=Exists(observing))
        .select_related("alliance")
        .order_by("starts_at", "pk")
    )
    events = []
    for stake in stakes:
        if stake.observed:
            url = settings.BASE_URL + reverse(
                "alliance_detail", kwargs={"alliance_id": stake.alliance_id}
            )
        else:
            url = settings.BASE_URL + reverse(
                "conversation_detail",
                kwargs={"alliance_id": stake.alliance_id, "stake_id": stake.pk},
            )
        event = Event()
        event.add("uid", stake.uid)
        event.add("sequence", stake.sequence)
        event.add("dtstamp", now())
        _add_times(event, stake)
        event.add("summary", stake_summary(stake))
        event.add("url", url)
        if stake.observed:
            event.add("description", _("Open the alliance: %(url)s") % {"url": url})
        else:
            event.add("description", _("Open the conversation: %(url)s") % {"url": url})
        if stake.location:
            event.add("location", stake.location)
        events.append(event)
    return events
