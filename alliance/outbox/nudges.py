"""Nudges: one gentle reminder, and at most one more, to whoever something waits on.

A *provider* looks at one kind of open question (terms awaiting consent, unshared
reflections, unanswered proposed times, unfilled check-ins) and finds a `WaitingItem` for
each person it waits on. It reads only the candidates its `Scan` names, through indexes on
time, and loads the rest a chunk of objects at a time (never a query per row), yielding
the items of each chunk as one list (empty when nothing in it waits), so that a step of
the worker reads one chunk however many candidates there are. `nudges_queue` (run every
minute by `alliance worker`, a chunk per step) turns items into emails: the first once the
item has waited `NUDGE_DAYS`, the second `NUDGE_DAYS` after the first, never a third. Each
email has a `dedupe_key` (`nudge:<provider>:<object id>:<revision>:<user id>:<n>`), so
running the job twice, or on two workers at once, queues nothing twice. A new `revision`
(the thing waited on changed) starts a fresh pair. People who answered are simply not
yielded, so they get nothing.

A pass does not read everything that waits: only what may have become due since the
provider's previous pass, and everything within the horizon in its slice of the
alliances, so that each alliance is swept once a day (see `Scan`).

Adding a provider:

    @nudge_provider("reflections")
    def unshared_reflections(scan: Scan) -> Iterable[list[WaitingItem]]:
        shared = Reflection.objects.filter(state=ReflectionState.SHARED)
        candidates = scan.candidates(
            shared, began="shared_at", key="stake_id", alliance="stake__alliance_id"
        ) | scan.first_nudged("reflections")
        for chunk in chunked(sorted(candidates)):
            yield [...]  # the items of this chunk, waiting at scan.now

Invitations not yet accepted get no nudge: only a hash of the invitation link is stored,
so a reminder could not carry the link, and minting a new one behind the inviter's back
would break the link they may have shared by hand. The inviter can send it again from
the alliance page.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Event, Party
from alliance.lib.chunks import chunked
from alliance.lib.clock import now as clock_now
from alliance.outbox.marks import PASS_OVERLAP, SweptSlice, pass_done, pass_plan
from alliance.outbox.models import DigestItem, EmailKind, OutboxMessage

if TYPE_CHECKING:
    from alliance.terms.selectors import Draft

NUDGES_PER_ITEM = 2

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WaitingItem:
    """Something that waits on one person since `since`.

    `template` names the email (`emails/<template>.txt` and friends); `context` fills it,
    and holds the `alliance` the item belongs to (a closed one is never nudged about).
    `revision` changes whenever the thing waited on changes, which starts a new pair.
    """

    provider: str
    object_id: int
    revision: str
    user: User
    since: datetime
    template: str
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def dedupe_key(self, n: int) -> str:
        return f"nudge:{self.provider}:{self.object_id}:{self.revision}:{self.user.pk}:{n}"


@dataclass(frozen=True)
class Scan:
    """Which candidates a provider reads at `now`.

    A whole sweep (`after` is None) reads what began to wait within the horizon, and
    whatever waits in an alliance someone joined within it. Every other pass reads only
    what may have become due after the previous pass (`after`), of the same:

    - what began to wait a nudge delay before a moment since then (its first nudge is due);
    - what had its first nudge a delay before such a moment (the second is due);
    - what belongs to an alliance with history recorded since (someone joined or came
      back, the alliance reopened: what may make something wait on someone that did not),
      within the same horizon;

    and it sweeps the alliances of `swept`, its slice of the rolling sweep, as a whole
    sweep would.

    An item waits from the moment it began to (a reflection shared, a time proposed, a
    check-in opened, a draft changed) or from a change that is a line of history, so these
    three hold every item that became due; the others were nudged already or are not due
    yet. That keeps a pass to what changed, however many alliances there are; the slices
    find, within a day, what no history records (see `alliance.outbox.marks`). Two
    changes are not history and wait for the slice of their alliance: someone taking back
    a skipped reflection (they just saw what waits), and someone turning nudges back on
    (what waited while they were off was not recorded).
    """

    now: datetime
    after: datetime | None = None
    swept: SweptSlice | None = None

    def candidates(
        self, rows: QuerySet[Any], *, began: str, key: str, alliance: str, joins: bool = True
    ) -> set[int]:
        """The `key` values of the `rows` (what may wait) this scan reads: `began` names
        the time each began to wait, `alliance` the alliance each belongs to; with
        `joins`, what waits in an alliance someone joined within the horizon is read too
        (through history, in a pass)."""
        horizon = self.now - nudge_horizon()
        if self.after is None:
            return _within_horizon(
                rows, began=began, key=key, alliance=alliance, joins=joins, at=self.now
            )
        delay = nudge_delay()
        due = {f"{began}__gt": self.after - delay - PASS_OVERLAP, f"{began}__lte": self.now - delay}
        found = set(rows.filter(**due).values_list(key, flat=True))
        # What the history since brings in, within the bounds a sweep keeps.
        recent = Q(**{f"{began}__gt": horizon})
        if joins:
            joined_lately = Party.objects.filter(
                alliance_id=OuterRef(alliance), joined_at__gt=horizon
            )
            recent |= Q(Exists(joined_lately))
        changed = Event.objects.filter(created_at__gt=self.after - PASS_OVERLAP)
        found.update(
            rows.filter(recent, **{f"{alliance}__in": changed.values("alliance_id")}).values_list(
                key, flat=True
            )
        )
        if self.swept is not None and not self.swept.empty:
            found |= _within_horizon(
                rows.filter(self.swept.condition(alliance)),
                began=began,
                key=key,
                alliance=alliance,
                joins=joins,
                at=self.now,
            )
        return found

    def first_nudged(self, provider: str) -> set[int]:
        """Ids of the objects of `provider` whose first nudge was queued (or held for a
        digest) a nudge delay before a moment since the previous pass (none in a whole sweep,
        which reads them all)."""
        if self.after is None:
            return set()
        delay = nudge_delay()
        window = {
            "kind": EmailKind.NUDGE,
            "created_at__gt": self.after - delay - PASS_OVERLAP,
            "created_at__lte": self.now - delay,
            "dedupe_key__startswith": f"nudge:{provider}:",
            "dedupe_key__endswith": ":1",
        }
        keys = [
            *OutboxMessage.objects.filter(**window).values_list("dedupe_key", flat=True),
            *DigestItem.objects.filter(**window).values_list("dedupe_key", flat=True),
        ]
        return {int(key.split(":")[2]) for key in keys if key}


Provider = Callable[[Scan], Iterable[list[WaitingItem]]]
PROVIDERS: dict[str, Provider] = {}


def nudge_provider(name: str) -> Callable[[Provider], Provider]:
    """Register a provider under `name` (the `<provider>` part of its dedupe keys)."""

    def register(provider: Provider) -> Provider:
        PROVIDERS[name] = provider
        return provider

    return register


def nudge_delay() -> timedelta:
    return timedelta(days=settings.NUDGE_DAYS)


def nudge_horizon() -> timedelta:
    """How far back providers look for what began to wait, or for whom it waits on to
    join: time for both nudges, and a week more for a worker that was down to catch up.
    What waits longer had its nudges, or the moment for a gentle reminder has passed."""
    return NUDGES_PER_ITEM * nudge_delay() + timedelta(days=7)


def nudged_lately(
    provider: str,
    *,
    object_id: Any,
    user_id: Any,
    now: datetime,
    since: Any = None,
) -> Exists:
    """A condition for a provider's query: no nudge of `provider` about that object (an
    id or an `OuterRef`) is due to that person now, because their last one went out
    (after `since`, when the revision moves with the time the item began to wait), or
    one went out less than the delay ago. Through the outbox's (recipient, kind) index;
    the dedupe keys remain the judge of what is queued."""
    about = Concat(
        Value(f"nudge:{provider}:"), Cast(object_id, output_field=CharField()), Value(":")
    )
    nudges = OutboxMessage.objects.filter(
        recipient_id=user_id, kind=EmailKind.NUDGE, dedupe_key__startswith=about
    ).filter(Q(dedupe_key__endswith=f":{NUDGES_PER_ITEM}") | Q(created_at__gt=now - nudge_delay()))
    if since is not None:
        nudges = nudges.filter(created_at__gte=since)
    return Exists(nudges)


def _within_horizon(
    rows: QuerySet[Any], *, began: str, key: str, alliance: str, joins: bool, at: datetime
) -> set[int]:
    """The `key` values of the `rows` that began to wait within the horizon before `at`
    and, with `joins`, of those in an alliance someone joined within it (see `Scan`)."""
    horizon = at - nudge_horizon()
    found = set(rows.filter(**{f"{began}__gt": horizon}).values_list(key, flat=True))
    if joins:
        joined = rows.filter(**{f"{alliance}__in": alliance_ids_joined_since(horizon)})
        found.update(joined.values_list(key, flat=True))
    return found


def alliance_ids_joined_since(moment: datetime) -> QuerySet[Party, int]:
    """Alliances someone joined after `moment` (the parties' `joined_at` index): a newcomer
    may be waited for on what began to wait before them."""
    return (
        Party.objects.filter(joined_at__gt=moment).order_by().values_list("alliance_id", flat=True)
    )


def _waiting_chunks(scans: dict[str, Scan]) -> Iterator[tuple[str, list[WaitingItem] | None]]:
    """What each provider finds in its scan, a step at a time: (provider, items), where
    a step reads one chunk of a provider's candidates and hands on at most a chunk of
    items (an empty list when none waits), and (provider, None) once a provider read all
    of its scan. A provider that fails keeps what it found so far, and the others still
    run."""
    for name, scan in scans.items():
        try:
            # A savepoint (a transaction in the worker), so that a database error leaves
            # the connection usable.
            with transaction.atomic():
                chunks = iter(PROVIDERS[name](scan))
        except Exception:
            logger.exception("Nudges: the %s provider failed; its items wait", name)
            continue
        while True:
            try:
                with transaction.atomic():
                    found = next(chunks, None)
            except Exception:
                logger.exception("Nudges: the %s provider failed; its other items wait", name)
                break
            if found is None:
                yield name, None
                break
            waiting = [item for item in found if not _closed(item)]
            for chunk in chunked(waiting) if waiting else [[]]:
                yield name, chunk


def _closed(item: WaitingItem) -> bool:
    """A closed alliance waits on nobody. Every provider puts the alliance, loaded with
    the chunk, in its items' context: one rule here covers them all."""
    alliance = item.context.get("alliance")
    return alliance is not None and alliance.closed_at is not None


def _due_among(items: list[WaitingItem], now: datetime) -> list[tuple[WaitingItem, int]]:
    """Every (item, n) of `items` for which nudge number n should be queued at `now`."""
    delay = nudge_delay()
    items = [item for item in items if now - item.since >= delay]
    keys = [item.dedupe_key(n) for item in items for n in range(1, NUDGES_PER_ITEM + 1)]
    queued = dict(
        OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "created_at")
    )
    # A nudge held for someone's daily digest counts as sent when it was held.
    queued.update(
        DigestItem.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "created_at")
    )
    due = []
    for item in items:
        for n in range(1, NUDGES_PER_ITEM + 1):
            key = item.dedupe_key(n)
            if key in queued:
                continue
            previous = queued.get(item.dedupe_key(n - 1)) if n > 1 else None
            if n == 1 or (previous is not None and now - previous >= delay):
                due.append((item, n))
            break
    return due


