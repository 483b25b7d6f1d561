"""Take all my data: a zip of everything a person may see, built in the background.

A person asks for a copy on their profile (`data_copy_request`); `alliance worker` builds
it (`data_copies_build_in_chunks`, a periodic job), one alliance per step, saving the
progress the status page shows; then emails a link that works once (`data_copy_open`).
`alliance export-user` builds the same zip at once, for an operator answering a request.

What goes in follows the rules of the pages, never more:
- an alliance the person is a designing party of: its export (`alliance_export`), which
  holds their own drafts and the others' texts only once revealed;
- an alliance they observe: who is in it and the conversations that include observers,
  and the versions only while the parties let observers see them;
- an alliance they left: the versions they signed (`signed_versions_for`) and the texts
  they themselves shared there;
- their account, preferences and own templates, and their calendar feed.

A build is written to a `.part` file and renamed once complete, so no half zip is ever
offered; a worker that dies mid-build leaves its claim to go stale, and another worker
builds the copy again from the start.
"""

import json
import logging
import os
import secrets
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased
from alliance.alliances.export import alliance_export
from alliance.alliances.models import Alliance, ObserverGrant, Party
from alliance.alliances.selectors import observer_grants
from alliance.conversations.models import Reflection
from alliance.conversations.selectors import observed_stakes
from alliance.lib.chunks import chunked
from alliance.lib.clock import now
from alliance.lib.mail import send_templated
from alliance.lib.tokens import hash_token, new_token
from alliance.outbox.models import OPTIONAL_KINDS, EmailKind
from alliance.outbox.services import preferences_for
from alliance.record import documents
from alliance.record.models import OPEN_STATES, DataCopy, DataCopyState
from alliance.starting.content import content_as_file
from alliance.starting.selectors import own_templates
from alliance.tending.feeds import feed_calendar
from alliance.tending.models import CheckInReflection
from alliance.terms.models import Version
from alliance.terms.selectors import signed_by, signed_versions_for, version_list

logger = logging.getLogger(__name__)

FORMAT = "alliance-data-copy/1"


class LostClaim(Exception):
    """Another worker took the build over (this one was thought dead): stop writing."""


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


# What goes in -------------------------------------------------------------------------


@dataclass
class AllianceEntry:
    """One alliance in a person's copy, and how they stand in it: "party" (designing),
    "observer" or "former" (left). `party` is their present row, or for "former" the row
    of their latest leaving."""

    relation: str
    party: Party
    # Their earlier rows in the alliance (they left, and perhaps came back to observe):
    # the versions signed through them and the texts shared through them are still theirs.
    former_rows: list[Party]

    @property
    def alliance(self) -> Alliance:
        return self.party.alliance

    @property
    def folder(self) -> str:
        slug = slugify(self.alliance.title)[:40] or "alliance"
        return f"alliances/{self.alliance.pk}-{slug}"


def takeout_alliances(user: User) -> list[AllianceEntry]:
    """Every alliance `user` is or was in, oldest first, with how they stand in it."""
    rows = (
        Party.everyone.filter(user=user)
        .select_related("alliance__current_version", "user")
        .order_by("alliance_id", "pk")
    )
    by_alliance: dict[int, list[Party]] = {}
    for row in rows:
        by_alliance.setdefault(row.alliance_id, []).append(row)
    entries = []
    for alliance_rows in by_alliance.values():
        present = [row for row in alliance_rows if row.left_at is None]
        former = [row for row in alliance_rows if row.left_at is not None]
        if present:
            party = present[0]
            relation = "observer" if party.is_observer else "party"
            entries.append(AllianceEntry(relation=relation, party=party, former_rows=former))
        else:
            latest = max(former, key=lambda row: (row.left_at, row.pk))
            entries.append(AllianceEntry(relation="former", party=latest, former_rows=former))
    return entries


