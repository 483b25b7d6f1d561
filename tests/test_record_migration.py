"""History written before it was chained gets its positions and hashes from the migration
(`alliances.0008_chained_history`), in the order it was written, and then verifies."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from alliance.accounts.models import User
from alliance.alliances.models import Event
from alliance.record import triggers
from alliance.record.verify import verify_history

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_CHAINING = [("alliances", "0007_alliance_revision")]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def test_seal_existing_history_chains_the_lines_written_before_it():
    executor = migrate(BEFORE_CHAINING)
    try:
        old = executor.loader.project_state(BEFORE_CHAINING).apps
        Alliance, Event_ = (
            old.get_model("alliances", "Alliance"),
            old.get_model("alliances", "Event"),
        )
        # Accounts are not migrated back: their table is as today's model says.
        ana = User.objects.create(email="ana@example.org", display_name="Ana")
        first = Alliance.objects.create(title="First", kind="coaching", created_by_id=ana.pk)
        second = Alliance.objects.create(title="Second", kind="coaching", created_by_id=ana.pk)
        noon = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        later = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
        # Written out of order, and two at the same moment: the older line comes first,
        # then the one written first among equals.
        renamed = Event_.objects.create(
            alliance=first,
            actor_id=ana.pk,
            kind="renamed",
            data={"old": "A", "new": "First"},
            created_at=later,
        )
        created = Event_.objects.create(
            alliance=first, actor_id=ana.pk, kind="created", data={"title": "A"}, created_at=noon
        )
        invited = Event_.objects.create(
            alliance=first,
            actor_id=ana.pk,
            kind="invited",
            data={"addressee": "ben@example.org"},
            created_at=noon,
        )
        Event_.objects.create(
            alliance=second, actor=None, kind="created", data={"title": "Second"}, created_at=noon
        )
    finally:
        migrate()
        triggers.install()

    lines = list(Event.objects.filter(alliance_id=first.pk).order_by("position"))
    assert [(e.pk, e.position) for e in lines] == [
        (created.pk, 1),
        (invited.pk, 2),
        (renamed.pk, 3),
    ]
    assert (lines[1].data, lines[1].personal) == ({}, {"addressee": "ben@example.org"})
    assert lines[1].previous_hash == lines[0].content_hash
    assert verify_history(first.pk).intact
    assert verify_history(second.pk).intact
    assert Event.objects.get(alliance_id=second.pk).position == 1
