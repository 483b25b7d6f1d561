"""From the history to webhook events: which line of history is which event, what its thin
payload says, and which endpoints get a delivery of it.

A payload names what changed by its ids and API URLs, never by its text: no term, no
reflection, no signal note, no name. The receiver fetches what its own token may read.
Deliveries are written in the transaction of the change, so a change that rolls back
sends nothing and one that commits is never lost.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased
from alliance.alliances.models import Alliance, Event, EventKind, Party
from alliance.alliances.reactions import on_event_recorded
from alliance.closing.models import ClosingEvent
from alliance.conversations.models import ConversationEvent, Reveal
from alliance.lib.clock import now
from alliance.tending.models import CheckIn, TendingEvent
from alliance.tending.reactions import on_checkin_reminder
from alliance.webhooks.models import Delivery, Endpoint, EventType

# Which kind of history line is which webhook event. Lines of other kinds send nothing.
EVENT_TYPES: dict[str, EventType] = {
    EventKind.JOINED: EventType.PARTY_JOINED,
    EventKind.JOINED_AS_OBSERVER: EventType.PARTY_JOINED,
    EventKind.LEFT: EventType.PARTY_LEFT,
    EventKind.TERM_PROPOSED: EventType.TERM_PROPOSED,
    EventKind.TERM_EDITED: EventType.TERM_CHANGED,
    EventKind.TERM_WITHDRAWN: EventType.TERM_WITHDRAWN,
    EventKind.AGREED: EventType.CONSENT_GIVEN,
    EventKind.CHANGE_REQUESTED: EventType.CONSENT_GIVEN,
    EventKind.RATIFIED: EventType.VERSION_RATIFIED,
    ConversationEvent.STAKE_SCHEDULED: EventType.CONVERSATION_SCHEDULED,
    ConversationEvent.STAKE_RESCHEDULED: EventType.CONVERSATION_SCHEDULED,
    ConversationEvent.STAKE_CANCELLED: EventType.CONVERSATION_CANCELLED,
    ConversationEvent.PROMPT_REVEALED: EventType.REVEAL_HAPPENED,
    TendingEvent.CHECKIN_COMPLETED: EventType.CHECKIN_COMPLETED,
    TendingEvent.SIGNAL_RAISED: EventType.SIGNAL_RAISED,
    TendingEvent.SIGNAL_ACKNOWLEDGED: EventType.SIGNAL_ACKNOWLEDGED,
    TendingEvent.SIGNAL_RESOLVED: EventType.SIGNAL_RESOLVED,
    EventKind.RENAMED: EventType.ALLIANCE_RENAMED,
    EventKind.PURPOSE_CHANGED: EventType.ALLIANCE_RENAMED,
    ClosingEvent.CLOSED: EventType.ALLIANCE_CLOSED,
    ClosingEvent.REOPENED: EventType.ALLIANCE_REOPENED,
}


def api_url(path: str) -> str:
    """An absolute URL of the JSON API (`path` as the API's URL map writes it)."""
    return f"{settings.BASE_URL}/api/v1{path}"


def _party_of(event: Event) -> dict[str, Any]:
    party_id = (
        Party.everyone.filter(alliance_id=event.alliance_id, user_id=event.actor_id or 0)
        .values_list("pk", flat=True)
        .first()
    )
    a = event.alliance_id
    return {
        "party_id": party_id,
        "observer": event.kind == EventKind.JOINED_AS_OBSERVER,
        "urls": {"parties": api_url(f"/alliances/{a}/parties")},
    }


def _term(event: Event) -> dict[str, Any]:
    term = event.data.get("term")
    data: dict[str, Any] = {
        "term_id": term,
        "urls": {"term": api_url(f"/alliances/{event.alliance_id}/terms/{term}")},
    }
    if event.kind in (EventKind.AGREED, EventKind.CHANGE_REQUESTED):
        data["decision"] = "agree" if event.kind == EventKind.AGREED else "change"
    return data


def _version(event: Event) -> dict[str, Any]:
    number = event.data.get("number")
    url = api_url(f"/alliances/{event.alliance_id}/versions/{number}")
    return {"version": number, "urls": {"version": url}}


def _conversation(event: Event) -> dict[str, Any]:
    stake = event.data.get("stake")
    url = api_url(f"/alliances/{event.alliance_id}/conversations/{stake}")
    return {
        "conversation_id": stake,
        "rescheduled": event.kind == ConversationEvent.STAKE_RESCHEDULED,
        "urls": {"conversation": url},
    }


def _reveal(event: Event) -> dict[str, Any]:
    stake = event.data.get("stake")
    # The line names the prompt by its text (for the history); its id is the reveal's,
    # made just before the line in the same transaction.
    prompt_id = (
        Reveal.objects.filter(stake_id=stake, prompt__text=event.data.get("prompt"))
        .order_by("-pk")
        .values_list("prompt_id", flat=True)
        .first()
    )
    base = f"/alliances/{event.alliance_id}/conversations/{stake}"
    return {
        "conversation_id": stake,
        "prompt_id": prompt_id,
        "urls": {
            "conversation": api_url(base),
            "reflections": api_url(f"{base}/prompts/{prompt_id}/reflections"),
        },
    }


def _checkin(event: Event) -> dict[str, Any]:
    checkin_id = (
        CheckIn.objects.filter(
            alliance_id=event.alliance_id,
            version__number=event.data.get("version"),
            completed_at__isnull=False,
        )
        .order_by("-completed_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    url = api_url(f"/alliances/{event.alliance_id}/checkins/{checkin_id}")
    return {"checkin_id": checkin_id, "urls": {"checkin": url}}


def _signal(event: Event) -> dict[str, Any]:
    # Never who raised it, nor its note: an anonymous signal must not name its raiser.
    return {
        "signal_id": event.data.get("signal"),
        "urls": {"signals": api_url(f"/alliances/{event.alliance_id}/signals")},
    }


def _alliance(event: Event) -> dict[str, Any]:
    changed = [field for field in ("title", "purpose") if f"new_{field}" in event.data]
    return (
        {"changed": changed} if event.kind in (EventKind.RENAMED, EventKind.PURPOSE_CHANGED) else {}
    )


DETAILS: dict[EventType, Callable[[Event], dict[str, Any]]] = {
    EventType.PARTY_JOINED: _party_of,
    EventType.PARTY_LEFT: _party_of,
    EventType.TERM_PROPOSED: _term,
    EventType.TERM_CHANGED: _term,
    EventType.TERM_WITHDRAWN: _term,
    EventType.CONSENT_GIVEN: _term,
    EventType.VERSION_RATIFIED: _version,
    EventType.CONVERSATION_SCHEDULED: _conversation,
    EventType.CONVERSATION_CANCELLED: _conversation,
    EventType.REVEAL_HAPPENED: _reveal,
    EventType.CHECKIN_COMPLETED: _checkin,
    EventType.SIGNAL_RAISED: _signal,
    EventType.SIGNAL_ACKNOWLEDGED: _signal,
    EventType.SIGNAL_RESOLVED: _signal,
    EventType.ALLIANCE_RENAMED: _alliance,
    EventType.ALLIANCE_CLOSED: _alliance,
    EventType.ALLIANCE_REOPENED: _alliance,
}


def payload_of(event_type: str, alliance_id: int | None, at: datetime, **data: Any) -> dict:
    """The body of a message: `{"type", "timestamp", "data": {alliance_id, ids, urls}}`."""
    urls = data.pop("urls", {})
    body: dict[str, Any] = {}
    if alliance_id is not None:
        body["alliance_id"] = alliance_id
        urls = {"alliance": api_url(f"/alliances/{alliance_id}"), **urls}
    body.update(data)
    body["urls"] = urls
    return {"type": event_type, "timestamp": at.isoformat(), "data": body}


def endpoints_for(
    alliance_id: int, event_type: str, *, owner: User | None = None
) -> list[Endpoint]:
    """The active endpoints that receive `event_type` of this alliance: those of its
    designing parties (never an observer's, never of someone who left) made for it or
    for all their alliances, that chose the event; never of an account turned off."""
    designers = Party.objects.filter(alliance_id=alliance_id, user__is_active=True).values(
        "user_id"
    )
    endpoints = Endpoint.objects.filter(is_active=True, owner_id__in=designers).filter(
        Q(alliance__isnull=True) | Q(alliance_id=alliance_id)
    )
    if owner is not None:
        endpoints = endpoints.filter(owner=owner)
    # The chosen events are a JSON list, which SQLite cannot search: chosen here.
    return [endpoint for endpoint in endpoints if event_type in endpoint.events]


def deliveries_queue(
    alliance_id: int, event_type: str, payload: dict, *, owner: User | None = None
) -> list[Delivery]:
    endpoints = endpoints_for(alliance_id, event_type, owner=owner)
    if not endpoints:
        return []
    return Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, alliance_id=alliance_id, event_type=event_type, payload=payload)
        for endpoint in endpoints
    )


@on_event_recorded
def deliveries_for_event(event: Event) -> None:
    event_type = EVENT_TYPES.get(event.kind)
    if event_type is None:
        return
    payload = payload_of(
        event_type, event.alliance_id, event.created_at, **DETAILS[event_type](event)
    )
    deliveries_queue(event.alliance_id, event_type, payload)


@on_checkin_reminder
def deliveries_for_reminder(alliance: Alliance, user: User, due_at: datetime, kind: str) -> None:
    """`checkin.due` comes with the owner's own reminder: when they chose to hear of it,
    once per reminder, to their endpoints only."""
    a = alliance.pk
    payload = payload_of(
        EventType.CHECKIN_DUE,
        a,
        now(),
        due_at=due_at.isoformat(),
        reminder=kind,
        urls={
            "rhythm": api_url(f"/alliances/{a}/rhythm"),
            "checkins": api_url(f"/alliances/{a}/checkins"),
        },
    )
    deliveries_queue(a, EventType.CHECKIN_DUE, payload, owner=user)


@on_account_erased
def endpoints_of_erased_delete(user: User) -> None:
    """An erased person's endpoints go, with their deliveries: nothing more is sent."""
    Endpoint.objects.filter(owner=user).delete()
