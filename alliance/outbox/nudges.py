"""Nudges: one gentle reminder, and at most one more, to whoever something waits on.

A *provider* looks at one kind of open question (terms awaiting consent; later: unshared
reflections, unanswered proposed times, due check-ins) and yields a `WaitingItem` for each
person it waits on. `nudges_queue` (run every minute by `alliance worker`) turns items into
emails: the first once the item has waited `NUDGE_DAYS`, the second `NUDGE_DAYS` after
the first, never a third. Each email has a `dedupe_key`
(`nudge:<provider>:<object id>:<revision>:<user id>:<n>`), so running the job twice, or on
two workers at once, queues nothing twice. A new `revision` (the thing waited on changed)
starts a fresh pair. People who answered are simply not yielded, so they get nothing.

Adding a provider:

    @nudge_provider("reflections")
    def unshared_reflections(now: datetime) -> Iterable[WaitingItem]:
        ...

Invitations not yet accepted get no nudge: only a hash of the invitation link is stored,
so a reminder could not carry the link, and minting a new one behind the inviter's back
would break the link they may have shared by hand. The inviter can send it again from
the alliance page.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.lib.clock import now as clock_now
from alliance.outbox.models import EmailKind, OutboxMessage

if TYPE_CHECKING:
    from alliance.terms.selectors import Draft

NUDGES_PER_ITEM = 2

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WaitingItem:
    """Something that waits on one person since `since`.

    `template` names the email (`emails/<template>.txt` and friends); `context` fills it.
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


Provider = Callable[[datetime], Iterable[WaitingItem]]
PROVIDERS: dict[str, Provider] = {}


def nudge_provider(name: str) -> Callable[[Provider], Provider]:
    """Register a provider under `name` (the `<provider>` part of its dedupe keys)."""

    def register(provider: Provider) -> Provider:
        PROVIDERS[name] = provider
        return provider

    return register


def nudge_delay() -> timedelta:
    return timedelta(days=settings.NUDGE_DAYS)


def _waiting_items(now: datetime) -> list[WaitingItem]:
    """What every provider yields; a provider that fails keeps what it yielded so far,
    and the others still run."""
    items: list[WaitingItem] = []
    for name, provider in PROVIDERS.items():
        try:
            # A savepoint, so that a database error leaves the connection usable.
            with transaction.atomic():
                for item in provider(now):
                    items.append(item)
        except Exception:
            logger.exception("Nudges: the %s provider failed; its other items wait", name)
    return items


def nudges_due(now: datetime) -> list[tuple[WaitingItem, int]]:
    """Every (item, n) for which nudge number n should be queued at `now`."""
    delay = nudge_delay()
    items = [item for item in _waiting_items(now) if now - item.since >= delay]
    keys = [item.dedupe_key(n) for item in items for n in range(1, NUDGES_PER_ITEM + 1)]
    queued = dict(
        OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "created_at")
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


def nudges_queue(now: datetime | None = None) -> int:
    """Queue the nudges due at `now`; returns how many were queued."""
    from alliance.lib.mail import send_templated

    now = now or clock_now()
    queued = 0
    for item, n in nudges_due(now):
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
            continue
        queued += message is not None
    return queued


@nudge_provider("terms")
def terms_awaiting_consent(now: datetime) -> Iterable[WaitingItem]:
    """Parties who have said nothing yet on one or more terms of a draft.

    The revision is the time of the draft's latest change: a new or edited term starts a
    new pair of nudges; another party's answer does not.
    """
    from alliance.terms.selectors import DRAFT_STATUSES, draft_for

    settled_before = now - nudge_delay()
    alliances = (
        Alliance.objects.filter(terms__status__in=DRAFT_STATUSES)
        .annotate(last_change=Max("terms__updated_at"))
        .filter(last_change__lte=settled_before)
        .select_related("current_version")
    )
    for alliance in alliances:
        try:
            with transaction.atomic():
                waiting = _awaiting_consent(draft_for(alliance))
        except Exception:
            # A broken row (say, a hand-edited version) costs this alliance its nudges only.
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
