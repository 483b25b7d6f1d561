"""Markdown and PDF records of an alliance or of one of its versions, and their checks.

A record file carries what verifies it: the Markdown ends with a fenced JSON block, the
PDF holds the same JSON as an attached file. That JSON (a "document") holds every version
shown as it was sealed (`scheme`, `number`, `snapshot`, `previous_hash`, `content_hash`)
with the signers' names and salts kept beside the seal (`names`), plus what the file shows
that no seal covers (the alliance's current title, purpose and parties).

Verifying needs no database: the hashes are recomputed with `chain`, each name is checked
against its commitment, and the readable part is compared with what the embedded data
says. The Markdown body is rendered again from the data and compared line by line; the
PDF's text must hold every term, every signer's name and the hashes, in order. Labels
(categories, kinds, headings) are rendered again in the document's language, which is why
Django must be configured (settings, not a database) to call these functions.
"""

import hashlib
import io
import json
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import StreamObject

from alliance.record.chain import readable_snapshot
from alliance.record.report import Report
from alliance.record.verify import check_versions

VERSION_FORMAT = "alliance-version/1"
ALLIANCE_FORMAT = "alliance-record/1"
ATTACHMENT_NAME = "alliance-record.json"
# The same JSON in the PDF's document information, where WeasyPrint writes a custom
# <meta> element (its name loses the hyphen).
METADATA_KEY = "/alliancerecord"
DIGEST_PREFIX = b"%alliance-record-sha256 "
STYLESHEET = "record/document.css"


# What a record file holds -----------------------------------------------------------------


def version_sealed(version: Any) -> dict[str, Any]:
    """A `terms.models.Version` as a record file carries it."""
    return {
        "scheme": version.scheme,
        "number": version.number,
        "snapshot": version.snapshot,
        "previous_hash": version.previous_hash,
        "content_hash": version.content_hash,
        "names": version.names,
    }


def version_document(version: Any, *, language: str) -> dict[str, Any]:
    """The record of one version: what it sealed and the names beside the seal."""
    return {"format": VERSION_FORMAT, "language": language, **version_sealed(version)}


def alliance_document(
    *, alliance: Any, parties: Iterable[Any], versions: Iterable[Any], language: str
) -> dict[str, Any]:
    """The record of an alliance: its versions so far (the last one in force), and its
    title, purpose and parties as they are now, which no seal covers."""
    return {
        "format": ALLIANCE_FORMAT,
        "language": language,
        "alliance": {"title": alliance.title, "kind": alliance.kind, "purpose": alliance.purpose},
        "parties": [{"name": p.user.name, "role": p.role_label} for p in parties],
        "versions": [version_sealed(v) for v in versions],
    }


# What a reader sees -----------------------------------------------------------------------


@dataclass
class Agreement:
    name: str
    at: str


@dataclass
class ShownTerm:
    text: str
    note: str
    agreements: list[Agreement]


@dataclass
class Signature:
    name: str
    role: str
    at: str


@dataclass
class ShownVersion:
    number: int
    scheme: int
    title: str
    kind: str
    categories: list[tuple[str, list[ShownTerm]]]
    signatures: list[Signature]
    content_hash: str
    previous_hash: str


@dataclass
class Shown:
    """A document as its Markdown and its PDF show it, labels translated."""

    is_alliance: bool
    title: str
    kind: str
    purpose: str
    parties: list[tuple[str, str]]
    versions: list[ShownVersion]

    @property
    def in_force(self) -> ShownVersion | None:
        """The last version shown: the one in force (or the one version of its record)."""
        return self.versions[-1] if self.versions else None

    @property
    def earlier(self) -> list[ShownVersion]:
        return self.versions[:-1]


