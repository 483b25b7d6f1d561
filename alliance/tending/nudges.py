"""Nudges for keeping the alliance alive: a check-in someone has not filled in yet.
Registered with the outbox's nudge framework on import (see apps.py)."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Exists, OuterRef

from alliance.alliances.models import Party
from alliance.lib.chunks import chunked
from alliance.outbox.nudges import (
    Scan,
    WaitingItem,
    nudge_delay,
    nudge_provider,
    nudged_lately,
)
from alliance.tending.models import CheckIn, Rating


@nudge_provider("checkins")
def checkins_unfilled(scan: Scan) -> Iterable[list[WaitingItem]]:
    """A party who has rated nothing in an open check-in that still waits on someone (one
    completed before a party joined never waits on them). Only the check-ins of the scan
    are read (opened, nudged, or in an alliance with history: see `Scan`)."""
    still_open = CheckIn.objects.filter(
        closed_at__isnull=True, completed_at__isnull=True
    ).order_by()
    candidates = scan.candidates(
        still_open, began="opened_at", key="pk", alliance="alliance_id"
    ) | scan.first_nudged("checkins")
    for chunk in chunked(sorted(candidates)):
        yield list(_checkins_unfilled_in(_checkin_ids_owing_a_nudge(chunk, scan.now)))


def _checkin_ids_owing_a_nudge(checkin_ids: list[int], now: datetime) -> list[int]:
    """Those of the check-ins, open for the nudge delay, with a current party who rated
    nothing (NOT EXISTS) and is due a nudge about it now."""
    unrated = (
        Party.objects.filter(alliance_id=OuterRef("alliance_id"))
        .exclude(
            Exists(
                Rating.objects.filter(checkin_id=OuterRef(OuterRef("pk")), party_id=OuterRef("pk"))
            )
        )
        .exclude(
            nudged_lately(
                "checkins", object_id=OuterRef(OuterRef("pk")), user_id=OuterRef("user_id"), now=now
            )
        )
    )
    owing = CheckIn.objects.filter(pk__in=checkin_ids, opened_at__lte=now - nudge_delay()).filter(
        Exists(unrated)
    )
    return list(owing.values_list("pk", flat=True))


def _checkins_unfilled_in(checkin_ids: list[int]) -> Iterator[WaitingItem]:
    open_checkins = list(CheckIn.objects.filter(pk__in=checkin_ids).select_related("alliance"))
    if not open_checkins:
        return
    rated = set(
        Rating.objects.filter(checkin__in=open_checkins).values_list("checkin_id", "party_id")
    )
    parties: dict[int, list[Party]] = {}
    for party in Party.objects.filter(
        alliance__in=[c.alliance_id for c in open_checkins]
    ).select_related("user"):
        parties.setdefault(party.alliance_id, []).append(party)
    for checkin in open_checkins:
        for party in parties.get(checkin.alliance_id, []):
            if (checkin.pk, party.pk) in rated:
                continue
            yield WaitingItem(
                provider="checkins",
                object_id=checkin.pk,
                revision="1",
                user=party.user,
                since=checkin.opened_at,
                template="nudge_checkin",
                context={"checkin": checkin, "alliance": checkin.alliance},
            )