def account_data(user: User, entries: list[AllianceEntry]) -> dict[str, Any]:
    preferences = preferences_for(user)
    return {
        "format": FORMAT,
        "exported_at": _when(now()),
        "email": user.email,
        "name": user.name,
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "joined_at": _when(user.date_joined),
        "email_preferences": {
            "deliveries": {
                str(kind): preferences.delivery_of(kind).value for kind in OPTIONAL_KINDS
            },
            "checkin_reminder_days": preferences.checkin_reminder_days,
        },
        "templates": [content_as_file(template.content()) for template in own_templates(user)],
        "alliances": [
            {
                "title": entry.alliance.title,
                "relation": entry.relation,
                "role": entry.party.role_label,
                "folder": entry.folder,
            }
            for entry in entries
        ],
    }


def version_record(version: Version) -> dict[str, Any]:
    """A version as its file in the copy holds it: what was sealed and its hashes, to check
    with `alliance verify`, and the signers' names as the pages show them."""
    return {
        "number": version.number,
        "ratified_at": _when(version.ratified_at),
        "scheme": version.scheme,
        "previous_hash": version.previous_hash,
        "content_hash": version.content_hash,
        "snapshot": version.snapshot,
        "names": version.names,
        "signed_by": [signature.get("name", "") for signature in version.readable["signatures"]],
    }


def _own_shared_texts(rows: list[Party]) -> dict[str, list[dict[str, Any]]]:
    """What the person shared with the others through these rows: the reflections of
    conversations and check-ins they shared, never a draft."""
    reflections = (
        Reflection.objects.filter(party__in=rows, shared_at__isnull=False)
        .select_related("prompt")
        .order_by("shared_at", "pk")
    )
    checkin_reflections = (
        CheckInReflection.objects.filter(party__in=rows, shared_at__isnull=False)
        .select_related("checkin__version")
        .order_by("shared_at", "pk")
    )
    return {
        "reflections": [
            {
                "prompt": reflection.prompt.text,
                "state": reflection.state,
                "text": reflection.text,
                "shared_at": _when(reflection.shared_at),
            }
            for reflection in reflections
        ],
        "checkin_reflections": [
            {
                "version": reflection.checkin.version.number,
                "text": reflection.text,
                "shared_at": _when(reflection.shared_at),
            }
            for reflection in checkin_reflections
        ],
    }


def _signed_through(rows: list[Party], alliance: Alliance) -> list[Version]:
    """The versions of `alliance` signed through any of these rows, newest first."""
    return [v for v in version_list(alliance) if any(signed_by(v, row) for row in rows)]


def alliance_part(entry: AllianceEntry) -> tuple[dict[str, Any], list[Version]]:
    """The alliance's JSON in the copy, and the versions whose files go beside it."""
    party, alliance = entry.party, entry.alliance
    if entry.relation == "party":
        return alliance_export(party), list(version_list(alliance))
    if entry.relation == "observer":
        grants = observer_grants(alliance)
        if grants.in_effect(ObserverGrant.VERSIONS):
            versions = list(version_list(alliance))
        else:
            # An observer who once signed, as a party, reads what they signed.
            versions = _signed_through(entry.former_rows, alliance)
        return {
            "format": FORMAT,
            "relation": "observer",
            "alliance": {"title": alliance.title, "kind": alliance.kind},
            "role": party.role_label,
            "parties": [
                {"name": p.user.name, "role": p.role_label}
                for p in alliance.parties.select_related("user")
            ],
            "observed_conversations": [
                {
                    "kind": stake.kind,
                    "starts_at": _when(stake.starts_at),
                    "duration_minutes": stake.duration_minutes,
                    "location": stake.location,
                }
                for stake in observed_stakes(alliance.pk)
            ],
            "versions": [version_record(v) for v in versions],
            **_own_shared_texts(entry.former_rows),
        }, versions
    versions = signed_versions_for(party)
    if len(entry.former_rows) > 1:
        versions = _signed_through(entry.former_rows, alliance)
    return {
        "format": FORMAT,
        "relation": "former",
        "alliance": {"title": alliance.title, "kind": alliance.kind},
        "role": party.role_label,
        "left_at": _when(party.left_at),
        "versions": [version_record(v) for v in versions],
        **_own_shared_texts(entry.former_rows),
    }, versions


