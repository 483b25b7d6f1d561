"""Terms through the API: the draft, proposing, editing and withdrawing terms, each
party's consent, ratification, and the ratified versions with their comparison and their
Markdown and PDF records. The same services, selectors and permissions as the pages:
the draft is for the designing parties; versions also for observers the parties show
them to, and for someone who left, the versions they signed."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from alliance.alliances.models import Party
from alliance.alliances.services import AllianceClosed
from alliance.api.access import answers, party, version_reader, writer
from alliance.api.problems import ApiProblem
from alliance.lib.forms import MAX_ID
from alliance.record import documents
from alliance.record import views as record_views
from alliance.record.verify import verify_versions
from alliance.terms import selectors, services
from alliance.terms.models import Category, Decision, Term, TermStatus, Version
from alliance.terms.selectors import Draft, DraftItem, TermChange

router = Router(tags=["terms"])

TEXT_LIMIT = services.TEXT_LIMIT
REVISION_LIMIT = 2**31 - 1

# Operations that read or write one term, and those of one version: their path.
TERM_PATH = "/alliances/{id:alliance_id}/terms/{id:term_id}"
VERSION_PATH = "/alliances/{id:alliance_id}/versions/{id:number}"


def api_url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def answers_with(kind: str, responses: dict[int, Any]) -> dict[str, Any]:
    """`answers(kind)`, with what the operation's own responses say beyond its types."""
    return {**answers(kind), "responses": responses}


# What is read --------------------------------------------------------------------------


