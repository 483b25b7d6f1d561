"""A stamp the database draws afresh for an alliance whenever one of its rows is written.

A page that lists many alliances (a coach's dashboard) keeps each alliance's card once
rendered, named by the alliance's stamp instead of by everything the card shows: loading
and digesting all of that for twenty-five cards costs more than the page's own work. For
the name to be true, no write may miss the stamp, whichever way it is made (a service, a
bulk update, a deletion, the admin, a shell), so the database does it, with a trigger on
every table whose rows a kept piece shows. Each app names its own tables when it starts
(`watch`), as the apps that come after the alliances register their other reactions.

The triggers are taken away before migrations run and put back after (SQLite refuses to
rebuild a table another table's trigger reads, and drops a rebuilt table's own), and
every alliance then gets a new stamp: a write made meanwhile stamped nothing.

A stamp's row is locked by the transaction that writes it until it ends, as the alliance
row is by the services that write in an alliance (they lock it first); a write that
stamps several alliances locks them in order of id.

The stamp is random, not a counter: a counter restarts after a rolled-back test or a
restored backup, and would name a new state with a number an old piece is kept under.
It lives in a table of its own (``alliances_alliancestamp``) that the ORM never writes
to, so that saving an alliance loaded before a change cannot write an old stamp back.
"""

from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

STAMPS = "alliances_alliancestamp"

# A random 63-bit number in each database's dialect.
_RANDOM = {
    "sqlite": "abs(random())",
    "postgresql": "floor(random() * 9.2e18)::bigint",
}

_EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


@dataclass(frozen=True)
class _Watched:
    alliances_of: str
    columns: tuple[str, ...]


_watched: dict[str, _Watched] = {}


def watch(table: str, alliances_of: str, *, columns: tuple[str, ...] = ()) -> None:
    """Every insert, update and delete of a row of `table` draws a new stamp for the
    alliances the row belongs to. `alliances_of` is a query giving their ids, as
    ``alliance_id``, from the row, written with ``{row}`` for it: ``SELECT
    {row}.alliance_id AS alliance_id``, or ``SELECT alliance_id FROM terms_term WHERE id
    = {row}.term_id``. A row whose alliance is gone stamps nothing. With `columns`, only
    an update that changes one of them stamps (a person's name, not the time they last
    signed in)."""
    _watched[table] = _Watched(alliances_of, columns)


def watched() -> set[str]:
    return set(_watched)


def install(using: str = "default") -> None:
    """Put in place the triggers of every watched table that lacks them, and then, if any
    was missing, give every alliance a new stamp: a write made while they were missing
    stamped nothing."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in _RANDOM:
        return
    existing = set(connection.introspection.table_names())
    if STAMPS not in existing:
        return
    missing = sorted((set(_watched) & existing) - installed(using))
    if not missing:
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in missing:
            for statement in _drop_statements(vendor, table):
                cursor.execute(statement)
            for statement in _create_statements(vendor, table, _watched[table]):
                cursor.execute(statement)
        cursor.execute(_stamped("SELECT id AS alliance_id FROM alliances_alliance", "", vendor))


def drop(using: str = "default") -> None:
    """Take every stamping trigger away (`drop_before_migrate`)."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in _RANDOM:
        return
    existing = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in sorted(set(_watched) & existing):
            for statement in _drop_statements(vendor, table):
                cursor.execute(statement)


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    install(using)


def drop_before_migrate(using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """Before migrations run, the triggers go: a trigger reads other tables (a consent's
    term, a person's parties), and SQLite refuses to rebuild a table (how it alters a
    column) that a trigger elsewhere names. They come back after (`install_after_migrate`)."""
    if plan:
        drop(using)


def installed(using: str = "default") -> set[str]:
    """The tables that have their stamping triggers."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            return set()
        names = {row[0] for row in cursor.fetchall()}
    return {
        table
        for table, how in _watched.items()
        if all(name in names for name in _trigger_names(connection.vendor, table, how))
    }


def _stamped(alliances_of: str, row: str, vendor: str) -> str:
    """An upsert giving each alliance `alliances_of` finds for `row` a new stamp."""
    # DISTINCT: PostgreSQL refuses an upsert that meets the same row twice. In order of
    # id: a write that stamps several alliances (a person's new name) locks their stamps
    # in one order, as services lock alliances. SQLite would read "ON CONFLICT" after a
    # bare SELECT as a join's; the WHERE clause ends it.
    return (
        f"INSERT INTO {STAMPS} (alliance_id, stamp) "
        f"SELECT alliance_id, {_RANDOM[vendor]} FROM "
        f"(SELECT DISTINCT alliance_id FROM ({alliances_of.format(row=row)}) AS rows_of) "
        "AS written WHERE alliance_id IS NOT NULL ORDER BY alliance_id "
        "ON CONFLICT (alliance_id) DO UPDATE SET stamp = excluded.stamp"
    )


def _events(how: _Watched) -> list[tuple[str, str]]:
    return [("update", "NEW")] if how.columns else list(_EVENTS)


def _trigger_names(vendor: str, table: str, how: _Watched) -> list[str]:
    if vendor == "sqlite":
        return [f"{table}_stamps_{event}" for event, _ in _events(how)]
    return [f"{table}_stamps"]


def _create_statements(vendor: str, table: str, how: _Watched) -> list[str]:
    if vendor == "sqlite":
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in how.columns)
        when = f" WHEN {changed}" if how.columns else ""
        return [
            f"CREATE TRIGGER {table}_stamps_{event} AFTER {event.upper()} ON {table} "
            f"FOR EACH ROW{when} BEGIN {_stamped(how.alliances_of, row, vendor)}; END"
            for event, row in _events(how)
        ]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in how.columns)
    when = f" WHEN ({changed})" if how.columns else ""
    events = " OR ".join(event.upper() for event, _ in _events(how))
    return [
        f"CREATE OR REPLACE FUNCTION {table}_stamps() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP = 'DELETE' THEN {_stamped(how.alliances_of, 'OLD', vendor)}; "
        f"ELSE {_stamped(how.alliances_of, 'NEW', vendor)}; END IF; "
        "RETURN NULL; "
        "END $$",
        f"CREATE TRIGGER {table}_stamps AFTER {events} ON {table} "
        f"FOR EACH ROW{when} EXECUTE FUNCTION {table}_stamps()",
    ]


def _drop_statements(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_stamps_{event}" for event, _ in _EVENTS]
    return [f"DROP TRIGGER IF EXISTS {table}_stamps ON {table}"]
