import argparse
import json
import sys
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db.utils import OperationalError, ProgrammingError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.record import documents
from alliance.record.report import Report
from alliance.record.verify import EXPORT_FORMAT, verify_alliance, verify_export

EXAMPLES = gettext_noop(
    """exit status: 0 the record is intact, 1 something was changed, 2 the input could not be read

examples:
  alliance verify alliance-3-2026-12-05.json   an exported file, with no database at all
  alliance verify --alliance 3                 alliance 3 in the configured database
  alliance verify coaching-v2.md               a version saved as Markdown
  alliance verify coaching-v2.pdf              a version saved as PDF
  alliance verify --json export.json           the findings as JSON, for scripts"""
)

INTACT, TAMPERED, UNREADABLE = 0, 1, 2


class Command(BaseCommand):
    help = gettext_noop(
        "Check that a record is intact, from an exported file or the database. It recomputes "
        "the hash of every version and history line and their links, from an export (.json, "
        "no database needed), a saved version (.md, .pdf) or an alliance (--alliance ID)."
    )

    # A file is checked with no database at all: it may be unreachable or not set up.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("epilog", _(EXAMPLES))
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Raw, to keep the examples' columns; so the description is wrapped here.
        parser.description = textwrap.fill(_(self.help), width=80)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", help="An exported .json file, or a version as .md or .pdf."
        )
        parser.add_argument(
            "--alliance", type=int, metavar="ID", help="Check this alliance in the database."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"subject", "intact", "findings": [{"where", "ok", "detail"}]}.',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if (options["file"] is None) == (options["alliance"] is None):
            self._unreadable(_("Give either a FILE or --alliance ID (see alliance verify --help)."))
        if options["alliance"] is not None:
            report = self._from_database(options["alliance"])
        else:
            report = self._from_file(Path(options["file"]))
        self._print(report, as_json=options["json"])
        sys.exit(INTACT if report.intact else TAMPERED)

    def _from_database(self, alliance_id: int) -> Report:
        from alliance.alliances.models import Alliance
        from alliance.cli import database_problem

        try:
            alliance = Alliance.objects.filter(pk=alliance_id).first()
            if alliance is None:
                self._unreadable(_("There is no alliance %(id)d.") % {"id": alliance_id})
            return verify_alliance(alliance)
        except (OperationalError, ProgrammingError) as error:
            self._unreadable(database_problem(error))

    def _from_file(self, path: Path) -> Report:
        try:
            content = path.read_bytes()
        except OSError as error:
            self._unreadable(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
            )
        suffix = path.suffix.lower()
        if suffix == ".json":
            return self._export(path, content)
        if suffix in (".md", ".pdf"):
            return self._document(path, suffix, content)
        self._unreadable(
            _("%(path)s is not a file Alliance can check: give a .json, .md or .pdf file.")
            % {"path": path}
        )

    def _export(self, path: Path, content: bytes) -> Report:
        try:
            data = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._unreadable(_("%(path)s is not JSON.") % {"path": path})
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            self._unreadable(
                _("%(path)s is not an Alliance export in the format %(format)s: export it again.")
                % {"path": path, "format": EXPORT_FORMAT}
            )
        return verify_export(data)

    def _document(self, path: Path, suffix: str, content: bytes) -> Report:
        if suffix == ".pdf":
            report: Report = documents.verify_pdf(content)
            return report
        try:
            text = content.decode()
        except UnicodeDecodeError:
            self._unreadable(_("%(path)s is not UTF-8 text.") % {"path": path})
        report = documents.verify_markdown(text)
        return report

    def _print(self, report: Report, *, as_json: bool) -> None:
        ordered = sorted(report.findings, key=lambda finding: finding.ok)
        if as_json:
            payload = {**report.as_dict(), "findings": [asdict(finding) for finding in ordered]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    _("The record is intact: %(subject)s.") % {"subject": report.subject}
                )
            )
        else:
            self.stdout.write(
                self.style.ERROR(
                    _("The record was changed: %(subject)s.") % {"subject": report.subject}
                )
            )
        for finding in ordered:
            mark = _("OK") if finding.ok else _("CHANGED")
            line = f"{mark:8} {finding.where}: {finding.detail}"
            self.stdout.write(line if finding.ok else self.style.ERROR(line))

    def _unreadable(self, message: str) -> NoReturn:
        self.stderr.write(message)
        sys.exit(UNREADABLE)
