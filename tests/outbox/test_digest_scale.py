"""The digest job is bounded: who is due is found through the pending index, and each
chunk of people costs its reads once, plus the same few writes per digest."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.outbox import services as outbox_services
from alliance.outbox.digests import digests_queue, recipient_ids_due
from alliance.outbox.models import DigestItem, OutboxMessage
from tests.factories import join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(settings):
    settings.OUTBOX_SEND_IMMEDIATELY = False
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def people_with_news(count: int) -> None:
    """`count` alliances, each with a reader who takes term news in the digest and a
    proposer who just proposed two terms."""
    for _ in range(count):
        proposer, reader = make_user(), make_user()
        alliance = make_alliance(proposer)
        join(alliance, reader)
        outbox_services.preferences_update(
            user=reader, deliveries={"term_change": "digest"}, checkin_reminder_days=3
        )
        propose(party_of(alliance, proposer), "We meet weekly.")
        propose(party_of(alliance, proposer), "We answer within a day.")


def digest_queries(at: datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        digests_queue(at)
    return len(queries)


def test_each_digest_costs_the_same_few_writes_and_each_chunk_its_reads_once(clock, settings):
    settings.PERIODIC_CHUNK_SIZE = 100
    counts = []
    for day, people in enumerate([5, 10, 15], start=1):
        people_with_news(people)
        counts.append(digest_queries(MONDAY + timedelta(days=day)))
    assert OutboxMessage.objects.filter(kind="digest").count() == 30
    per_five = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_five, counts
    assert per_five <= 5 * 8, "a handful of writes per digest, no reads per person"


def test_a_quiet_pass_reads_one_index(clock):
    people_with_news(3)
    digests_queue(MONDAY + timedelta(days=1))
    assert digest_queries(MONDAY + timedelta(days=2)) == 1


def test_who_is_due_is_found_through_the_pending_index(clock):
    people_with_news(30)
    digests_queue(MONDAY + timedelta(days=1))
    people_with_news(3)
    query = DigestItem.objects.filter(
        digested_at__isnull=True, due_at__lte=MONDAY + timedelta(days=2)
    ).order_by()
    if connection.vendor == "postgresql":
        # A table this small is read whole unless scans are ruled out; the question is
        # whether the index can answer the query at all.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = query.values_list("recipient_id").explain()
    assert "digest_item_pending" in plan, plan
    assert len(recipient_ids_due(MONDAY + timedelta(days=2))) == 3
