"""The database itself refuses to rewrite the record.

A version, once ratified, and a line of history, once written, can be neither updated nor
deleted: triggers on SQLite and PostgreSQL refuse it, whatever the code (or a careless
shell) asks. Only the columns that hold names shown beside what was sealed (`names` of a
version, `personal` of a history line) may change: that is how erasing a person replaces
their name without breaking a chain.

Deleting is allowed inside `record_purge()` alone: when an alliance nobody else must keep
is deleted (its last person erased their account) and when an operator flushes the whole
database. The triggers are (re)installed after every `migrate`, because SQLite drops a
table's triggers whenever a migration rebuilds the table.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# Table, and the columns a trigger guards (everything but the names shown beside the seal).
GUARDED = {
    "alliances_event": (
        "alliance_id",
        "position",
        "kind",
        "actor_id",
        "data",
        "created_at",
        "previous_hash",
        "content_hash",
    ),
    "terms_version": (
        "alliance_id",
        "number",
        "scheme",
        "ratified_at",
        "ratified_by_id",
        "snapshot",
        "previous_hash",
        "content_hash",
    ),
}
REFUSAL = "the record is append-only: a ratified version or a history line never changes"

_purging: contextvars.ContextVar[bool] = contextvars.ContextVar("record_purging", default=False)


def _purge_allowed() -> int:
    return int(_purging.get())


def _on_sqlite_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("alliance_purge_allowed", 0, _purge_allowed)


def register_sqlite_functions() -> None:
    connection_created.connect(_on_sqlite_connection, dispatch_uid="alliance_record_purge")


@contextmanager
def record_purge(using: str = "default") -> Iterator[None]:
    """Let the rows of versions and history be deleted inside this block (and nowhere else)."""
    connection = connections[using]
    token = _purging.set(True)
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('alliance.purge', 'on', true)")
            yield
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('alliance.purge', 'off', true)")
    finally:
        _purging.reset(token)


def _sqlite_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OF {', '.join(columns)} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"WHEN NOT alliance_purge_allowed() BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    ]


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION alliance_record_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('alliance.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{REFUSAL} (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql
"""


def _postgresql_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OF {', '.join(columns)} OR DELETE "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION alliance_record_refuse()",
    ]


def install(using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        statements = [s for t, c in GUARDED.items() for s in _sqlite_statements(t, c)]
    elif connection.vendor == "postgresql":
        statements = [_PG_FUNCTION] + [
            s for t, c in GUARDED.items() for s in _postgresql_statements(t, c)
        ]
    else:
        return
    existing = set(connection.introspection.table_names())
    if not set(GUARDED) <= existing:
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def installed(using: str = "default") -> bool:
    """Whether every trigger guarding the record is in place (for `alliance check`)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = {f"{t}_no_{op}" for t in GUARDED for op in ("update", "delete")}
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = {f"{t}_append_only" for t in GUARDED}
        else:
            return True
        return expected <= {row[0] for row in cursor.fetchall()}


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    install(using)
