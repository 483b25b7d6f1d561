"""A stamp the database draws afresh for an alliance whenever one of its rows is written.

A page that lists many alliances (a coach's dashboard) keeps each alliance's card once
rendered, named by the alliance's stamp instead of by everything the card shows: loading
and digesting all of that for twenty-five cards costs more than the page's own work. For
the name to be true, no write may miss the stamp, whichever way it is made (a service, a
bulk update, a deletion, the admin, a migration), so the database does it with a trigger
on every table whose rows a card shows. Each app names its own tables in a migration
(`stamp_alliance_on_write`), as the apps that come after the alliances register their
other reactions.

The stamp is random, not a counter: a counter restarts after a rolled-back test or a
restored backup, and would name a new state with a number an old card is kept under.
It lives in a table of its own (``alliances_alliancestamp``) that the ORM never writes
to, so that saving an alliance loaded before a change cannot write an old stamp back.
"""

from typing import Any

from django.db import migrations

STAMPS = "alliances_alliancestamp"

# A random 63-bit number in each database's dialect.
_RANDOM = {
    "sqlite": "abs(random())",
    "postgresql": "floor(random() * 9.2e18)::bigint",
}


def stamp_alliance_on_write(
    table: str, alliances_of: str, *, columns: tuple[str, ...] = ()
) -> migrations.RunPython:
    """A migration operation: every insert, update and delete of a row of `table`
    draws a new stamp for the alliance the row belongs to. `alliances_of` is a query
    giving those alliances' ids, as ``alliance_id``, from the row, written with ``{row}``
    for it: ``SELECT {row}.alliance_id AS alliance_id``, or ``SELECT alliance_id FROM
    terms_term WHERE id = {row}.term_id``. A row whose alliance is gone stamps nothing.
    With `columns`, only an update that changes one of them stamps (a person's name, not
    the time they last signed in)."""

    def create(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for statement in _create_statements(vendor, table, alliances_of, columns):
            schema_editor.execute(statement)

    def drop(apps: Any, schema_editor: Any) -> None:
        for statement in _drop_statements(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return migrations.RunPython(create, drop)


def _stamped(alliances_of: str, row: str, vendor: str) -> str:
    """An upsert giving each alliance `alliances_of` finds for `row` a new stamp."""
    # DISTINCT: PostgreSQL refuses an upsert that meets the same row twice. SQLite would
    # read "ON CONFLICT" after a bare SELECT as a join's; the WHERE clause ends it.
    return (
        f"INSERT INTO {STAMPS} (alliance_id, stamp) "
        f"SELECT alliance_id, {_RANDOM[vendor]} FROM "
        f"(SELECT DISTINCT alliance_id FROM ({alliances_of.format(row=row)}) AS rows_of) "
        "AS written WHERE alliance_id IS NOT NULL "
        "ON CONFLICT (alliance_id) DO UPDATE SET stamp = excluded.stamp"
    )


_EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


def _create_statements(
    vendor: str, table: str, alliances_of: str, columns: tuple[str, ...]
) -> list[str]:
    events = [("update", "NEW")] if columns else list(_EVENTS)
    if vendor == "sqlite":
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        when = f" WHEN {changed}" if columns else ""
        return [
            f"CREATE TRIGGER {table}_stamps_{event} AFTER {event.upper()} ON {table} "
            f"FOR EACH ROW{when} BEGIN {_stamped(alliances_of, row, vendor)}; END"
            for event, row in events
        ]
    if vendor == "postgresql":
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        when = f" WHEN ({changed})" if columns else ""
        function = f"{table}_stamps"
        return [
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            f"IF TG_OP = 'DELETE' THEN {_stamped(alliances_of, 'OLD', vendor)}; "
            f"ELSE {_stamped(alliances_of, 'NEW', vendor)}; END IF; "
            "RETURN NULL; "
            "END $$",
            f"CREATE TRIGGER {table}_stamps AFTER "
            + " OR ".join(event.upper() for event, _ in events)
            + f" ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {function}()",
        ]
    raise NotImplementedError(f"Alliance stamps need triggers written for {vendor}.")


def _drop_statements(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_stamps_{event}" for event, _ in _EVENTS]
    return [
        f"DROP TRIGGER IF EXISTS {table}_stamps ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_stamps()",
    ]