def when(iso: str) -> str:
    """A sealed ISO 8601 time as a reader reads it, in UTC (the same for every reader)."""
    try:
        at = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _shown_version(entry: dict[str, Any]) -> ShownVersion:
    from alliance.alliances.models import Kind
    from alliance.terms.models import Category

    readable = readable_snapshot(entry["snapshot"], entry.get("names") or {})
    groups: dict[str, list[ShownTerm]] = {}
    for term in readable.get("terms", []):
        groups.setdefault(term["category"], []).append(
            ShownTerm(
                text=term["text"],
                note=term.get("note") or "",
                agreements=[Agreement(a["name"], when(a["at"])) for a in term["agreements"]],
            )
        )
    order = [c.value for c in Category] + sorted(set(groups) - set(Category.values))
    alliance = readable.get("alliance", {})
    return ShownVersion(
        number=entry["number"],
        scheme=entry["scheme"],
        title=alliance.get("title", ""),
        kind=_label(Kind, alliance.get("kind", "")),
        categories=[(_label(Category, c), groups[c]) for c in order if c in groups],
        signatures=[
            Signature(s["name"], s.get("role", ""), when(s.get("agreed_at", "")))
            for s in readable.get("signatures", [])
        ],
        content_hash=entry["content_hash"],
        previous_hash=entry["previous_hash"],
    )


def shown(document: dict[str, Any]) -> Shown:
    """What a document shows, as the Markdown and PDF templates lay it out."""
    from alliance.alliances.models import Kind

    if document.get("format") == ALLIANCE_FORMAT:
        versions = [_shown_version(entry) for entry in document["versions"]]
        alliance = document["alliance"]
        return Shown(
            is_alliance=True,
            title=alliance["title"],
            kind=_label(Kind, alliance["kind"]),
            purpose=alliance.get("purpose") or "",
            parties=[(p["name"], p["role"]) for p in document["parties"]],
            versions=versions,
        )
    version = _shown_version(document)
    return Shown(
        is_alliance=False,
        title=version.title,
        kind=version.kind,
        purpose="",
        parties=[],
        versions=[version],
    )


# Markdown ---------------------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]<>#|~&!])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def _escape_line_start(match: re.Match[str]) -> str:
    """A backslash before a list or quote marker, after the number of a numbered one."""
    indent, marker = match.groups()
    return f"{indent}{marker}\\" if marker[0].isdigit() else f"{indent}\\{marker}"


def _md(text: str) -> list[str]:
    """`text` as Markdown lines that a parser reads back as the same words."""
    lines = []
    for line in str(text).splitlines() or [""]:
        escaped = _INLINE.sub(r"\\\1", line)
        lines.append(_LINE_START.sub(_escape_line_start, escaped))
    return lines


def _md_inline(text: str) -> str:
    return " ".join(_md(text))


