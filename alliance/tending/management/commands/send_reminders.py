from typing import Any

from django.core.management.base import BaseCommand

from alliance.lib.clock import now
from alliance.tending.services import checkin_reminders_due


class Command(BaseCommand):
    """Send the check-in reminders that are due now, once each, and exit."""

    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        sent = checkin_reminders_due(now())
        self.stdout.write(f"{len(sent)} check-in reminder{'s' if len(sent) != 1 else ''} sent.")