def nudges_due(now: datetime) -> list[tuple[WaitingItem, int]]:
    """Every (item, n) for which nudge number n should be queued at `now` (a whole sweep:
    what waits within the horizon, whatever the previous passes saw)."""
    scans = {name: Scan(now) for name in PROVIDERS}
    return [
        due
        for _name, chunk in _waiting_chunks(scans)
        if chunk is not None
        for due in _due_among(chunk, now)
    ]


def nudges_queue(now: datetime | None = None) -> int:
    """Queue the nudges due at `now`; returns how many were queued."""
    return sum(nudges_queue_in_chunks(now))


def nudges_queue_in_chunks(now: datetime | None = None) -> Iterator[int]:
    """`nudges_queue`, a step at a time (the worker's way): each step reads one chunk of
    candidates and queues at most a chunk of nudges; yields how many each step queued.
    Each provider reads what its scan names (see `Scan`), and moves its mark once it has
    read all of it and queued all it found due: a pass cut short, or in which a nudge
    failed, is read again."""
    now = now or clock_now()
    plans = {name: pass_plan(_job(name), now) for name in PROVIDERS}
    scans = {name: Scan(now, after=plan.after, swept=plan.swept) for name, plan in plans.items()}
    failing: set[str] = set()
    for name, chunk in _waiting_chunks(scans):
        if chunk is not None:
            queued, failed = _queue(_due_among(chunk, now))
            if failed:
                failing.add(name)
            yield queued
        elif name in failing:
            logger.warning("Nudges: some of the %s provider failed; the next pass retries", name)
        else:
            pass_done(_job(name), plans[name])


