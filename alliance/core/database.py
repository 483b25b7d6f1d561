"""What the command line says about the database: which one, and whether it is set up."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def database_described() -> str:
    """The database in use, in words, without its password: "SQLite at /path" or
    "PostgreSQL alliance on db.example.org:5432"."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return _("SQLite at %(path)s") % {"path": database["NAME"]}
    return _("PostgreSQL %(name)s on %(host)s:%(port)s") % {
        "name": database["NAME"],
        "host": database["HOST"] or "localhost",
        "port": database["PORT"] or 5432,
    }


def migrations_pending() -> int:
    """How many migrations the database still lacks (connects to it)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def not_set_up_message() -> str:
    return _(
        "the database (%(database)s) is not set up yet: run `alliance migrate` first "
        "(`alliance serve` and `alliance demo` do it themselves)"
    ) % {"database": database_described()}
