from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.alliances.management.commands.alliances import party_row
from alliance.alliances.selectors import AllianceSummary, alliance_summary
from alliance.lib.commands import PracticeCommand, when
from alliance.lib.forms import MAX_ID
from alliance.terms.models import Category


class Command(PracticeCommand):
    help = gettext_noop(
        "Show one alliance: parties, terms in force, draft, next check-in, open signals. "
        "It shows the terms under discussion and who they wait on, and counts tending "
        "signals; reflections and signals' notes are never shown: they are the parties' own."
    )
    examples = gettext_noop(
        """examples:
  alliance alliance 3             alliance 3 in the configured database
  alliance alliance 3 --json      prints {"id", "title", "kind", "purpose", "created_at",
                                  "closed_at", "version", "parties", "terms", "draft",
                                  "checkins", "signals"} for scripts
  alliance alliances --user ana@example.org
                                  finds the ids of a person's alliances"""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, metavar="ID", help=_("The alliance's number."))
        self.add_json_argument(parser, '{"id", "title", "parties", "terms", "draft", ...}')

    def handle(self, *args: Any, **options: Any) -> None:
        summary = alliance_summary(options["id"]) if 0 < options["id"] <= MAX_ID else None
        if summary is None:
            raise CommandError(_("There is no alliance %(id)d.") % {"id": options["id"]})
        payload = self.payload(summary)
        self.emit(payload, as_json=options["json"], human=self.human(summary, payload))

    def payload(self, summary: AllianceSummary) -> dict[str, Any]:
        alliance, draft, care = summary.alliance, summary.draft, summary.care
        version = alliance.current_version
        designing = draft.parties
        return {
            "id": alliance.pk,
            "title": alliance.title,
            "kind": alliance.kind,
            "purpose": alliance.purpose,
            "created_at": when(alliance.created_at),
            "closed_at": when(alliance.closed_at),
            "version": (
                {"number": version.number, "ratified_at": when(version.ratified_at)}
                if version
                else None
            ),
            "parties": [party_row(p) for p in summary.parties],
            "terms": [
                {"category": t["category"], "text": t["text"]}
                for t in (version.snapshot["terms"] if version else [])
            ],
            "draft": {
                "changes": draft.has_changes,
                "terms": [
                    {
                        "category": item.term.category,
                        "text": item.term.text,
                        "change": item.change,
                        "agreed_by": [p.user.name for p in item.agreed_by(designing)],
                        "waiting_on": [p.user.name for p in item.waiting_on(designing)],
                    }
                    for item in draft.items
                    if item.change != "unchanged"
                ],
            },
            "checkins": {
                "next_at": when(care.next_at),
                "rhythm": care.rhythm_text,
                "open": care.open_checkin is not None,
            },
            "signals": {
                "open": summary.open_signals,
                "acknowledged": summary.acknowledged_signals,
            },
        }

    def human(self, summary: AllianceSummary, payload: dict[str, Any]) -> str:
        alliance = summary.alliance
        lines = [f"{alliance.pk}  {alliance.title} [{alliance.get_kind_display()}]"]
        if alliance.purpose:
            lines.append(f"   {alliance.purpose}")
        if alliance.closed_at:
            lines.append(_("   Closed on %(day)s.") % {"day": self.day(alliance.closed_at)})
        lines += ["", _("Parties:")]
        for party in payload["parties"]:
            role = party["role"] + (_(", observer") if party["observer"] else "")
            lines.append(f"  {party['name']} <{party['email']}> ({role})")
        version = alliance.current_version
        lines.append("")
        if version:
            lines.append(
                _("Terms in force (version %(number)d, ratified %(day)s):")
                % {"number": version.number, "day": self.day(version.ratified_at)}
            )
            lines += self.terms(payload["terms"])
        else:
            lines.append(_("No version ratified yet."))
        changes = payload["draft"]["terms"]
        if changes:
            lines += ["", _("Draft under discussion:")]
            for term in changes:
                waiting = ", ".join(term["waiting_on"]) or _("nobody")
                lines.append(
                    f"  [{term['change']}] {term['text']}  ("
                    + _("waiting on %(names)s") % {"names": waiting}
                    + ")"
                )
        care = summary.care
        lines.append("")
        if care.open_checkin is not None:
            lines.append(_("A check-in is open."))
        if care.next_at:
            lines.append(
                _("Next check-in: %(day)s%(rhythm)s.")
                % {
                    "day": self.day(care.next_at),
                    "rhythm": f" ({care.rhythm_text})" if care.rhythm_text else "",
                }
            )
        elif care.open_checkin is None:
            lines.append(_("No check-in planned."))
        lines.append(
            _("Tending signals: %(open)d open, %(acknowledged)d acknowledged.") % payload["signals"]
        )
        return "\n".join(lines)

    def terms(self, terms: list[dict[str, Any]]) -> list[str]:
        labels = dict(Category.choices)
        return [f"  {labels.get(t['category'], t['category'])}: {t['text']}" for t in terms]

    def day(self, at: Any) -> str:
        return formats.date_format(at, "j F Y, H:i e")