def _fence_for(block: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", block)), default=0)
    return "`" * max(3, longest + 1)


def _version_lines(version: ShownVersion, level: int) -> list[str]:
    head = "#" * level
    lines = [f"{head} {_('Terms')}", ""]
    for label, terms in version.categories:
        lines += [f"{head}# {_md_inline(label)}", ""]
        for term in terms:
            text = _md(term.text)
            lines += [f"- {text[0]}", *(f"  {line}" for line in text[1:]), ""]
            if term.note:
                note = _md(term.note)
                lines += [f"  *{note[0]}", *(f"  {line}" for line in note[1:])]
                lines[-1] += "*"
                lines.append("")
            agreed = ", ".join(
                _("%(name)s (%(at)s)") % {"name": _md_inline(a.name), "at": a.at}
                for a in term.agreements
            )
            lines += [f"  {_('Agreed by')} {agreed}", ""]
    if not version.categories:
        lines += [_("No terms."), ""]
    lines += [f"{head} {_('Signatures')}", ""]
    for s in version.signatures:
        name = _md_inline(s.name or _("a party not named here"))
        signed = _("**%(name)s**, %(role)s: agreed %(at)s")
        lines.append("- " + signed % {"name": name, "role": _md_inline(s.role), "at": s.at})
    lines += ["", f"{head} {_('Record')}", ""]
    lines += _record_lines(version)
    return [*lines, ""]


def _record_lines(version: ShownVersion) -> list[str]:
    previous = (
        f"`{version.previous_hash}`"
        if version.previous_hash
        else _("none: this is the first version")
    )
    return [
        f"- {_('Version')}: {version.number}",
        f"- {_('Hashing scheme')}: {version.scheme}",
        f"- {_('Content hash')}: `{version.content_hash}`",
        f"- {_('Previous hash')}: {previous}",
    ]


def _how_to_verify_lines() -> list[str]:
    return [
        f"## {_('How to verify')}",
        "",
        _(
            "Run `alliance verify` with this file. It recomputes each content hash (SHA-256 "
            "of the previous hash, a newline and the canonical JSON of the sealed snapshot), "
            "checks that each version follows the one before, checks each name against the "
            "commitment sealed in its signature, and checks that the text above still says "
            "what the data below says."
        ),
        "",
    ]


def _body_lines(document: dict[str, Any]) -> list[str]:
    seen = shown(document)
    if not seen.is_alliance:
        assert seen.in_force is not None
        heading = _("%(title)s, version %(number)d") % {
            "title": seen.title,
            "number": seen.in_force.number,
        }
        lines = [f"# {_md_inline(heading)}", "", _md_inline(seen.kind), ""]
        return lines + _version_lines(seen.in_force, 2) + _how_to_verify_lines()
    lines = [f"# {_md_inline(seen.title)}", "", _md_inline(seen.kind), ""]
    if seen.purpose:
        lines += [*_md(seen.purpose), ""]
    lines += [f"## {_('Parties')}", ""]
    lines += [f"- **{_md_inline(name)}**, {_md_inline(role)}" for name, role in seen.parties]
    lines.append("")
    if seen.in_force is None:
        lines += [_("No version has been ratified yet."), ""]
    else:
        title = _("In force: version %(number)d") % {"number": seen.in_force.number}
        lines += [f"## {title}", "", *_version_lines(seen.in_force, 3)]
    if seen.earlier:
        lines += [f"## {_('Earlier versions')}", ""]
        for version in seen.earlier:
            previous = f"`{version.previous_hash}`" if version.previous_hash else _("none")
            line = _("Version %(number)d: content hash %(content)s, previous hash %(previous)s")
            content = f"`{version.content_hash}`"
            lines.append(
                "- " + line % {"number": version.number, "content": content, "previous": previous}
            )
        lines.append("")
    return lines + _how_to_verify_lines()


def _data_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)


def _data_block(document: dict[str, Any]) -> list[str]:
    data = _data_json(document)
    fence = _fence_for(data)
    return [f"{fence}json", *data.splitlines(), fence]


def markdown(document: dict[str, Any]) -> str:
    """The Markdown record of `document`, ending with the data that verifies it."""
    with _language(document):
        return "\n".join(_body_lines(document) + _data_block(document)) + "\n"


# HTML and PDF -----------------------------------------------------------------------------


@cache
def pdf_available() -> bool:
    """Whether WeasyPrint loads: it needs Pango and friends from the system, and its
    import fails with OSError when they are missing."""
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True


def html(document: dict[str, Any], *, for_pdf: bool) -> str:
    """The document as a page that reads like a signed agreement (the print view, and
    what WeasyPrint lays out as the PDF)."""
    from django.template.loader import render_to_string

    with translation.override(document.get("language") or "en"):
        return render_to_string(
            "record/document.html",
            {
                "document": shown(document),
                "for_pdf": for_pdf,
                "language": document["language"],
                "data": _data_json(document),
            },
        )


def pdf(document: dict[str, Any]) -> bytes:
    """The PDF record of `document`, carrying the JSON that verifies it as an attachment."""
    import weasyprint
    from django.contrib.staticfiles import finders

    stylesheet = finders.find(STYLESHEET)
    attachment = weasyprint.Attachment(
        string=_data_json(document),
        name=ATTACHMENT_NAME,
        description="Alliance record: the sealed data this document shows",
    )
    made = weasyprint.HTML(string=html(document, for_pdf=True)).write_pdf(
        stylesheets=[stylesheet], attachments=[attachment], custom_metadata=True
    )
    return made + _digest_line(made)