def _job(provider: str) -> str:
    """The name of a provider's mark."""
    return f"nudges:{provider}"


def _queue(due: list[tuple[WaitingItem, int]]) -> tuple[int, int]:
    """Queue these nudges; returns how many were queued and how many failed."""
    from alliance.lib.mail import send_templated

    queued = failed = 0
    for item, n in due:
        try:
            with transaction.atomic():
                message = send_templated(
                    EmailKind.NUDGE,
                    to=item.user,
                    template=item.template,
                    context={**item.context, "nudge_number": n, "waiting_since": item.since},
                    dedupe_key=item.dedupe_key(n),
                )
        except Exception:
            logger.exception(
                "Nudge %s for alliance %s failed",
                item.dedupe_key(n),
                getattr(item.context.get("alliance"), "pk", None),
            )
            failed += 1
            continue
        queued += message is not None
    return queued, failed


@nudge_provider("terms")
def terms_awaiting_consent(scan: Scan) -> Iterable[list[WaitingItem]]:
    """Parties who have said nothing yet on one or more terms of a draft.

    The revision is the time of the draft's latest change: a new or edited term starts a
    new pair of nudges; another party's answer does not. Only the drafts of the scan are
    read (changed, nudged or joined: see `Scan`), and of those only the ones that wait on
    someone.
    """
    from alliance.terms.selectors import alliance_ids_awaiting_consent, draft_terms

    candidates = scan.candidates(
        draft_terms(), began="updated_at", key="alliance_id", alliance="alliance_id"
    ) | scan.first_nudged("terms")
    for chunk in chunked(sorted(candidates)):
        yield list(_terms_awaiting_in(alliance_ids_awaiting_consent(chunk, now=scan.now)))


