"""The daily digest: mail a person chose to get once a day, gathered into one email.

`send_templated` holds such a mail as a `DigestItem` (`digest_hold`) instead of queueing
it. Once a day, at `DIGEST_HOUR` in the person's own time zone, `digests_queue` (run by
`alliance worker`, a chunk of people per step) queues one digest listing everything held
for them since their last one, grouped by alliance; a person with nothing held gets
nothing.

No one gets the same item twice, even with several workers or one dying mid-way: the
items are claimed (`digested_at` set where it was still empty) in the transaction that
queues the digest email, so either both happen or neither does, and a worker that finds
the items already claimed rolls back and leaves them to the one that won.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.alliances.reactions import on_party_leave
from alliance.lib.chunks import chunked
from alliance.lib.clock import now as clock_now
from alliance.lib.dates import zone_or_utc
from alliance.outbox.models import (
    Delivery,
    DigestItem,
    EmailKind,
    NotificationPreferences,
    delivery_in,
)

logger = logging.getLogger(__name__)

# Lines listed per alliance in one digest; the rest are counted, and wait on the site.
LINES_PER_ALLIANCE = 30


def digest_morning_after(moment: datetime, time_zone: str) -> datetime:
    """The first `DIGEST_HOUR` o'clock in `time_zone` after `moment`."""
    zone = zone_or_utc(time_zone)
    local = moment.astimezone(zone)
    morning = datetime.combine(local.date(), time(settings.DIGEST_HOUR), tzinfo=zone)
    if morning <= local:
        morning = datetime.combine(
            local.date() + timedelta(days=1), time(settings.DIGEST_HOUR), tzinfo=zone
        )
    return morning


def digest_hold(
    *,
    user: User,
    alliance: Alliance,
    kind: str,
    text: str,
    url: str = "",
    dedupe_key: str | None = None,
) -> DigestItem | None:
    """Hold what an email would have said for `user`'s next digest, inside the caller's
    transaction. Nothing is held for a closed alliance but the news of its closing and
    reopening, nor twice for one `dedupe_key` (returns None then)."""
    if alliance.closed_at is not None and kind != EmailKind.CLOSING:
        return None
    at = clock_now()
    values = {
        "recipient": user,
        "alliance": alliance,
        "kind": kind,
        "text": text[:300],
        "url": url[:500],
        "created_at": at,
        "due_at": digest_morning_after(at, user.time_zone),
        "dedupe_key": dedupe_key,
    }
    if dedupe_key is None:
        return DigestItem.objects.create(**values)
    try:
        # A savepoint, so a lost race on the unique key leaves the caller's transaction
        # usable.
        with transaction.atomic():
            return DigestItem.objects.create(**values)
    except IntegrityError:
        return None


@on_party_leave
def _drop_held_on_leave(party: Party) -> None:
    """What was held for someone who leaves goes with them: should they come back before
    their digest, perhaps as an observer, it would tell them what they may not see now."""
    DigestItem.objects.filter(
        recipient_id=party.user_id, alliance_id=party.alliance_id, digested_at__isnull=True
    ).delete()


def recipient_ids_due(at: datetime) -> list[int]:
    """Everyone with an item due at `at` that is in no digest yet (the pending index)."""
    due = DigestItem.objects.filter(digested_at__isnull=True, due_at__lte=at).order_by()
    return sorted(set(due.values_list("recipient_id", flat=True)))


def digests_queue(at: datetime | None = None) -> int:
    """Queue the digests due at `at`; returns how many were queued."""
    return sum(digests_queue_in_chunks(at))


def digests_queue_in_chunks(at: datetime | None = None) -> Iterator[int]:
    """`digests_queue`, one chunk of people per step (the worker's way); yields how many
    digests each step queued."""
    at = at or clock_now()
    for recipient_ids in chunked(recipient_ids_due(at)):
        yield _digests_of_chunk(recipient_ids, at)


@dataclass
class DigestGroup:
    """One alliance's part of a digest."""

    alliance: Alliance
    url: str
    items: list[DigestItem] = field(default_factory=list)
    more: int = 0


def _digests_of_chunk(recipient_ids: list[int], at: datetime) -> int:
    """Their pending items and the alliances they are still in, one query each; then one
    digest per person, each in its own transaction, so one that fails costs only its
    own."""
    users = User.objects.in_bulk(recipient_ids)
    pending: dict[int, list[DigestItem]] = {}
    items = DigestItem.objects.filter(
        recipient_id__in=recipient_ids, digested_at__isnull=True, created_at__lte=at
    ).select_related("alliance")
    for item in items:
        pending.setdefault(item.recipient_id, []).append(item)
    present = set(
        Party.present.filter(user_id__in=recipient_ids).values_list("user_id", "alliance_id")
    )
    deliveries = dict(
        NotificationPreferences.objects.filter(user_id__in=recipient_ids).values_list(
            "user_id", "deliveries"
        )
    )
    queued = 0
    for user_id, held in pending.items():
        # Someone who left an alliance gets none of its mail any more, held or not, and a
        # closed one sends nothing but the news of its closing; a kind turned off since it
        # was held is not shown: the person's latest word counts.
        shown = [
            item
            for item in held
            if (user_id, item.alliance_id) in present
            and (item.alliance.closed_at is None or item.kind == EmailKind.CLOSING)
            and delivery_in(deliveries.get(user_id), item.kind) != Delivery.OFF
        ]
        try:
            with transaction.atomic():
                queued += _digest_send(users[user_id], held, shown, at)
        except ClaimedElsewhere:
            continue
        except Exception:
            logger.exception("The digest of user %s failed; it is tried again", user_id)
    return queued


class ClaimedElsewhere(Exception):
    """Another worker claimed some of these items first: roll back, it sends them."""


def _digest_send(user: User, held: list[DigestItem], shown: list[DigestItem], at: datetime) -> int:
    """Claim every item `held` for `user` and queue one digest listing those `shown`."""
    from alliance.lib.mail import send_templated

    claimed = DigestItem.objects.filter(
        pk__in=[item.pk for item in held], digested_at__isnull=True
    ).update(digested_at=at)
    if claimed != len(held):
        raise ClaimedElsewhere(user.pk)
    if not shown:
        return 0
    groups: dict[int, DigestGroup] = {}
    for item in shown:
        group = groups.get(item.alliance_id)
        if group is None:
            url = settings.BASE_URL + reverse(
                "alliance_detail", kwargs={"alliance_id": item.alliance_id}
            )
            group = groups[item.alliance_id] = DigestGroup(alliance=item.alliance, url=url)
        if len(group.items) < LINES_PER_ALLIANCE:
            group.items.append(item)
        else:
            group.more += 1
    send_templated(
        EmailKind.DIGEST,
        to=user,
        context={
            "groups": sorted(groups.values(), key=lambda g: g.alliance.title.casefold()),
            "count": len(shown),
            "since": min(item.created_at for item in shown),
        },
    )
    return 1
