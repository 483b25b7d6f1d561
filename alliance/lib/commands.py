"""What the practice's commands (`alliance alliances`, `alliance token`, ...) share: help
that ends with examples, `--json` for scripts, a person named by their email address, and
one clear line with exit status 1 when something is not there (2 for a usage error, as
argparse does)."""

import argparse
import json
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from alliance.accounts.models import User


class PracticeCommand(BaseCommand):
    """A command about the practice in the configured database. Subclasses give `help`
    and `examples` (both marked with gettext_noop), and print through `emit`."""

    examples = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Raw, to keep the examples' columns; so the description is wrapped here.
        parser.description = textwrap.fill(_(self.help), width=80)
        parser.epilog = _(self.examples)
        return parser

    def add_json_argument(self, parser: CommandParser, shape: str) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help=_("Print one JSON document on standard output: %(shape)s.") % {"shape": shape},
        )

    def emit(self, payload: Any, *, as_json: bool, human: str) -> None:
        """`payload` as one JSON document with --json, `human` otherwise."""
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(human)

    def person(self, email: str) -> User:
        """The account that signs in with `email`; one line and exit 1 if there is none."""
        user = User.objects.filter(email__iexact=email.strip(), erased_at__isnull=True).first()
        if user is None:
            raise CommandError(_("No account signs in with %(email)s.") % {"email": email})
        return user

    def progress(self) -> "Progress":
        return Progress(self.stderr._out)


def when(at: datetime | None) -> str | None:
    """An instant as JSON carries it: ISO 8601 with its offset, or null."""
    return at.isoformat() if at else None


class Progress:
    """Progress of long work on standard error, only when it is a terminal: a script
    reading the output, or a test, sees nothing of it. Each report rewrites one line."""

    def __init__(self, stream: TextIO | Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.shown = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = 0

    def show(self, text: str) -> None:
        if not self.shown:
            return
        padding = " " * max(0, self.width - len(text))
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self.width = len(text)

    def done(self) -> None:
        if self.shown and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0

    @contextmanager
    def working(self, text: str) -> Iterator[None]:
        """Show `text` with the seconds spent, every half second, while the block runs
        (for one long call that cannot report its own steps)."""
        if not self.shown:
            yield
            return
        finished = threading.Event()
        started = time.monotonic()

        def tick() -> None:
            while not finished.wait(0.5):
                self.show(f"{text} {time.monotonic() - started:.0f} s")

        self.show(text)
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            finished.set()
            ticker.join()
            self.done()
