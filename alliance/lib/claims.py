"""Claiming queued rows for one worker among several (the outbox's messages, the webhooks'
deliveries): each due row goes to exactly one worker, and a worker that died lets go of
its rows once their claim is older than the timeout."""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Model, QuerySet


def claim_due(
    due: QuerySet[Model],
    *,
    now: datetime,
    limit: int,
    worker_id: str,
    sending: str,
    ids: Iterable[int] | None = None,
) -> list[int]:
    """Take up to `limit` rows of `due` (ordered as they should go) for `worker_id`: set
    their `state` to `sending`, stamp the claim and count the attempt. Returns the ids this
    worker won. The rows need `state`, `claimed_at`, `claimed_by` and `attempts`."""
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    rows = due.model._default_manager
    claim = {
        "state": sending,
        "claimed_at": now,
        "claimed_by": worker_id,
        "attempts": F("attempts") + 1,
    }
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Rows another worker is claiming right now are skipped, not waited for.
            won = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            rows.filter(pk__in=won).update(**claim)
            return won
        won = []
        for pk, state, claimed_at in due.values_list("pk", "state", "claimed_at")[:limit]:
            # The row is ours only if nobody changed it since we read it.
            if rows.filter(pk=pk, state=state, claimed_at=claimed_at).update(**claim) == 1:
                won.append(pk)
        return won
