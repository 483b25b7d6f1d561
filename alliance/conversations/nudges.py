"""Nudges for the design conversation: reflections the others wait on, proposed times
nobody answered. Registered with the outbox's nudge framework on import (see apps.py)."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Exists, Min, OuterRef, Subquery

from alliance.alliances.models import Party
from alliance.conversations.models import (
    CandidateTime,
    Reflection,
    ReflectionState,
    Reveal,
    Stake,
    StakeState,
    TimeAnswer,
)
from alliance.lib.chunks import chunked
from alliance.outbox.nudges import (
    Scan,
    WaitingItem,
    nudge_delay,
    nudge_provider,
    nudged_lately,
)

ANSWERED = (ReflectionState.SHARED, ReflectionState.SKIPPED)
OPEN_STAKES = (StakeState.PROPOSED, StakeState.SCHEDULED)


@nudge_provider("reflections")
def reflections_awaited(scan: Scan) -> Iterable[list[WaitingItem]]:
    """A party who has not answered a prompt that someone else already shared, and that
    is not revealed yet (a reveal made before someone joined waits on nobody).

    One pair of nudges per conversation and person, however many prompts wait: the
    reminder is about the conversation, not each question. Only the conversations of the
    scan are read (a reflection shared, a nudge, a party joined: see `Scan`).
    """
    shared = Reflection.objects.filter(
        state=ReflectionState.SHARED, stake__state__in=OPEN_STAKES
    ).order_by()
    candidates = scan.candidates(
        shared, began="shared_at", key="stake_id", alliance="stake__alliance_id"
    ) | scan.first_nudged("reflections")
    for chunk in chunked(sorted(candidates)):
        yield list(_reflections_awaited_in(_stake_ids_awaiting_reflections(chunk, scan.now)))


def _stake_ids_awaiting_reflections(stake_ids: list[int], now: datetime) -> list[int]:
    """Those of the open conversations with a prompt someone shared on, not revealed,
    that a current party has not answered (NOT EXISTS), who is due a nudge about it now."""
    answered = Reflection.objects.filter(
        stake_id=OuterRef("stake_id"),
        prompt_id=OuterRef("prompt_id"),
        party_id=OuterRef(OuterRef("pk")),
        state__in=ANSWERED,
    )
    unanswered = (
        Reflection.objects.filter(
            stake_id=OuterRef(OuterRef("pk")),
            state=ReflectionState.SHARED,
            party__left_at__isnull=True,
            shared_at__lte=now - nudge_delay(),
        )
        .exclude(
            Exists(
                Reveal.objects.filter(
                    stake_id=OuterRef("stake_id"), prompt_id=OuterRef("prompt_id")
                )
            )
        )
        .exclude(Exists(answered))
    )
    waited_for = (
        Party.objects.filter(alliance_id=OuterRef("alliance_id"))
        .filter(Exists(unanswered))
        .exclude(
            nudged_lately(
                "reflections",
                object_id=OuterRef(OuterRef("pk")),
                user_id=OuterRef("user_id"),
                now=now,
            )
        )
    )
    stakes = Stake.objects.filter(pk__in=stake_ids, state__in=OPEN_STAKES)
    return list(stakes.filter(Exists(waited_for)).values_list("pk", flat=True))


def _reflections_awaited_in(stake_ids: list[int]) -> Iterator[WaitingItem]:
    shared = (
        Reflection.objects.filter(
            stake_id__in=stake_ids,
            state=ReflectionState.SHARED,
            stake__state__in=OPEN_STAKES,
            party__left_at__isnull=True,
        )
        .values("stake_id", "prompt_id")
        .annotate(first=Min("shared_at"))
    )
    firsts: dict[tuple[int, int], datetime] = {
        (row["stake_id"], row["prompt_id"]): row["first"] for row in shared
    }
    if not firsts:
        return
    waited_on = {stake_id for stake_id, _ in firsts}
    revealed = Reveal.objects.filter(stake_id__in=waited_on).values_list("stake_id", "prompt_id")
    for key in revealed:
        firsts.pop(key, None)
    answered = set(
        Reflection.objects.filter(stake_id__in=waited_on, state__in=ANSWERED).values_list(
            "stake_id", "prompt_id", "party_id"
        )
    )
    stakes = Stake.objects.filter(pk__in=waited_on).select_related("alliance")
    parties = Party.objects.filter(alliance__stakes__in=waited_on).select_related("user")
    by_alliance: dict[int, list[Party]] = {}
    for party in parties.distinct():
        by_alliance.setdefault(party.alliance_id, []).append(party)
    for stake in stakes:
        for party in by_alliance.get(stake.alliance_id, []):
            waiting = [
                first
                for (stake_id, prompt_id), first in firsts.items()
                if stake_id == stake.pk and (stake_id, prompt_id, party.pk) not in answered
            ]
            if waiting:
                yield WaitingItem(
                    provider="reflections",
                    object_id=stake.pk,
                    revision="1",
                    user=party.user,
                    since=min(waiting),
                    template="nudge_reflections",
                    context={"stake": stake, "alliance": stake.alliance, "count": len(waiting)},
                )


@nudge_provider("times")
def times_unanswered(scan: Scan) -> Iterable[list[WaitingItem]]:
    """A party who has not said which of the proposed times suit them: the first ones, or
    those someone proposed later instead (each later proposal starts a new pair). Only
    the conversations of the scan are read (times proposed, a nudge, history: see
    `Scan`); times offered before someone joined never wait on them."""
    proposed = CandidateTime.objects.filter(stake__state=StakeState.PROPOSED).order_by()
    candidates = scan.candidates(
        proposed, began="proposed_at", key="stake_id", alliance="stake__alliance_id", joins=False
    ) | scan.first_nudged("times")
    for chunk in chunked(sorted(candidates)):
        yield list(_times_unanswered_in(_stake_ids_awaiting_times(chunk, scan.now)))


def _stake_ids_awaiting_times(stake_ids: list[int], now: datetime) -> list[int]:
    """Those of the proposed conversations with a time offered after a current party
    joined that they have not answered (NOT EXISTS), who is due a nudge about it now."""
    unanswered = CandidateTime.objects.filter(
        stake_id=OuterRef(OuterRef("pk")),
        proposed_at__gte=OuterRef("joined_at"),
        proposed_at__lte=now - nudge_delay(),
    ).exclude(
        Exists(
            TimeAnswer.objects.filter(
                candidate_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk"))
            )
        )
    )
    latest = (
        CandidateTime.objects.filter(stake_id=OuterRef(OuterRef("pk")))
        .order_by("-proposed_at")
        .values("proposed_at")[:1]
    )
    waited_for = (
        Party.objects.filter(alliance_id=OuterRef("alliance_id"))
        .annotate(latest=Subquery(latest))
        .filter(Exists(unanswered))
        .exclude(
            nudged_lately(
                "times",
                object_id=OuterRef(OuterRef("pk")),
                user_id=OuterRef("user_id"),
                now=now,
                since=OuterRef("latest"),
            )
        )
    )
    stakes = Stake.objects.filter(pk__in=stake_ids, state=StakeState.PROPOSED)
    return list(stakes.filter(Exists(waited_for)).values_list("pk", flat=True))


def _times_unanswered_in(stake_ids: list[int]) -> Iterator[WaitingItem]:
    stakes = {
        s.pk: s
        for s in Stake.objects.filter(pk__in=stake_ids, state=StakeState.PROPOSED).select_related(
            "alliance"
        )
    }
    candidates = list(
        CandidateTime.objects.filter(stake_id__in=stakes).select_related("proposed_by__user")
    )
    answered = set(
        TimeAnswer.objects.filter(candidate__in=candidates).values_list("candidate_id", "party_id")
    )
    parties = Party.objects.filter(alliance__stakes__in=stakes).select_related("user").distinct()
    by_alliance: dict[int, list[Party]] = {}
    for party in parties:
        by_alliance.setdefault(party.alliance_id, []).append(party)
    by_stake: dict[int, list[CandidateTime]] = {}
    for candidate in candidates:
        by_stake.setdefault(candidate.stake_id, []).append(candidate)
    for stake in stakes.values():
        for party in by_alliance.get(stake.alliance_id, []):
            # Times offered before someone joined do not wait on them.
            waiting = [
                c
                for c in by_stake.get(stake.pk, [])
                if (c.pk, party.pk) not in answered and party.joined_at <= c.proposed_at
            ]
            if not waiting:
                continue
            latest = max(waiting, key=lambda c: (c.proposed_at, c.pk))
            first_proposal = latest.proposed_at <= stake.created_at
            yield WaitingItem(
                provider="times",
                object_id=stake.pk,
                revision="1" if first_proposal else str(int(latest.proposed_at.timestamp())),
                user=party.user,
                since=latest.proposed_at,
                template="nudge_times",
                context={
                    "stake": stake,
                    "alliance": stake.alliance,
                    "offered_by": latest.proposed_by.user.name if latest.proposed_by else "",
                },
            )