def readme_text(user: User) -> str:
    return _(
        "A copy of everything %(name)s could see in Alliance, made on %(date)s.\n"
        "\n"
        "account.json   your profile, time zone, email preferences and your own templates\n"
        "calendar.ics   your calendar entries: the check-ins and conversations ahead\n"
        "alliances/     one folder per alliance you are in, observe or left:\n"
        "  alliance.json        everything of it you may see (for an alliance you left,\n"
        "                       the versions you signed and what you shared there; for one\n"
        "                       you observe, what its parties let observers see)\n"
        "  versions/            each ratified version you may read, one file each\n"
        "\n"
        "Checking the record\n"
        "Each version carries content_hash: the SHA-256, in hex, of its previous_hash, a\n"
        "newline, and its snapshot as canonical JSON (keys sorted, no spaces, characters as\n"
        "themselves). Each version's previous_hash is the content_hash of the one before,\n"
        "so changing any version breaks every hash after it. Run\n"
        "\n"
        "    alliance verify FILE\n"
        "\n"
        "on an alliance.json or a version file to have this checked for you, or recompute\n"
        "the hashes with any SHA-256 tool.\n"
        "\n"
        "Drafts you never shared are in your copy only: nobody else ever saw them.\n"
    ) % {"name": user.name, "date": now().date().isoformat()}


# Writing ------------------------------------------------------------------------------


def _write_version(archive: zipfile.ZipFile, folder: str, version: Version) -> None:
    """Every file of one version in the copy: its JSON, and the Markdown and PDF records
    that carry their own proof (the PDF where this server can make PDFs)."""
    name = f"{folder}/versions/version-{version.number}"
    archive.writestr(f"{name}.json", _json(version_record(version)))
    document = documents.version_document(version, language=get_language())
    archive.writestr(f"{name}.md", documents.markdown(document))
    if documents.pdf_available():
        archive.writestr(f"{name}.pdf", documents.pdf(document))


def takeout_write(*, user: User, archive: zipfile.ZipFile) -> Iterator[tuple[int, int]]:
    """Write `user`'s copy into `archive`, yielding (alliances done, alliances in all)
    after the account files and after each alliance."""
    entries = takeout_alliances(user)
    total = len(entries)
    archive.writestr("README.txt", readme_text(user))
    archive.writestr("account.json", _json(account_data(user, entries)))
    archive.writestr("calendar.ics", feed_calendar(user))
    yield 0, total
    for done, entry in enumerate(entries, 1):
        data, versions = alliance_part(entry)
        archive.writestr(f"{entry.folder}/alliance.json", _json(data))
        for version in versions:
            _write_version(archive, entry.folder, version)
        yield done, total


