"""`alliance check` says when the triggers that keep the record append-only are missing."""

from typing import Any

from django.core.checks import Error, register
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from alliance.record import triggers


@register()
def check_record_triggers(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Someone who can drop a trigger can rewrite the record unnoticed until it is verified:
    say so. A database that is not set up (or not reachable) is reported elsewhere, and
    one with migrations to apply is skipped: `alliance migrate`, which runs this check
    first, installs the triggers once it is done and must not be refused for lacking them."""
    errors = []
    for alias in kwargs.get("databases") or ["default"]:
        connection = connections[alias]
        try:
            if not set(triggers.GUARDED) <= set(connection.introspection.table_names()):
                continue
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                continue
            if triggers.installed(alias):
                continue
        except DatabaseError:
            continue
        errors.append(
            Error(
                "The database triggers that refuse to change or delete ratified versions and "
                f"history lines are missing from the {alias} database.",
                hint="Run `alliance migrate`: it puts them back.",
                id="alliance.E002",
            )
        )
    return errors
