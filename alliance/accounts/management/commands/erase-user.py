import json
import sys
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.accounts.erasure import account_erase
from alliance.accounts.models import User
from alliance.accounts.selectors import erasure_stakes


class _HelpFormatter(DjangoHelpFormatter):
    """Django's order of options; the description wrapped, the examples kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # The examples are the one text written in lines; the description is one paragraph.
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class Command(BaseCommand):
    help = gettext_noop(
        "Erase a person's account, as they can on their profile page, for an operator "
        "answering their request. What was theirs alone is deleted; what the others must "
        "keep (versions they signed, what they shared, the history) stays under a "
        "pseudonym such as 'Former party 3'; the others are told by email."
    )
    examples = gettext_noop(
        "examples:\n"
        "  alliance erase-user ben@example.org          asks before erasing\n"
        "  alliance erase-user ben@example.org --yes    erases without asking\n"
        "  alliance erase-user ben@example.org --yes --json\n"
        "                                               prints what it did, for scripts"
    )
    # Tests hand in their own standard input: call_command(..., stdin=io.StringIO("yes")).
    stealth_options = ("stdin",)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        parser.epilog = _(self.examples)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=_("The address the person signs in with."))
        parser.add_argument(
            "--yes", action="store_true", help=_("Erase without asking for confirmation.")
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help=_(
                'Print {"pseudonym_number", "pseudonym", "former_email", "alliances_kept", '
                '"alliances_deleted", "people_told"} for scripts.'
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        user = User.objects.filter(email__iexact=email, erased_at__isnull=True).first()
        if user is None:
            raise CommandError(_("No account signs in with %(email)s.") % {"email": email})
        if not options["yes"] and not self._confirmed(user, options.get("stdin") or sys.stdin):
            self.stdout.write(_("Nothing was erased."))
            return
        erasure = account_erase(user)
        if options["json"]:
            self.stdout.write(json.dumps(erasure.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            _(
                "Erased %(email)s: they now appear as %(pseudonym)s; %(kept)d alliances keep "
                "their record, %(deleted)d were theirs alone and are deleted; %(told)d "
                "people were told."
            )
            % {
                "email": erasure.former_email,
                "pseudonym": erasure.pseudonym,
                "kept": len(erasure.kept),
                "deleted": len(erasure.deleted),
                "told": erasure.told,
            }
        )

    def _confirmed(self, user: User, stdin: Any) -> bool:
        self.stdout.write(
            _("%(name)s <%(email)s> is in these alliances:")
            % {"name": user.name, "email": user.email}
        )
        for stake in erasure_stakes(user):
            what = _("deleted entirely") if stake.deleted else _("kept by the others")
            self.stdout.write(f"  {stake.alliance.title}: {what}")
        self.stdout.write(_("Erase this account for good? Type yes to erase: "), ending="")
        self.stdout.flush()
        return stdin.readline().strip().lower() == "yes"
