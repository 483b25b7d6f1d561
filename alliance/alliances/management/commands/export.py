import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.alliances.export import FORMAT, alliance_export
from alliance.alliances.selectors import party_for
from alliance.lib.commands import PracticeCommand
from alliance.lib.forms import MAX_ID


class Command(PracticeCommand):
    help = gettext_noop(
        "Export one alliance as JSON (the format alliance-export/2), the file a party gets "
        "from the alliance's page. It holds what that party may see: their own drafts, the "
        "others' reflections only once revealed. `alliance verify FILE` checks it."
    )
    examples = gettext_noop(
        """examples:
  alliance export 3 --user ana@example.org
      prints Ana's export of alliance 3 on standard output
  alliance export 3 --user ana@example.org --output alliance-3.json
      writes it to a file (whole or not at all); progress on standard error
  alliance export 3 --user ana@example.org --output alliance-3.json --json
      prints {"alliance", "user", "format", "file", "bytes"} when done, for scripts
  alliance verify alliance-3.json
      checks that the exported record is intact"""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, metavar="ID", help=_("The alliance's number."))
        parser.add_argument(
            "--user",
            required=True,
            metavar="EMAIL",
            help=_(
                "The party whose export it is: an export shows what one party may see, "
                "never anyone else's drafts."
            ),
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="FILE",
            help=_("Write the export to FILE instead of standard output."),
        )
        self.add_json_argument(
            parser,
            _(
                'with --output, {"alliance", "user", "format", "file", "bytes"}; without, '
                "the export itself"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.person(options["user"])
        alliance_id = options["id"]
        try:
            if not 0 < alliance_id <= MAX_ID:
                raise Http404
            party = party_for(user=user, alliance_id=alliance_id)
        except Http404:
            raise CommandError(
                _("%(email)s is not a party of an alliance %(id)d.")
                % {"email": user.email, "id": alliance_id}
            ) from None
        target: Path | None = options["output"]
        if target is not None and target.is_dir():
            raise CommandError(
                _("%(path)s is a directory: give the file to write, e.g. %(path)s/export.json")
                % {"path": target}
            )
        progress = self.progress()
        with progress.working(_("Exporting “%(title)s”…") % {"title": party.alliance.title}):
            document = alliance_export(party)
        text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if target is None:
            self.stdout.write(text)
            return
        written = self.write(target, text.encode() + b"\n")
        self.emit(
            {
                "alliance": alliance_id,
                "user": user.email,
                "format": FORMAT,
                "file": str(target.resolve()),
                "bytes": written,
            },
            as_json=options["json"],
            human=_("Wrote %(path)s: “%(title)s” as %(name)s sees it, %(bytes)d bytes.")
            % {
                "path": target,
                "title": party.alliance.title,
                "name": user.name,
                "bytes": written,
            },
        )

    def write(self, target: Path, content: bytes) -> int:
        """Write through a `.part` file renamed once complete: `target` is whole or
        untouched."""
        part = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
        try:
            part.write_bytes(content)
            os.replace(part, target)
        except OSError as error:
            raise CommandError(
                _("Could not write %(path)s: %(reason)s")
                % {"path": target, "reason": error.strerror or error}
            ) from None
        finally:
            part.unlink(missing_ok=True)
        return len(content)
