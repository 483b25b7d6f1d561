from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from alliance.alliances.models import Party
from alliance.alliances.selectors import alliances_of
from alliance.lib.commands import PracticeCommand, when


def party_row(party: Party) -> dict[str, Any]:
    return {
        "name": party.user.name,
        "email": party.user.email,
        "role": party.role_label,
        "observer": party.is_observer,
        "joined_at": when(party.joined_at),
    }


class Command(PracticeCommand):
    help = gettext_noop(
        "List the alliances a person is in: id, title, kind, the version in force and the "
        "parties. Observed and closed alliances are listed too."
    )
    examples = gettext_noop(
        """examples:
  alliance alliances --user ana@example.org
      one alliance a line: id, title, kind, version in force, parties
  alliance alliances --user ana@example.org --json
      prints {"user", "alliances": [{"id", "title", "kind", "version", "closed_at",
      "role", "observer", "parties": [{"name", "email", "role", "observer"}]}]}
  alliance alliance 3
      then shows one of them"""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            required=True,
            metavar="EMAIL",
            help=_("The address the person signs in with."),
        )
        self.add_json_argument(parser, '{"user", "alliances": [...]}')

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.person(options["user"])
        progress = self.progress()
        with progress.working(_("Reading %(email)s's alliances…") % {"email": user.email}):
            parties = alliances_of(user)
        rows = []
        for done, party in enumerate(parties, start=1):
            if done % 50 == 0:
                progress.show(
                    _("%(done)d of %(total)d alliances") % {"done": done, "total": len(parties)}
                )
            alliance = party.alliance
            version = alliance.current_version
            rows.append(
                {
                    "id": alliance.pk,
                    "title": alliance.title,
                    "kind": alliance.kind,
                    "version": version.number if version else None,
                    "closed_at": when(alliance.closed_at),
                    "role": party.role_label,
                    "observer": party.is_observer,
                    "parties": [party_row(p) for p in alliance.present_parties],  # type: ignore[attr-defined]
                }
            )
        progress.done()
        self.emit(
            {"user": user.email, "alliances": rows},
            as_json=options["json"],
            human=self.human(user.email, parties, rows),
        )

    def human(self, email: str, parties: list[Party], rows: list[dict[str, Any]]) -> str:
        if not rows:
            return _("%(email)s is in no alliance.") % {"email": email}
        lines = [
            ngettext(
                "%(email)s is in %(count)d alliance:",
                "%(email)s is in %(count)d alliances:",
                len(rows),
            )
            % {"email": email, "count": len(rows)}
        ]
        width = max(len(str(row["id"])) for row in rows)
        for party, row in zip(parties, rows, strict=True):
            alliance = party.alliance
            if alliance.closed_at:
                state = _("closed")
            elif row["version"]:
                state = _("version %(number)d in force") % {"number": row["version"]}
            else:
                state = _("being designed")
            names = ", ".join(
                f"{p['name']} ({p['role']})" for p in row["parties"] if not p["observer"]
            )
            lines.append(
                f"  {str(row['id']).rjust(width)}  {alliance.title} "
                f"[{alliance.get_kind_display()}, {state}]"
            )
            lines.append(f"  {' ' * width}  {names}")
        return "\n".join(lines)
