"""The database itself refuses to rewrite the record, on SQLite and PostgreSQL alike: raw
SQL cannot update what a version or a history line sealed, nor delete either, except
inside `record_purge()`; the names shown beside the seal may change; `migrate` puts lost
triggers back, and `alliance check` says when they are missing."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, connection, transaction

from alliance.alliances.models import Alliance, Event
from alliance.record.triggers import GUARDED, installed, record_purge
from alliance.record.verify import verify_alliance, verify_history
from alliance.terms.models import Version
from tests.factories import make_alliance, propose, ratify_with
from tests.helpers import past_the_record_triggers


@pytest.fixture
def ratified(cast) -> Version:
    propose(cast.coach_party, "We meet weekly.")
    return ratify_with([cast.coach_party, cast.client_party])


def row_id(table: str, cast) -> int:
    model = Version if table == "terms_version" else Event
    return (
        model.objects.filter(alliance=cast.alliance).order_by("pk").values_list("pk", flat=True)[0]
    )


def refused(sql: str, params: list) -> bool:
    """Whether the database refused the statement as the record's triggers do."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        return "the record is append-only" in str(error)
    return False


@pytest.mark.parametrize(
    ("table", "column"),
    [(table, column) for table, columns in GUARDED.items() for column in columns],
)
def test_raw_sql_cannot_update_what_was_sealed(cast, ratified, table, column):
    assert refused(f"UPDATE {table} SET {column} = {column} WHERE id = %s", [row_id(table, cast)])


@pytest.mark.parametrize("table", list(GUARDED))
def test_raw_sql_cannot_delete_a_version_or_a_history_line(cast, ratified, table):
    assert refused(f"DELETE FROM {table} WHERE id = %s", [row_id(table, cast)])
    assert refused(f"DELETE FROM {table}", [])
    assert verify_alliance(cast.alliance).intact


def test_the_names_beside_the_seal_may_change(cast, ratified):
    names = {
        **ratified.names,
        str(cast.client_party.pk): {"name": "Former party 1", "erased": True},
    }
    assert Version.objects.filter(pk=ratified.pk).update(names=names) == 1
    line = Event.objects.filter(alliance=cast.alliance).exclude(personal={}).first()
    assert line is not None
    assert Event.objects.filter(pk=line.pk).update(personal={"name": "Former party 1"}) == 1
    # The history seals no name. The version's entry is now marked erased for someone who
    # was not: verification says so (a real erasure is in test_erasure.py).
    assert verify_history(cast.alliance.pk).intact
    [problem] = verify_alliance(cast.alliance).problems
    assert "was not erased under it" in problem.detail


def test_only_record_purge_lets_the_record_be_deleted(cast, ratified):
    other = make_alliance(cast.outsider, title="Olga's alliance")
    with pytest.raises(ValueError, match="the purge ends"), record_purge():
        raise ValueError("the block failed: the purge ends with it")
    assert refused("DELETE FROM terms_version WHERE alliance_id = %s", [cast.alliance.pk])

    with record_purge():
        # Purging deletes; it never lets anything be rewritten.
        assert refused(
            "UPDATE alliances_event SET kind = 'left' WHERE alliance_id = %s", [other.pk]
        )
        Alliance.objects.filter(pk=cast.alliance.pk).update(current_version=None)
        with connection.cursor() as cursor:
            for table in GUARDED:
                cursor.execute(f"DELETE FROM {table} WHERE alliance_id = %s", [cast.alliance.pk])
    assert not Version.objects.filter(alliance_id=cast.alliance.pk).exists()
    assert not Event.objects.filter(alliance_id=cast.alliance.pk).exists()
    assert refused("DELETE FROM alliances_event WHERE alliance_id = %s", [other.pk])
    assert verify_alliance(other).intact


def test_migrate_puts_lost_triggers_back_and_check_reports_them_missing(cast, ratified):
    with past_the_record_triggers():
        assert not installed()
        with pytest.raises(SystemCheckError, match=r"alliance\.E002"):
            call_command("check")
        call_command("migrate", verbosity=0)
        assert installed()
        assert refused("DELETE FROM terms_version WHERE id = %s", [ratified.pk])
    call_command("check")
