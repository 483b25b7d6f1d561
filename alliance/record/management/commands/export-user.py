"""`alliance export-user EMAIL`: the zip a person gets from "Prepare a copy of all my data",
built at once, for an operator answering a request for someone's data."""

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from alliance.accounts.models import User
from alliance.lib.clock import now
from alliance.record.takeout import takeout_zip

EXAMPLES = """examples:
  alliance export-user ana@example.org
      writes alliance-data-ana-at-example.org-<date>.zip here, progress on stderr
  alliance export-user ana@example.org --output /tmp/ana.zip
  alliance export-user ana@example.org --json
      prints {"email", "file", "bytes", "alliances"} when done, for scripts
"""


class Command(BaseCommand):
    help = gettext_noop(
        "Write a copy of all of one person's data to a zip file. It is the file they get "
        "when they ask for it on their profile, and holds only what they may see."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EXAMPLES
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The email address the person signs in with.")
        parser.add_argument(
            "--output",
            type=Path,
            metavar="FILE",
            help="Where to write the zip (default: alliance-data-<email>-<date>.zip here). "
            "It is written whole or not at all.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"email", "file", "bytes", "alliances"} on standard output when done.',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(_("No account signs in with %(email)s.") % {"email": email})
        safe_email = user.email.replace("@", "-at-").replace("/", "-")
        target = options["output"] or Path(f"alliance-data-{safe_email}-{now():%Y-%m-%d}.zip")
        if target.is_dir():
            raise CommandError(
                _("%(path)s is a directory: give the file to write, e.g. %(path)s/copy.zip")
                % {"path": target}
            )
        total = 0
        try:
            for done, total in takeout_zip(user=user, target=target):
                self.stderr.write(
                    ngettext(
                        "%(done)d of %(total)d alliance written",
                        "%(done)d of %(total)d alliances written",
                        total,
                    )
                    % {"done": done, "total": total}
                )
        except OSError as error:
            raise CommandError(
                _("Could not write %(path)s: %(reason)s")
                % {"path": target, "reason": error.strerror or error}
            ) from None
        if options["json"]:
            summary = {
                "email": user.email,
                "file": str(target.resolve()),
                "bytes": target.stat().st_size,
                "alliances": total,
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                ngettext(
                    "Wrote %(path)s: %(count)d alliance.",
                    "Wrote %(path)s: %(count)d alliances.",
                    total,
                )
                % {"path": target, "count": total}
            )
