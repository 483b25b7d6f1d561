"""Django's `flush`, allowed to empty the record too: erasing the whole database is the
one deliberate way past the triggers that keep versions and history from being deleted."""

from typing import Any

from django.core.management.commands import flush

from alliance.record.triggers import record_purge


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with record_purge(options["database"]):
            super().handle(**options)
