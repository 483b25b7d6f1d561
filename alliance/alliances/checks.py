"""`alliance check` says when the triggers that stamp alliances are missing."""

from typing import Any

from django.core.checks import Error, register
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from alliance.lib import stamps


@register()
def check_stamp_triggers(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Without its triggers, a write leaves an alliance's stamp as it was, and the
    dashboard and the alliance page may show a kept card or draft from before it. A
    database not set up, or with migrations to apply, is skipped: `alliance migrate`
    puts the triggers in place when it is done."""
    errors = []
    for alias in kwargs.get("databases") or ["default"]:
        connection = connections[alias]
        try:
            tables = set(connection.introspection.table_names())
            if stamps.STAMPS not in tables:
                continue
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                continue
            missing = sorted((stamps.watched() & tables) - stamps.installed(alias))
        except DatabaseError:
            continue
        if missing:
            errors.append(
                Error(
                    f"The triggers that stamp alliances are missing from {', '.join(missing)} "
                    f"in the {alias} database: pages may show what was kept before a change.",
                    hint="Run `alliance migrate`: it puts them back.",
                    id="alliance.E003",
                )
            )
    return errors