def _digest_line(made: bytes) -> bytes:
    """A PDF comment after the end of the file, holding the SHA-256 of every byte before
    it: PDF readers pass over it, and a verifier finds any changed byte of the file (the
    pages' text and the attachment then say where, when they can)."""
    return DIGEST_PREFIX + hashlib.sha256(made).hexdigest().encode() + b"\n"


def _check_digest(report: Report, data: bytes) -> None:
    start = data.rfind(DIGEST_PREFIX)
    if start < 0:
        report.failed(
            "file",
            _(
                "The file has no digest line: it was changed or saved again by another "
                "program since Alliance made it."
            ),
        )
    elif data[start:] != _digest_line(data[:start]):
        report.failed(
            "file",
            _("The file was changed since Alliance made it: its SHA-256 no longer matches."),
        )
    else:
        report.passed(
            "file", _("Every byte of the file is as Alliance made it (its SHA-256 matches).")
        )


def _damaged_streams(reader: PdfReader) -> list[int]:
    """Numbers of the objects whose compressed data no longer unpacks (zlib checks every
    stream with its own checksum)."""
    damaged = []
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        stream = reader.get_object(number)
        if isinstance(stream, StreamObject) and stream.get("/Filter") == "/FlateDecode":
            try:
                zlib.decompress(stream._data)
            except zlib.error:
                damaged.append(number)
    return damaged


# Verification -----------------------------------------------------------------------------


def _check_sealed(report: Report, document: dict[str, Any]) -> None:
    """Recompute every version's hash, its link to the version before, and each name's
    commitment: the checks `alliance verify` runs on the database and on exports. A single
    version's record starts its chain where the version does."""
    if document.get("format") == ALLIANCE_FORMAT:
        check_versions(report, document["versions"])
    else:
        check_versions(
            report,
            [document],
            first_number=document["number"],
            previous_hash=document["previous_hash"],
        )


def _parse_document(
    report: Report, raw: str | bytes, where: str, render: Callable[[dict[str, Any]], list[Any]]
) -> tuple[dict[str, Any], list[Any]] | None:
    """The embedded document, checked against its seals, and what `render` makes of it
    (what the readable part must say); None, with the reason reported, when it is not a
    whole record."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        report.failed(
            where, _("The embedded data is not valid JSON (%(error)s).") % {"error": error}
        )
        return None
    if not isinstance(document, dict) or document.get("format") not in (
        VERSION_FORMAT,
        ALLIANCE_FORMAT,
    ):
        report.failed(where, _("The embedded data is not an Alliance record."))
        return None
    try:
        _check_sealed(report, document)
        with _language(document):
            rendered = render(document)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as error:
        report.failed(
            where, _("The embedded data lacks a part of a record (%(error)s).") % {"error": error}
        )
        return None
    return document, rendered


_OPENING_FENCE = re.compile(r"^(`{3,})json$")


def verify_markdown(text: str) -> Report:
    """Check a Markdown record: the sealed data it ends with, and that the text above it
    still says what that data says (the first differing line is named)."""
    report = Report(_("Markdown record"))
    # Lines end at a newline alone (a carriage return before it is a copy's, not a change):
    # `str.splitlines` would also end one at a form feed or a vertical tab, and so miss a
    # newline changed into one of those.
    lines = text.replace("\r\n", "\n").split("\n")
    opening = next(
        (i for i in range(len(lines) - 1, -1, -1) if _OPENING_FENCE.match(lines[i])), None
    )
    if opening is None:
        report.failed("file", _("No embedded record: the file should end with a JSON block."))
        return report
    fence = _OPENING_FENCE.match(lines[opening]).group(1)  # type: ignore[union-attr]
    closing = next((i for i in range(opening + 1, len(lines)) if lines[i] == fence), None)
    if closing is None:
        report.failed(f"line {opening + 1}", _("The embedded JSON block is not closed."))
        return report
    trailing = next((i for i in range(closing + 1, len(lines)) if lines[i].strip()), None)
    if trailing is not None:
        report.failed(
            f"line {trailing + 1}",
            _("Text follows the embedded data, which no seal covers: a record ends with it."),
        )
        return report
    where = f"lines {opening + 2}-{closing}"
    parsed = _parse_document(report, "\n".join(lines[opening + 1 : closing]), where, _body_lines)
    if parsed is None:
        return report
    _compare_lines(report, lines[:opening], parsed[1])
    return report


def _compare_lines(report: Report, found: list[str], expected: list[str]) -> None:
    for number, (mine, theirs) in enumerate(zip(found, expected, strict=False), start=1):
        if mine != theirs:
            report.failed(
                f"line {number}",
                _("The text says %(found)r where the embedded data says %(expected)r.")
                % {"found": mine, "expected": theirs},
            )
            return
    if len(found) != len(expected):
        number = min(len(found), len(expected)) + 1
        report.failed(
            f"line {number}",
            _("The text has %(found)d lines before the data block; the data makes %(expected)d.")
            % {"found": len(found), "expected": len(expected)},
        )
        return
    report.passed("text", _("The text says what the embedded data says, line by line."))


def _squeezed(text: str) -> str:
    """Text without whitespace, ligatures unfolded: a PDF's extracted text breaks lines
    wherever the layout did."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _pdf_expected(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, text) the PDF must show, in the order it shows them."""
    seen = shown(document)
    expected: list[tuple[str, str]] = []
    if seen.in_force is not None:
        version = seen.in_force
        for _category, terms in version.categories:
            expected += [(_("The term"), term.text) for term in terms]
        expected += [(_("The signer"), s.name) for s in version.signatures if s.name]
        expected.append((_("The content hash"), version.content_hash))
        if version.previous_hash:
            expected.append((_("The previous hash"), version.previous_hash))
    for version in seen.earlier:
        what = _("The content hash of version %(number)d") % {"number": version.number}
        expected.append((what, version.content_hash))
    return expected


