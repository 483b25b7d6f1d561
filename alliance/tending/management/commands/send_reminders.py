from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_noop, ngettext

from alliance.lib.clock import now
from alliance.tending.services import checkin_reminders_due


class Command(BaseCommand):
    help = gettext_noop(
        "Queue the check-in reminders due now, once each, for a worker to send. Workers "
        "queue them every minute themselves; this is for a scheduler such as cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = checkin_reminders_due(now())
        self.stdout.write(
            ngettext(
                "%(count)d check-in reminder queued; a worker sends it (alliance worker, or "
                "alliance serve).",
                "%(count)d check-in reminders queued; a worker sends them (alliance worker, "
                "or alliance serve).",
                len(queued),
            )
            % {"count": len(queued)}
        )
