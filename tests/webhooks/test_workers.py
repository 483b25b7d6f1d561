"""Real worker processes post the deliveries: every event arrives once, signed, and a worker
killed while it waits on a receiver loses nothing.

The workers open the test database through DATABASE_URL, so these tests commit their data
(transaction=True); they run on SQLite and PostgreSQL alike.
"""

from collections import Counter

import pytest

from alliance.webhooks import services
from alliance.webhooks.models import Delivery, DeliveryState
from tests.factories import make_alliance, make_user, party_of, propose
from tests.outbox.workers import WorkerProcess, wait_until
from tests.webhooks.story import ALL_EVENTS, PRIVATE, every_event

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 90
ALLOWED = {"ALLIANCE_WEBHOOKS_ALLOW_PRIVATE": "1"}


def start(name: str, tmp_path, **env: str) -> WorkerProcess:
    worker = WorkerProcess(
        name, "dummy://", tmp_path, "--outbox-interval", "0.05", **ALLOWED, **env
    )
    worker.wait_ready()
    return worker


def all_delivered() -> bool:
    return not Delivery.objects.exclude(state=DeliveryState.DELIVERED).exists()


def test_two_workers_deliver_every_event_of_the_story_exactly_once(receiver, tmp_path):
    ana = make_user(PRIVATE["name"], PRIVATE["email"])
    hook = services.endpoint_create(user=ana, url=receiver.url, events=ALL_EVENTS)
    every_event(ana)
    expected = set(Delivery.objects.values_list("message_id", flat=True))
    workers = [start(f"w{i}", tmp_path) for i in range(2)]
    try:
        wait_until(all_delivered, DEADLINE, f"{len(expected)} deliveries")
    finally:
        for worker in workers:
            worker.stop()
    payloads = receiver.verified(hook.secret)  # every signature verifies
    received = Counter(receiver.message_ids())
    assert set(received) == expected
    assert max(received.values()) == 1, "none twice"
    assert sorted({p["type"] for p in payloads}) == ALL_EVENTS
    assert all(
        p["data"]["urls"]["alliance"].endswith(f"/api/v1/alliances/{p['data']['alliance_id']}")
        for p in payloads
    )


def test_a_worker_killed_while_the_receiver_answers_loses_nothing(receiver, tmp_path):
    ana = make_user("Ana")
    hook = services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    propose(party_of(make_alliance(ana), ana), "We meet weekly.")
    (delivery,) = Delivery.objects.filter(endpoint=hook)
    timeout = {"ALLIANCE_WEBHOOKS_CLAIM_TIMEOUT": "2"}
    receiver.answering.clear()
    doomed = start("doomed", tmp_path, **timeout)
    try:
        wait_until(receiver.arrived.is_set, DEADLINE, "the delivery to reach the receiver")
    finally:
        doomed.kill()
    receiver.answering.set()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENDING
    assert delivery.claimed_by == "doomed", "the worker died holding the delivery"

    heir = start("heir", tmp_path, **timeout)
    try:
        wait_until(all_delivered, DEADLINE, "the stranded delivery to be sent again")
    finally:
        heir.stop()
    delivery.refresh_from_db()
    assert delivery.claimed_by == "heir"
    # The receiver saw it twice (the first answer never reached the dead worker), with the
    # same webhook-id both times: it keeps one.
    assert receiver.message_ids() == [delivery.message_id] * 2
    assert len(receiver.verified(hook.secret)) == 2
