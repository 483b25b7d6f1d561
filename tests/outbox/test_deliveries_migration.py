"""Upgrading keeps every email a person had turned off, off."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_user

BEFORE = [("outbox", "0003_nudge_lookup_index")]
AFTER = [("outbox", "0004_digest_and_deliveries")]


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_muted_kinds_become_off_and_back():
    ana, ben = make_user("Ana"), make_user("Ben")
    try:
        old = migrate(BEFORE)
        preferences = old.get_model("outbox", "NotificationPreferences")
        preferences.objects.create(user_id=ana.pk, muted_kinds=["nudge", "ratified"])
        preferences.objects.create(user_id=ben.pk, muted_kinds=[])

        new = migrate(AFTER)
        rows = new.get_model("outbox", "NotificationPreferences").objects
        assert rows.get(user_id=ana.pk).deliveries == {"nudge": "off", "ratified": "off"}
        assert rows.get(user_id=ben.pk).deliveries == {}

        rows.filter(user_id=ben.pk).update(deliveries={"joined": "digest", "nudge": "off"})
        back = migrate(BEFORE).get_model("outbox", "NotificationPreferences").objects
        assert back.get(user_id=ana.pk).muted_kinds == ["nudge", "ratified"]
        assert back.get(user_id=ben.pk).muted_kinds == ["nudge"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
