"""Recompute the record and say whether it is intact, and where it is not.

The same checks run on the database (`verify_alliance`, for the pages and `alliance verify
--alliance`) and on an exported JSON file (`verify_export`, which needs no database): each
version's hash from its snapshot under its own scheme, each signer's name against the
commitment the signature seals, the link of every version and history line to the one
before, and the positions of the history lines, 1 to n with none missing.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.accounts.models import stored_pseudonym
from alliance.alliances.models import Alliance, Event, Party
from alliance.record.chain import (
    SCHEME_NAME_COMMITMENTS,
    VERSION_SCHEMES,
    event_sealed,
    name_commitment,
    seal,
    utc_iso,
)
from alliance.record.report import Report
from alliance.terms.models import Version

CHUNK = 500
EXPORT_FORMAT = "alliance-export/2"


def _version_where(number: Any) -> str:
    return _("version %(number)s") % {"number": number}


def _line_where(position: Any) -> str:
    return _("history line %(position)s") % {"position": position}


def _names_problem(version: Mapping[str, Any], erased: Mapping[str, str] | None) -> str | None:
    """What is wrong with the names kept beside a scheme 2 version, or None. `erased` maps
    the party id of each erased person to their pseudonym, when the database is there to
    tell: an entry marked erased is then checked against it, so that marking a changed
    name erased does not hide the change."""
    names = version.get("names") or {}
    for signature in version["snapshot"].get("signatures", []):
        party_id = str(signature.get("party_id"))
        entry = names.get(party_id)
        if entry is None:
            return _("no name is kept for the signer with party id %(id)s") % {
                "id": signature.get("party_id")
            }
        if entry.get("erased"):
            if erased is not None and erased.get(party_id) != entry.get("name"):
                return _(
                    "the name “%(name)s” is shown as an erased person's, but the signer "
                    "with party id %(id)s was not erased under it"
                ) % {"name": entry.get("name", ""), "id": party_id}
            continue
        if name_commitment(entry.get("salt", ""), entry.get("name", "")) != signature.get(
            "name_commitment"
        ):
            return _("the name “%(name)s” does not match what its signature sealed") % {
                "name": entry.get("name", "")
            }
    return None


def check_versions(
    report: Report,
    versions: Iterable[Mapping[str, Any]],
    erased: Mapping[str, str] | None = None,
    *,
    first_number: int = 1,
    previous_hash: str = "",
) -> None:
    """Check versions given in order of their number (each with `number`, `scheme`,
    `snapshot`, `previous_hash`, `content_hash`, `names`): one finding per version.
    `erased`: the pseudonyms of the erased signers, by party id (see `_names_problem`).
    A chain shown from a later version on (one version's record) starts at `first_number`,
    linked to `previous_hash`."""
    previous = previous_hash
    for count, version in enumerate(versions, start=first_number):
        where = _version_where(version["number"])
        snapshot = version["snapshot"]
        if not isinstance(snapshot, dict):
            report.failed(where, _("its snapshot is not a sealed version"))
            previous = version["content_hash"]
            continue
        scheme = version["scheme"]
        recomputed = seal(version["previous_hash"], snapshot)
        if version["number"] != count:
            report.failed(where, _("expected version %(number)d here") % {"number": count})
        elif snapshot.get("number", count) != count:
            report.failed(
                where,
                _("its snapshot says it is version %(number)s")
                % {"number": snapshot.get("number")},
            )
        elif version["previous_hash"] != previous:
            report.failed(where, _("it no longer links to the version before it"))
        elif scheme not in VERSION_SCHEMES or snapshot.get("scheme", scheme) != scheme:
            report.failed(where, _("it claims a hashing scheme it was not sealed with"))
        elif recomputed != version["content_hash"]:
            report.failed(where, _("its content no longer matches its hash"))
        elif scheme == SCHEME_NAME_COMMITMENTS and (problem := _names_problem(version, erased)):
            report.failed(where, problem)
        else:
            report.passed(where, _version_recomputed(version))
        previous = version["content_hash"]


def _version_recomputed(version: Mapping[str, Any]) -> str:
    snapshot = version["snapshot"]
    terms = ngettext("%(count)d term", "%(count)d terms", len(snapshot.get("terms", []))) % {
        "count": len(snapshot.get("terms", []))
    }
    signatures = ngettext(
        "%(count)d signature", "%(count)d signatures", len(snapshot.get("signatures", []))
    ) % {"count": len(snapshot.get("signatures", []))}
    detail = _(
        "recomputed the hash of version %(number)s from its %(terms)s and %(signatures)s"
    ) % {"number": version["number"], "terms": terms, "signatures": signatures}
    if version["number"] > 1:
        detail += _(", linked to version %(number)s") % {"number": version["number"] - 1}
    if version["scheme"] == SCHEME_NAME_COMMITMENTS:
        names = version.get("names") or {}
        erased = sum(1 for entry in names.values() if entry.get("erased"))
        detail += _(", and checked each name against its signature")
        if erased:
            detail += " " + ngettext(
                "(%(count)d name erased, the signature's commitment is kept)",
                "(%(count)d names erased, the signatures' commitments are kept)",
                erased,
            ) % {"count": erased}
    return detail


def check_history(report: Report, alliance_id: int, lines: Iterable[Mapping[str, Any]]) -> None:
    """Check history lines given in order of position (each with `position`, `kind`,
    `actor`, `at` as UTC ISO 8601, `data`, `previous_hash`, `content_hash`): one finding
    per broken line, one for all that hold."""
    previous = ""
    count = 0
    broken = 0
    for count, line in enumerate(lines, start=1):
        where = _line_where(line["position"])
        sealed = event_sealed(
            alliance_id=alliance_id,
            position=line["position"],
            kind=line["kind"],
            actor_id=line["actor"],
            at=line["at"],
            data=line["data"],
        )
        problem = None
        if line["position"] != count:
            problem = _("expected line %(position)d here: a line is missing or moved") % {
                "position": count
            }
        elif line["previous_hash"] != previous:
            problem = _("it no longer links to the line before it")
        elif seal(line["previous_hash"], sealed) != line["content_hash"]:
            problem = _("its content no longer matches its hash")
        elif not _details_restate(line):
            problem = _("the details it shows differ from what its hash covers")
        if problem:
            broken += 1
            report.failed(where, problem)
        previous = line["content_hash"]
    if count and not broken:
        report.passed(
            _("history"),
            ngettext(
                "recomputed the hash of its %(count)d line and its place in the chain",
                "recomputed the hash of each of its %(count)d lines, numbered 1 to %(count)d "
                "with none missing, each linked to the one before",
                count,
            )
            % {"count": count},
        )


def _details_restate(line: Mapping[str, Any]) -> bool:
    """Whether the details an exported line shows (its data and the names kept beside it)
    say what its sealed data says; a line without details (from the database) does."""
    details = line.get("details")
    if details is None:
        return True
    data = line["data"]
    if not isinstance(details, dict) or not isinstance(data, dict):
        return details == data
    return all(key in details and details[key] == value for key, value in data.items())


def _stored_versions(alliance_id: int, up_to: int | None) -> Iterable[Mapping[str, Any]]:
    versions = Version.objects.filter(alliance_id=alliance_id)
    if up_to is not None:
        versions = versions.filter(number__lte=up_to)
    return (
        versions.order_by("number")
        .values("number", "scheme", "snapshot", "previous_hash", "content_hash", "names")
        .iterator(chunk_size=CHUNK)
    )


def _erased_signers(alliance_id: int) -> dict[str, str]:
    """The pseudonym of every erased person of the alliance, by their party id."""
    rows = Party.everyone.filter(
        alliance_id=alliance_id, user__pseudonym_number__isnull=False
    ).values_list("pk", "user__pseudonym_number")
    return {str(party_id): stored_pseudonym(number) for party_id, number in rows if number}


def _stored_history(alliance_id: int) -> Iterable[dict[str, Any]]:
    rows = (
        Event.objects.filter(alliance_id=alliance_id)
        .order_by("position")
        .values(
            "position", "kind", "actor_id", "created_at", "data", "previous_hash", "content_hash"
        )
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield {**row, "actor": row["actor_id"], "at": utc_iso(row["created_at"])}


def verify_versions(alliance_id: int, *, up_to: int | None = None) -> Report:
    """The versions of an alliance (up to one of them) as they are stored."""
    report = Report(_("versions of alliance %(id)d") % {"id": alliance_id})
    check_versions(report, _stored_versions(alliance_id, up_to), _erased_signers(alliance_id))
    return report


def verify_history(alliance_id: int) -> Report:
    """The history of an alliance as it is stored."""
    report = Report(_("history of alliance %(id)d") % {"id": alliance_id})
    check_history(report, alliance_id, _stored_history(alliance_id))
    return report


def verify_alliance(alliance: Alliance) -> Report:
    """Every version and every history line of the alliance, recomputed from the database."""
    report = Report(
        _("alliance %(id)d, “%(title)s”") % {"id": alliance.pk, "title": alliance.title}
    )
    check_versions(report, _stored_versions(alliance.pk, None), _erased_signers(alliance.pk))
    check_history(report, alliance.pk, _stored_history(alliance.pk))
    return report


def verify_export(data: Any) -> Report:
    """An exported JSON file (format `alliance-export/2`), with no database at all."""
    report = Report(_("exported file"))
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        report.failed(
            _("file"),
            _("not an Alliance export in the format %(format)s") % {"format": EXPORT_FORMAT},
        )
        return report
    try:
        check_versions(report, data["versions"])
        check_history(report, data["alliance"]["id"], data["history"])
    except (KeyError, TypeError, AttributeError) as error:
        report.failed(_("file"), _("a part of the record is missing: %(part)s") % {"part": error})
    return report