def _terms_awaiting_in(waiting_ids: list[int]) -> Iterator[WaitingItem]:
    from alliance.terms.models import Term
    from alliance.terms.selectors import DRAFT_STATUSES, draft_build, draft_terms_queryset

    alliances = (
        Alliance.objects.filter(pk__in=waiting_ids)
        .annotate(last_change=Max("terms__updated_at", filter=Q(terms__status__in=DRAFT_STATUSES)))
        .select_related("current_version")
    )
    parties: dict[int, list[Party]] = {}
    for party in Party.objects.filter(alliance_id__in=waiting_ids).select_related("user"):
        parties.setdefault(party.alliance_id, []).append(party)
    terms: dict[int, list[Term]] = {}
    for term in draft_terms_queryset(waiting_ids):
        terms.setdefault(term.alliance_id, []).append(term)
    for alliance in alliances:
        try:
            draft = draft_build(
                alliance=alliance,
                parties=parties.get(alliance.pk, []),
                terms=terms.get(alliance.pk, []),
            )
            waiting = _awaiting_consent(draft)
        except Exception:
            # A broken row (say, a hand-edited version) costs this alliance its nudges.
            logger.exception("Nudges: the terms of alliance %s could not be read", alliance.pk)
            continue
        revision = str(int(alliance.last_change.timestamp()))
        for party, count in waiting:
            yield WaitingItem(
                provider="terms",
                object_id=alliance.pk,
                revision=revision,
                user=party.user,
                since=alliance.last_change,
                template="nudge_terms",
                context={"alliance": alliance, "count": count},
            )


def _awaiting_consent(draft: "Draft") -> list[tuple[Party, int]]:
    """(party, number of terms awaiting their word) for every party something waits on."""
    if len(draft.parties) < 2:
        return []
    found = []
    for party in draft.parties:
        waiting = draft.awaiting_consent_from(party)
        if waiting:
            found.append((party, len(waiting)))
    return found