def verify_pdf(data: bytes) -> Report:
    """Check a PDF record: the sealed data attached to it, and that its pages show every
    term, every signer's name and the hashes of that data, in order."""
    report = Report(_("PDF record"))
    _check_digest(report, data)
    try:
        reader = PdfReader(io.BytesIO(data))
        for number in _damaged_streams(reader):
            report.failed(
                f"object {number}",
                _("Part %(number)d of the file is damaged: its data no longer unpacks.")
                % {"number": number},
            )
        attachments = reader.attachments
        raw = attachments.get(ATTACHMENT_NAME)
        in_metadata = reader.metadata.get(METADATA_KEY) if reader.metadata else None
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as error:  # pypdf raises many kinds on a damaged file
        report.failed(
            "file",
            _("Not a readable PDF (%(error)s).") % {"error": f"{type(error).__name__}: {error}"},
        )
        return report
    if not raw:
        report.failed(
            "file",
            _("No embedded record: the PDF has no %(name)s attached.") % {"name": ATTACHMENT_NAME},
        )
        return report
    parsed = _parse_document(report, raw[0], "attachment", _pdf_expected)
    if parsed is None:
        return report
    if in_metadata is not None and json.loads(raw[0]) != _loaded(in_metadata):
        report.failed(
            "metadata", _("The document information holds other data than the attachment.")
        )
    expected = parsed[1]
    squeezed = [_squeezed(page) for page in pages]
    page, position = 0, 0
    for what, text in expected:
        needle, last_page = _squeezed(text), page
        found = squeezed[page].find(needle, position) if page < len(squeezed) else -1
        while found < 0 and page + 1 < len(squeezed):
            page, position = page + 1, 0
            found = squeezed[page].find(needle, position)
        if found < 0:
            report.failed(
                f"page {last_page + 1}",
                _("%(what)s %(text)r is not shown where the embedded data says it is.")
                % {"what": what, "text": text},
            )
            return report
        position = found + len(needle)
    report.passed(
        "text",
        _("Every term, signer and hash of the embedded data is shown, on %(pages)d pages.")
        % {"pages": len(pages)},
    )
    return report


def _loaded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _language(document: dict[str, Any]) -> Any:
    return translation.override(document.get("language") or "en")