def takeout_zip(*, user: User, target: Path) -> Iterator[tuple[int, int]]:
    """Write `user`'s copy to `target` through a `.part` file renamed once complete, so
    `target` is either whole or absent. Yields progress as `takeout_write` does."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A name of its own for each build: a worker wrongly thought dead, still writing,
    # never writes into the file another worker is writing.
    part = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            yield from takeout_write(user=user, archive=archive)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


# Requests -----------------------------------------------------------------------------


def data_copy_path(copy: DataCopy) -> Path:
    return Path(settings.DATA_COPY_DIR) / f"data-copy-{copy.pk}.zip"


def data_copy_url(raw_token: str) -> str:
    return settings.BASE_URL + reverse("data_copy_download", kwargs={"token": raw_token})


def _discard_file(copy: DataCopy) -> None:
    data_copy_path(copy).unlink(missing_ok=True)


def data_copy_request(*, user: User) -> DataCopy:
    """Ask for a new copy of `user`'s data. One is prepared at a time: asking while one
    waits or is being built is refused. A copy ready but not downloaded is replaced (its
    link stops working), so a lost email never keeps anyone from their data."""
    already = _(
        "A copy of your data is already being prepared. You will get an email when it is ready."
    )
    with transaction.atomic():
        if DataCopy.objects.filter(user=user, state__in=OPEN_STATES).exists():
            raise ValidationError(already)
        replaced = list(DataCopy.objects.filter(user=user, state=DataCopyState.READY))
        DataCopy.objects.filter(pk__in=[c.pk for c in replaced]).update(state=DataCopyState.EXPIRED)
        try:
            with transaction.atomic():
                copy = DataCopy.objects.create(user=user)
        except IntegrityError:
            # Asked twice at the same moment: the other request won.
            raise ValidationError(already) from None
        for old in replaced:
            transaction.on_commit(partial(_discard_file, old))
    return copy


def data_copy_latest(user: User) -> DataCopy | None:
    return DataCopy.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def data_copies_of(user: User) -> QuerySet[DataCopy]:
    """Every copy the person asked for, whatever became of it."""
    return DataCopy.objects.filter(user=user)


def data_copy_of(*, user: User, copy_id: int) -> DataCopy:
    """One of the person's copies; 404 for anyone else's, as for none at all."""
    copy = DataCopy.objects.filter(pk=copy_id, user=user).first()
    if copy is None:
        raise Http404("No such copy.")
    return copy


def data_copy_by_token(*, user: User, raw_token: str) -> DataCopy:
    """The copy the link is for; 404 for a link that matches nothing and for anyone but
    the person it was made for."""
    copy = DataCopy.objects.filter(token_hash=hash_token(raw_token), user=user).first()
    if copy is None:
        raise Http404("No such copy.")
    return copy


def data_copy_expired(copy: DataCopy) -> bool:
    return copy.expires_at is not None and copy.expires_at <= now()


def data_copy_open(copy: DataCopy) -> IO[bytes] | None:
    """The copy's file, opened for its one download and marked downloaded; None when it
    was downloaded already, has expired, or its file is gone. The file is deleted at once:
    the open handle still reads it through to the end."""
    if copy.state != DataCopyState.READY or data_copy_expired(copy):
        return None
    path = data_copy_path(copy)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        DataCopy.objects.filter(pk=copy.pk, state=DataCopyState.READY).update(
            state=DataCopyState.EXPIRED
        )
        return None
    won = DataCopy.objects.filter(pk=copy.pk, state=DataCopyState.READY).update(
        state=DataCopyState.DOWNLOADED, downloaded_at=now()
    )
    if not won:
        # The same link opened twice at once: the other request streams it.
        handle.close()
        return None
    path.unlink(missing_ok=True)
    return handle


# The worker's jobs --------------------------------------------------------------------


def _stale_before() -> datetime:
    return now() - timedelta(seconds=settings.DATA_COPY_CLAIM_TIMEOUT)


def _claimable() -> Q:
    return Q(state=DataCopyState.WAITING) | Q(
        state=DataCopyState.BUILDING, claimed_at__lt=_stale_before()
    )


def data_copy_claim(copy_id: int) -> DataCopy | None:
    """Claim one request for building; None when another worker has it or it is done."""
    moment = now()
    claimed = (
        DataCopy.objects.filter(_claimable(), pk=copy_id)
        .filter(attempts__lt=settings.DATA_COPY_MAX_ATTEMPTS)
        .update(
            state=DataCopyState.BUILDING,
            claimed_at=moment,
            attempts=F("attempts") + 1,
            alliances_done=0,
        )
    )
    if not claimed:
        return None
    copy = DataCopy.objects.select_related("user").get(pk=copy_id)
    # What a worker killed mid-build left of this copy: never offered, and of no use.
    for leftover in data_copy_path(copy).parent.glob(f"{data_copy_path(copy).name}.*.part"):
        leftover.unlink(missing_ok=True)
    return copy


def _progress(copy: DataCopy, done: int, total: int) -> None:
    """Save the progress and renew the claim; LostClaim when it is no longer ours."""
    moment = now()
    saved = DataCopy.objects.filter(
        pk=copy.pk, state=DataCopyState.BUILDING, claimed_at=copy.claimed_at
    ).update(alliances_done=done, alliances_total=total, claimed_at=moment)
    if not saved:
        raise LostClaim
    copy.claimed_at = moment


def data_copy_build(copy: DataCopy) -> Iterator[None]:
    """Build a claimed copy, a step per alliance, then make its link and email it."""
    for done, total in takeout_zip(user=copy.user, target=data_copy_path(copy)):
        _progress(copy, done, total)
        yield
    raw_token = new_token()
    moment = now()
    expires_at = moment + timedelta(days=settings.DATA_COPY_DAYS)
    with transaction.atomic():
        won = DataCopy.objects.filter(
            pk=copy.pk, state=DataCopyState.BUILDING, claimed_at=copy.claimed_at
        ).update(
            state=DataCopyState.READY,
            file_name=data_copy_path(copy).name,
            token_hash=hash_token(raw_token),
            ready_at=moment,
            expires_at=expires_at,
        )
        if not won:
            if not DataCopy.objects.filter(pk=copy.pk).exists():
                # Its owner erased their account while it was written: nobody may
                # fetch it, and nothing else would ever delete it.
                _discard_file(copy)
            raise LostClaim
        send_templated(
            EmailKind.DATA_COPY,
            to=copy.user,
            context={"url": data_copy_url(raw_token), "expires_at": expires_at},
        )


def _give_back(copy: DataCopy) -> None:
    """A build that failed: waiting again for another try, or failed for good once it
    has had its tries. Nothing is offered from it."""
    last_try = copy.attempts >= settings.DATA_COPY_MAX_ATTEMPTS
    DataCopy.objects.filter(
        pk=copy.pk, state=DataCopyState.BUILDING, claimed_at=copy.claimed_at
    ).update(
        state=DataCopyState.FAILED if last_try else DataCopyState.WAITING,
        claimed_at=None,
    )


def data_copies_build_in_chunks() -> Iterator[None]:
    """The periodic job: build every request that waits (or whose worker died), oldest
    first, picked through the (state, requested_at) index a chunk of ids at a time. A step
    is one alliance written; a request that fails is logged and given back, the others
    still run."""
    DataCopy.objects.filter(
        state=DataCopyState.BUILDING,
        claimed_at__lt=_stale_before(),
        attempts__gte=settings.DATA_COPY_MAX_ATTEMPTS,
    ).update(state=DataCopyState.FAILED)
    due = DataCopy.objects.filter(_claimable()).order_by("requested_at", "pk")
    # The ids first, whole: the rows change while they are built.
    for chunk in chunked(list(due.values_list("pk", flat=True))):
        for copy_id in chunk:
            copy = data_copy_claim(copy_id)
            if copy is None:
                continue
            try:
                yield from data_copy_build(copy)
            except LostClaim:
                logger.warning("Data copy %s: another worker took it over", copy_id)
            except Exception:
                logger.exception("Data copy %s failed; it will be tried again", copy_id)
                _give_back(copy)
                yield


def data_copies_expire_in_chunks() -> Iterator[None]:
    """The periodic job: copies not downloaded in time expire, and their files go."""
    due = DataCopy.objects.filter(state=DataCopyState.READY, expires_at__lte=now())
    for chunk in chunked(list(due.values_list("pk", flat=True))):
        expired = list(DataCopy.objects.filter(pk__in=chunk, state=DataCopyState.READY))
        DataCopy.objects.filter(pk__in=[c.pk for c in expired], state=DataCopyState.READY).update(
            state=DataCopyState.EXPIRED
        )
        for copy in expired:
            _discard_file(copy)
        yield


@on_account_erased
def data_copies_forget(user: User) -> None:
    """An erased person's copies go, files and all (once the erasure is committed)."""
    copies = list(DataCopy.objects.filter(user=user))
    paths = [data_copy_path(copy) for copy in copies if copy.file_name]
    DataCopy.objects.filter(pk__in=[copy.pk for copy in copies]).delete()

    def unlink_all() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(unlink_all)