class DraftChange(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVAL = "removal"


class PartyRefOut(Schema):
    party_id: int
    name: str
    role: str


def party_ref(party: Party) -> PartyRefOut:
    return PartyRefOut(party_id=party.pk, name=party.user.name, role=party.role_label)


class ConsentOut(Schema):
    party: PartyRefOut
    decision: Decision | None = Field(description="`null`: this party has not answered yet.")
    comment: str = Field(description="What they ask to change (empty when they agree).")
    decided_at: datetime | None


class WordingOut(Schema):
    category: Category
    text: str
    note: str


class DiffSegmentOut(Schema):
    op: Literal["same", "added", "removed"]
    text: str


class TermOut(Schema):
    id: int
    url: str
    category: Category
    category_label: str
    text: str
    note: str
    status: TermStatus
    # Goes up with every edit: send it back to edit, withdraw or answer.
    revision: int
    proposed_by: PartyRefOut
    withdrawn_by: PartyRefOut | None
    created_at: datetime
    updated_at: datetime
    change: DraftChange | None = Field(
        description="Against the version in force: new, changed, unchanged, or a removal "
        "awaiting ratification; `null` once the term left the draft."
    )
    in_force: WordingOut | None = Field(
        description="The wording of this term in the version in force, if it is part of it."
    )
    text_diff: list[DiffSegmentOut] = Field(
        description="For a changed term: its words against the wording in force."
    )
    consents: list[ConsentOut] = Field(
        description="Every designing party's answer; none once the term left the draft."
    )
    agreed_by_all: bool


def term_out(term: Term, item: DraftItem | None, parties: list[Party]) -> TermOut:
    """`term` as the draft shows it (`item`, None once it left the draft), with the answer
    of each of `parties`; proposer and withdrawer loaded with the term."""
    consents = [
        ConsentOut(
            party=party_ref(p),
            decision=Decision(consent.decision) if consent else None,
            comment=consent.comment if consent else "",
            decided_at=consent.decided_at if consent else None,
        )
        for p, consent in (item.answers(parties) if item else [])
    ]
    before = item.before if item else None
    return TermOut(
        id=term.pk,
        url=api_url("term_detail", alliance_id=term.alliance_id, term_id=term.pk),
        category=Category(term.category),
        category_label=str(Category(term.category).label),
        text=term.text,
        note=term.note,
        status=TermStatus(term.status),
        revision=term.revision,
        proposed_by=party_ref(term.proposed_by),
        withdrawn_by=party_ref(term.withdrawn_by) if term.withdrawn_by else None,
        created_at=term.created_at,
        updated_at=term.updated_at,
        change=DraftChange(item.change) if item else None,
        in_force=WordingOut(**{f: before[f] for f in selectors.COMPARED_FIELDS})
        if before
        else None,
        text_diff=[
            DiffSegmentOut(op=op, text=words)  # type: ignore[arg-type]
            for op, words in (item.text_diff if item and item.change == "changed" else [])
        ],
        consents=consents,
        agreed_by_all=item is not None and not item.waiting_on(parties),
    )


class VersionRefOut(Schema):
    number: int
    url: str


def version_ref(alliance_id: int, number: int) -> VersionRefOut:
    return VersionRefOut(
        number=number, url=api_url("version_detail", alliance_id=alliance_id, number=number)
    )


class DraftOut(Schema):
    version_in_force: VersionRefOut | None
    next_number: int = Field(description="The number ratifying this draft would give.")
    parties: list[PartyRefOut] = Field(description="Who must agree: the designing parties.")
    terms: list[TermOut]
    has_changes: bool = Field(description="Whether ratifying would make a new version.")
    ready: bool = Field(description="Whether it can be ratified now (`POST .../versions`).")
    blockers: list[str] = Field(description="What stands in the way of ratifying, if anything.")
    awaiting_me: list[int] = Field(description="Ids of the terms the caller has not answered.")


def draft_of(me: Party) -> Draft:
    """The draft as the alliance page builds it, with who proposed and withdrew each term
    loaded in the same query as the terms."""
    alliance = me.alliance
    terms = selectors.draft_terms_queryset([alliance.pk]).select_related(
        "proposed_by__user", "withdrawn_by__user"
    )
    parties = list(alliance.parties.select_related("user"))
    return selectors.draft_build(alliance=alliance, parties=parties, terms=terms)


def draft_out(me: Party, draft: Draft) -> DraftOut:
    blockers = list(draft.blockers)
    if me.alliance.closed_at is not None:
        blockers.insert(0, " ".join(AllianceClosed().messages))
    return DraftOut(
        version_in_force=version_ref(me.alliance_id, draft.version.number)
        if draft.version
        else None,
        next_number=draft.next_number,
        parties=[party_ref(p) for p in draft.parties],
        terms=[term_out(item.term, item, draft.parties) for item in draft.items],
        has_changes=draft.has_changes,
        ready=not blockers,
        blockers=blockers,
        awaiting_me=[item.term.pk for item in draft.awaiting_consent_from(me)],
    )


class AgreementOut(Schema):
    party_id: int
    name: str
    at: datetime


class VersionTermOut(Schema):
    id: int
    category: Category
    category_label: str
    text: str
    note: str
    agreements: list[AgreementOut]


class SignatureOut(Schema):
    party_id: int
    name: str
    role: str
    agreed_at: datetime


class VersionSummaryOut(Schema):
    number: int
    url: str
    ratified_at: datetime
    ratified_by: PartyRefOut
    signatures: list[SignatureOut]
    terms_count: int
    content_hash: str = Field(description="SHA-256 of the previous hash and this version.")
    markdown_url: str = Field(description="The version's record as Markdown, with its proof.")
    pdf_url: str | None = Field(
        description="The record as PDF; `null` when this server cannot make PDFs."
    )


class RecordFindingOut(Schema):
    where: str
    detail: str


class VersionOut(VersionSummaryOut):
    previous_hash: str = Field(description="The hash of the version before (empty for the first).")
    scheme: int = Field(description="The hashing scheme the version was sealed with.")
    terms: list[VersionTermOut]
    record_intact: bool = Field(
        description="Whether this version and those before it still match their seals."
    )
    record_problems: list[RecordFindingOut]


def _signatures(version: Version) -> list[SignatureOut]:
    return [
        SignatureOut(
            party_id=s["party_id"],
            name=s["name"],
            role=s["role"],
            agreed_at=datetime.fromisoformat(s["agreed_at"]),
        )
        for s in version.readable["signatures"]
    ]


def _summary_fields(version: Version) -> dict[str, Any]:
    alliance_id, number = version.alliance_id, version.number
    return {
        "number": number,
        "url": api_url("version_detail", alliance_id=alliance_id, number=number),
        "ratified_at": version.ratified_at,
        "ratified_by": party_ref(version.ratified_by),
        "signatures": _signatures(version),
        "terms_count": len(version.snapshot["terms"]),
        "content_hash": version.content_hash,
        "markdown_url": api_url("version_record_markdown", alliance_id=alliance_id, number=number),
        "pdf_url": api_url("version_record_pdf", alliance_id=alliance_id, number=number)
        if documents.pdf_available()
        else None,
    }


def version_out(version: Version) -> VersionOut:
    record = verify_versions(version.alliance_id, up_to=version.number)
    return VersionOut(
        **_summary_fields(version),
        previous_hash=version.previous_hash,
        scheme=version.scheme,
        terms=[
            VersionTermOut(
                id=t["id"],
                category=Category(t["category"]),
                category_label=str(Category(t["category"]).label),
                text=t["text"],
                note=t["note"],
                agreements=[
                    AgreementOut(
                        party_id=a["party_id"], name=a["name"], at=datetime.fromisoformat(a["at"])
                    )
                    for a in t["agreements"]
                ],
            )
            for t in version.readable["terms"]
        ],
        record_intact=record.intact,
        record_problems=[RecordFindingOut(where=f.where, detail=f.detail) for f in record.problems],
    )


# Whom a write acts for ------------------------------------------------------------------


def term_as_read(me: Party, term_id: int) -> TermOut:
    draft = draft_of(me)
    item = next((i for i in draft.items if i.term.pk == term_id), None)
    if item is not None:
        return term_out(item.term, item, draft.parties)
    term = selectors.term_for(me, term_id)  # left the draft, or 404
    return term_out(term, None, draft.parties)


def wording(term: Term) -> dict[str, Any]:
    return {
        "revision": term.revision,
        "status": term.status,
        "category": term.category,
        "text": term.text,
        "note": term.note,
    }


def not_in_draft(term: Term) -> ApiProblem:
    return ApiProblem(409, _("That term is no longer in the draft."), current=wording(term))


# The draft -----------------------------------------------------------------------------


@router.get(
    "/alliances/{id:alliance_id}/terms",
    response=DraftOut,
    summary="The draft",
    openapi_extra=answers("parties"),
)
def term_list(request: HttpRequest, alliance_id: int) -> DraftOut:
    """The terms under discussion, each with every party's answer, compared with the
    version in force; and whether it can be ratified, or what blocks it. Observers do not
    see the draft."""
    me = party(request, alliance_id)
    return draft_out(me, draft_of(me))


class TermIn(Schema):
    category: Category
    text: str = Field(
        max_length=TEXT_LIMIT, description="One agreement, concrete enough to notice."
    )
    note: str = Field("", max_length=TEXT_LIMIT, description="Why it matters, or what it is not.")


@router.post(
    "/alliances/{id:alliance_id}/terms",
    response={200: TermOut, 201: TermOut},
    summary="Propose a term",
    openapi_extra=answers("parties"),
)
def term_propose(request: HttpRequest, alliance_id: int, payload: TermIn) -> Status[TermOut]:
    """Add a term to the draft; proposing it counts as the caller's agreement, and the
    other parties are emailed. Sending the same proposal again while it is still in the
    draft (a retry) makes nothing new: the answer is 200 with that term."""
    me = writer(request, alliance_id)
    try:
        term = services.term_propose(
            party=me, category=payload.category, text=payload.text, note=payload.note
        )
    except services.AlreadyProposed as already:
        return Status(200, term_as_read(me, already.term.pk))
    return Status(201, term_as_read(me, term.pk))


@router.get(TERM_PATH, response=TermOut, summary="One term", openapi_extra=answers("parties"))
def term_detail(request: HttpRequest, alliance_id: int, term_id: int) -> TermOut:
    """A term of the alliance in whatever state: in the draft with every party's answer,
    or withdrawn or removed."""
    return term_as_read(party(request, alliance_id), term_id)


class TermEditIn(Schema):
    revision: int = Field(
        ge=1, le=REVISION_LIMIT, description="The term's `revision` you read.", strict=True
    )
    category: Category | None = None
    text: str | None = Field(None, max_length=TEXT_LIMIT)
    note: str | None = Field(None, max_length=TEXT_LIMIT)


@router.patch(TERM_PATH, response=TermOut, summary="Edit a term", openapi_extra=answers("parties"))
def term_edit(request: HttpRequest, alliance_id: int, term_id: int, payload: TermEditIn) -> TermOut:
    """Change a term's category, text or note (what is not sent stays). Everyone but the
    caller is asked to agree again, and emailed. Send the `revision` you read: if someone
    changed the term since, nothing is written and the answer is 409 with the term as it
    is now (`current`) and what you sent (`sent`)."""
    me = writer(request, alliance_id)
    term = selectors.term_for(me, term_id)
    if term.status != TermStatus.ACTIVE:
        raise not_in_draft(term)
    try:
        services.term_edit(
            party=me,
            term_id=term.pk,
            revision=payload.revision,
            category=term.category if payload.category is None else payload.category,
            text=term.text if payload.text is None else payload.text,
            note=term.note if payload.note is None else payload.note,
        )
    except services.EditConflict as conflict:
        raise ApiProblem(
            409,
            _("Someone changed this term since revision %(revision)d. Nothing was saved.")
            % {"revision": payload.revision},
            current=wording(conflict.current),
            sent={
                "revision": payload.revision,
                "category": payload.category,
                "text": payload.text,
                "note": payload.note,
            },
        ) from conflict
    except services.NotInDraft as gone:
        raise not_in_draft(selectors.term_for(me, term_id)) from gone
    return term_as_read(me, term.pk)


class RevisionIn(Schema):
    revision: int = Field(
        ge=1, le=REVISION_LIMIT, description="The term's `revision` you read.", strict=True
    )


@router.post(
    TERM_PATH + "/withdraw",
    response=TermOut,
    summary="Withdraw a term",
    openapi_extra=answers("parties"),
)
def term_withdraw(
    request: HttpRequest, alliance_id: int, term_id: int, payload: RevisionIn
) -> TermOut:
    """Take a term out of the draft. A term of the version in force stays listed as a
    removal (`status` withdrawn) until everyone ratifies the next version; any other
    leaves at once (`status` removed). A stale `revision` is 409 with the term as it is."""
    me = writer(request, alliance_id)
    term = selectors.term_for(me, term_id)
    if term.status != TermStatus.ACTIVE:
        raise not_in_draft(term)
    try:
        services.term_withdraw(party=me, term_id=term.pk, revision=payload.revision)
    except services.EditConflict as conflict:
        raise ApiProblem(
            409,
            _("Someone changed this term since revision %(revision)d. Nothing was withdrawn.")
            % {"revision": payload.revision},
            current=wording(conflict.current),
            sent={"revision": payload.revision},
        ) from conflict
    except services.NotInDraft as gone:
        raise not_in_draft(selectors.term_for(me, term_id)) from gone
    return term_as_read(me, term.pk)


class ConsentIn(Schema):
    revision: int = Field(
        strict=True,
        ge=1,
        le=REVISION_LIMIT,
        description="The `revision` of the wording you answer.",
    )
    decision: Decision = Field(description="`agree`, or `change` to ask for a change.")
    comment: str = Field(
        "", max_length=TEXT_LIMIT, description="What you would change (needed with `change`)."
    )


@router.put(
    TERM_PATH + "/consent",
    response=TermOut,
    summary="Agree, or ask for a change",
    openapi_extra=answers("parties"),
)
def term_consent(
    request: HttpRequest, alliance_id: int, term_id: int, payload: ConsentIn
) -> TermOut:
    """The caller's answer to a term of the draft, replacing any earlier one. It answers
    the wording at `revision`: if the term changed since, nothing is recorded and the
    answer is 409 with the new wording (`current`) and your answer (`sent`)."""
    me = writer(request, alliance_id)
    term = selectors.term_for(me, term_id)
    try:
        services.consent_give(
            party=me,
            term_id=term.pk,
            revision=payload.revision,
            decision=payload.decision,
            comment=payload.comment,
        )
    except services.ConsentOutdated as outdated:
        raise ApiProblem(
            409,
            " ".join(outdated.messages),
            current=wording(outdated.current),
            sent={
                "revision": payload.revision,
                "decision": payload.decision,
                "comment": payload.comment,
            },
        ) from outdated
    except services.NotInDraft as gone:
        raise not_in_draft(term) from gone
    return term_as_read(me, term.pk)


# Versions ------------------------------------------------------------------------------


@router.post(
    "/alliances/{id:alliance_id}/versions",
    response={201: VersionOut},
    summary="Ratify the draft",
    openapi_extra=answers_with(
        "parties",
        {
            409: {
                "description": "The draft cannot be ratified now: `blockers` says why; or "
                "the alliance is closed."
            }
        },
    ),
)
def version_ratify(request: HttpRequest, alliance_id: int) -> Status[VersionOut]:
    """Freeze the draft, once every party agrees to every term, as the next numbered
    version: signed, sealed and never changed after. Every party is emailed. While
    something blocks it (a term someone has not agreed to, nothing changed, one party
    alone), the answer is 409 with the `blockers`, as the draft lists them."""
    me = writer(request, alliance_id)
    try:
        version = services.version_ratify(party=me)
    except services.RatificationRefused as refused:
        raise ApiProblem(
            409,
            " ".join(refused.reasons),
            blockers=refused.reasons,
        ) from refused
    version = selectors.version_get(me.alliance, version.number) or version
    return Status(201, version_out(version))


@router.get(
    "/alliances/{id:alliance_id}/versions",
    response=list[VersionSummaryOut],
    summary="The ratified versions",
    openapi_extra=answers("version_readers"),
)
def version_list(request: HttpRequest, alliance_id: int) -> list[VersionSummaryOut]:
    """Every ratified version, newest first. Someone who left sees only the versions they
    signed; an observer sees them only while every party allows it."""
    me = version_reader(request, alliance_id)
    signed_only = selectors.versions_signed_only(me)
    versions = selectors.versions_for_reader(me, signed_only=signed_only)
    return [VersionSummaryOut(**_summary_fields(v)) for v in versions]


class CompareQuery(Schema):
    from_: int = Field(alias="from", ge=1, le=MAX_ID, description="A version's number.")
    to: int = Field(ge=1, le=MAX_ID, description="Another version's number.")


class TermChangeOut(Schema):
    kind: Literal["added", "removed", "changed"]
    term_id: int
    category_label: str
    before: WordingOut | None
    after: WordingOut | None
    text_diff: list[DiffSegmentOut] = Field(description="For a changed term: its words.")


class ComparisonOut(Schema):
    from_version: VersionRefOut
    to_version: VersionRefOut
    changes: list[TermChangeOut] = Field(description="Empty when the terms are the same.")


def _wording(term: dict[str, Any] | None) -> WordingOut | None:
    if term is None:
        return None
    return WordingOut(category=term["category"], text=term["text"], note=term["note"])


def change_out(change: TermChange) -> TermChangeOut:
    term = change.after or change.before or {}
    return TermChangeOut(
        kind=change.kind,  # type: ignore[arg-type]
        term_id=term["id"],
        category_label=change.category_label,
        before=_wording(change.before),
        after=_wording(change.after),
        text_diff=[DiffSegmentOut(op=op, text=words) for op, words in change.text_diff],  # type: ignore[arg-type]
    )


@router.get(
    "/alliances/{id:alliance_id}/versions/compare",
    response=ComparisonOut,
    summary="Compare two versions",
    openapi_extra=answers("observers"),
)
def version_compare(
    request: HttpRequest, alliance_id: int, query: Query[CompareQuery]
) -> ComparisonOut:
    """What changed from one version to another: terms added, removed and changed (with
    their words marked), matched by term. Observers only while every party allows them
    the versions."""
    me = party(request, alliance_id, observers=True)
    selectors.versions_visible_check(me)
    old = selectors.version_get(me.alliance, query.from_)
    new = selectors.version_get(me.alliance, query.to)
    if old is None or new is None:
        errors = [
            {
                "field": field,
                "message": _("This alliance has no version %(number)d.") % {"number": number},
            }
            for field, number, version in (("from", query.from_, old), ("to", query.to, new))
            if version is None
        ]
        raise ApiProblem(422, " ".join(e["message"] for e in errors), errors=errors)
    return ComparisonOut(
        from_version=version_ref(alliance_id, old.number),
        to_version=version_ref(alliance_id, new.number),
        changes=[
            change_out(c)
            for c in selectors.terms_diff(old.snapshot["terms"], new.snapshot["terms"])
        ],
    )


@router.get(
    VERSION_PATH,
    response=VersionOut,
    summary="One version",
    openapi_extra=answers("version_readers"),
)
def version_detail(request: HttpRequest, alliance_id: int, number: int) -> VersionOut:
    """A ratified version: its terms with who agreed when, its signatures, and its seal
    (the content hash, and whether the record still matches it). Someone who left opens
    only a version they signed."""
    me = version_reader(request, alliance_id)
    signed_only = selectors.versions_signed_only(me)
    return version_out(selectors.version_for_reader(me, number, signed_only=signed_only))


def _version_document(request: HttpRequest, alliance_id: int, number: int) -> dict[str, Any]:
    me = version_reader(request, alliance_id)
    signed_only = selectors.versions_signed_only(me)
    version = selectors.version_for_reader(me, number, signed_only=signed_only)
    return documents.version_document(version, language=get_language())


def _filename(alliance_id: int, number: int) -> str:
    return f"alliance-{alliance_id}-version-{number}"


def _file_response(content_type: str, description: str) -> dict[int, Any]:
    """A 200 answer that is a file of `content_type`, not JSON."""
    schema = {"contentMediaType": content_type}
    return {200: {"description": description, "content": {content_type: {"schema": schema}}}}


@router.get(
    VERSION_PATH + "/record.md",
    summary="The version's record as Markdown",
    openapi_extra=answers_with(
        "version_readers",
        _file_response(
            "text/markdown",
            "The record as a Markdown file, ending with the sealed data that proves it.",
        ),
    ),
)
def version_record_markdown(request: HttpRequest, alliance_id: int, number: int) -> HttpResponse:
    """The version as a Markdown file a person reads, carrying its proof: a fenced block
    of the sealed data, which `alliance verify` checks with no database."""
    document = _version_document(request, alliance_id, number)
    return record_views.markdown_response(document, filename=_filename(alliance_id, number))


@router.get(
    VERSION_PATH + "/record.pdf",
    summary="The version's record as PDF",
    openapi_extra=answers_with(
        "version_readers",
        {
            **_file_response(
                "application/pdf",
                "The record as a PDF that reads like the signed agreement, with the sealed "
                "data attached.",
            ),
            409: {
                "description": "This server cannot make PDFs (its system lacks the libraries "
                "WeasyPrint needs); `markdown_url` gives the same record as Markdown."
            },
        },
    ),
)
def version_record_pdf(request: HttpRequest, alliance_id: int, number: int) -> HttpResponse:
    """The version as a PDF that reads like the signed agreement, with the sealed data
    attached. Where this server cannot make PDFs, the answer is 409, pointing to the
    Markdown record, which carries the same proof."""
    document = _version_document(request, alliance_id, number)
    if not documents.pdf_available():
        raise ApiProblem(
            409,
            _(
                "This server cannot make PDFs: it lacks the system libraries they need "
                "(its operator sees why with “alliance check”). The Markdown record carries "
                "the same proof."
            ),
            markdown_url=api_url("version_record_markdown", alliance_id=alliance_id, number=number),
        )
    return record_views.pdf_response(document, filename=_filename(alliance_id, number))
