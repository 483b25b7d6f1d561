import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.feedback.coach import review


class Command(BaseCommand):
    help = gettext_noop(
        "Review a reflection with the feedback coach. It points out blame, absolutes, no "
        "'I', and a negative opening, each with a suggestion. Reads standard input when TEXT "
        "is omitted or is '-'."
    )

    # Pure text in, text out: no database or configuration to check first.
    requires_system_checks: list[str] = []
    # Tests hand in their own standard input: call_command("coach", stdin=io.StringIO(...)).
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", default="-", help="The reflection, or '-'.")
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"flags": [{"kind", "words", "suggestion"}, ...]} for scripts.',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["text"]
        if text == "-":
            text = (options.get("stdin") or sys.stdin).read()
        flags = review(text)
        if options["json"]:
            payload = {"flags": [flag.as_dict(explain=False) for flag in flags]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if not flags:
            self.stdout.write(_("Nothing to point out. It reads as your own voice."))
            return
        for flag in flags:
            self.stdout.write(self._describe(flag.kind, flag.words, flag.suggestion))

    def _describe(self, kind: str, words: list[str], suggestion: str) -> str:
        quoted = ", ".join(f'"{word}"' for word in words)
        head = f"{kind}: {quoted}" if quoted else kind
        return f"{self.style.WARNING(head)}\n  {suggestion}"
