"""The alliance itself through the API: list, create, read, rename; its parties and leads,
invitations, leaving, what observers see, history, export and the record's verification."""

import math
from datetime import datetime
from html import unescape
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from alliance.alliances import selectors, services
from alliance.alliances.export import alliance_export
from alliance.alliances.forms import invitation_addresses
from alliance.alliances.models import Event, Invitation, Kind, ObserverGrant, Party
from alliance.api.access import answers, caller, party, writer
from alliance.api.pagination import (
    Page,
    PageQuery,
    cursor_page,
)
from alliance.api.problems import ApiProblem, Problem, problem_response
from alliance.lib.clock import now
from alliance.record.verify import verify_alliance

router = Router(tags=["alliances"])


def api_url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


class AllianceOut(Schema):
    id: int
    title: str
    kind: str
    purpose: str
    created_at: datetime
    closed_at: datetime | None
    # Goes up with every change of title or purpose: send it back to rename.
    revision: int
    current_version: int | None = Field(description="Number of the version in force, if any.")
    my_role: str
    i_observe: bool
    url: str


def alliance_out(party: Party) -> AllianceOut:
    alliance = party.alliance
    version = alliance.current_version
    return AllianceOut(
        id=alliance.pk,
        title=alliance.title,
        kind=alliance.kind,
        purpose=alliance.purpose,
        created_at=alliance.created_at,
        closed_at=alliance.closed_at,
        revision=alliance.revision,
        current_version=version.number if version else None,
        my_role=party.role_label,
        i_observe=party.is_observer,
        url=api_url("alliance_detail", alliance_id=alliance.pk),
    )


@router.get(
    "/alliances", response=Page[AllianceOut], summary="My alliances", openapi_extra=answers("own")
)
def alliance_list(request: HttpRequest, query: Query[PageQuery]) -> Page[AllianceOut]:
    """Every alliance the caller is in now, observed ones included, oldest first."""
    parties = Party.present.filter(user=caller(request)).select_related("alliance__current_version")
    # Paged by party row: one per alliance for the caller, in the order they joined.
    items, next_cursor = cursor_page(parties, cursor=query.cursor, limit=query.limit)
    return Page[AllianceOut](items=[alliance_out(p) for p in items], next_cursor=next_cursor)


class AllianceIn(Schema):
    title: str = Field(max_length=120)
    kind: Kind
    purpose: str = Field("", max_length=300)
    role_label: str = Field(max_length=40, description="The role the caller holds, e.g. coach.")


@router.post(
    "/alliances",
    response={201: AllianceOut},
    summary="Start an alliance",
    openapi_extra=answers("own"),
)
def alliance_create(request: HttpRequest, payload: AllianceIn) -> Status[AllianceOut]:
    """Start an alliance with the caller as its first party; invite the others next."""
    alliance = services.alliance_create(
        user=caller(request),
        title=payload.title,
        kind=payload.kind,
        purpose=payload.purpose,
        role_label=payload.role_label,
    )
    me = Party.objects.select_related("alliance").get(alliance=alliance, user=caller(request))
    return Status(201, alliance_out(me))


@router.get(
    "/alliances/{id:alliance_id}",
    response=AllianceOut,
    summary="One alliance",
    openapi_extra=answers("observers"),
)
def alliance_detail(request: HttpRequest, alliance_id: int) -> AllianceOut:
    """One alliance the caller is in, as a party or an observer: its title, purpose, the
    version in force and the caller's role."""
    return alliance_out(party(request, alliance_id, observers=True))


class AllianceDetailsIn(Schema):
    revision: int = Field(ge=1, le=2**31 - 1, description="The `revision` you read.", strict=True)
    title: str | None = Field(None, max_length=120)
    purpose: str | None = Field(None, max_length=300)


@router.patch(
    "/alliances/{id:alliance_id}",
    response=AllianceOut,
    summary="Rename",
    openapi_extra=answers("parties"),
)
def alliance_update(
    request: HttpRequest, alliance_id: int, payload: AllianceDetailsIn
) -> AllianceOut:
    """Change the title and/or the purpose. Send the `revision` you read: if someone changed
    either since, nothing is written and the answer is 409 with the current texts."""
    me = party(request, alliance_id)
    alliance = me.alliance
    try:
        changed = services.alliance_details_change(
            party=me,
            revision=payload.revision,
            title=alliance.title if payload.title is None else payload.title,
            purpose=alliance.purpose if payload.purpose is None else payload.purpose,
        )
    except services.DetailsConflict as conflict:
        raise ApiProblem(
            409,
            _("Someone changed the title or purpose since revision %(revision)d.")
            % {"revision": payload.revision},
            current={
                "revision": conflict.current.revision,
                "title": conflict.current.title,
                "purpose": conflict.current.purpose,
            },
            sent={"title": payload.title, "purpose": payload.purpose},
        ) from conflict
    me.alliance = changed
    return alliance_out(me)


# Parties ----------------------------------------------------------------------------------


class PartyOut(Schema):
    id: int
    name: str
    role: str
    lead: bool = Field(description="A lead of a team alliance changes its team settings.")
    observer: bool
    joined_at: datetime
    me: bool = Field(description="Whether this is the caller.")


def party_out(row: Party, caller_party: Party) -> PartyOut:
    return PartyOut(
        id=row.pk,
        name=row.user.name,
        role=row.role_label,
        lead=row.is_lead,
        observer=row.is_observer,
        joined_at=row.joined_at,
        me=row.pk == caller_party.pk,
    )


@router.get(
    "/alliances/{id:alliance_id}/parties",
    response=list[PartyOut],
    summary="Who is in the alliance",
    openapi_extra=answers("observers"),
)
def party_list(request: HttpRequest, alliance_id: int) -> list[PartyOut]:
    """Everyone in the alliance now: the designing parties, then the observers, each in
    the order they joined. People who left are not listed; their past stays in the
    history."""
    me = party(request, alliance_id, observers=True)
    return [party_out(row, me) for row in selectors.present_parties(me.alliance_id)]


class RoleIn(Schema):
    role_label: str = Field(
        min_length=1, max_length=40, description="How you appear to the others."
    )


@router.patch(
    "/alliances/{id:alliance_id}/parties/me",
    response=PartyOut,
    summary="Change my role",
    openapi_extra=answers("parties"),
)
def party_role_update(request: HttpRequest, alliance_id: int, payload: RoleIn) -> PartyOut:
    """Change the role label you hold in the alliance (only yours: nobody sets another's).
    The history records the old and the new role."""
    me = writer(request, alliance_id)
    services.party_role_change(party=me, role_label=payload.role_label)
    return party_out(me, me)


def _lead_change(request: HttpRequest, alliance_id: int, party_id: int, lead: bool) -> PartyOut:
    me = writer(request, alliance_id)
    # Leads are designing parties: anyone else is nobody this path can name.
    if not selectors.present_parties(alliance_id).filter(pk=party_id, is_observer=False).exists():
        raise Http404
    target = services.lead_set(party=me, target_id=party_id, is_lead=lead)
    return party_out(target, me)


@router.put(
    "/alliances/{id:alliance_id}/parties/{id:party_id}/lead",
    response=PartyOut,
    summary="Make a lead",
    openapi_extra=answers("parties"),
)
def party_lead_set(request: HttpRequest, alliance_id: int, party_id: int) -> PartyOut:
    """Make a designing party (yourself included) a lead of a team alliance. While the
    team has no lead anyone may; once it has one, only a lead may (422 otherwise, saying
    who may). Only a team alliance has leads."""
    return _lead_change(request, alliance_id, party_id, True)


@router.delete(
    "/alliances/{id:alliance_id}/parties/{id:party_id}/lead",
    response=PartyOut,
    summary="No longer a lead",
    openapi_extra=answers("parties"),
)
def party_lead_unset(request: HttpRequest, alliance_id: int, party_id: int) -> PartyOut:
    """Remove a lead, or step down yourself; the same rules as making one. The last lead
    may step down, and then anyone may make a lead again."""
    return _lead_change(request, alliance_id, party_id, False)


# Invitations ------------------------------------------------------------------------------


class InvitationOut(Schema):
    id: int
    email: str | None = Field(description="Null for a link the inviter passes on by hand.")
    addressee: str = Field(description="The address, or words for a link shared by hand.")
    role_label: str = Field(description="The role suggested to whoever joins.")
    as_observer: bool
    invited_by: str = Field(description="The name of the party who invited.")
    created_at: datetime
    expires_at: datetime
    last_sent_at: datetime | None
    url: str = Field(description="Where to revoke it (DELETE); `/renew` below it renews it.")


class InvitationCreatedOut(InvitationOut):
    link: str | None = Field(
        description=(
            "The link to pass on yourself, for an invitation without an address: given "
            "here once and never again (only its hash is kept). Null for an emailed "
            "invitation: its link went to that address alone."
        )
    )


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        email=invitation.email or None,
        addressee=invitation.addressee,
        role_label=invitation.role_label,
        as_observer=invitation.as_observer,
        invited_by=invitation.invited_by.name,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        last_sent_at=invitation.last_sent_at,
        url=api_url(
            "invitation_revoke", alliance_id=invitation.alliance_id, invitation_id=invitation.pk
        ),
    )


def invitation_created(invitation: Invitation, raw: str) -> InvitationCreatedOut:
    link = None if invitation.email else services.invitation_url(raw)
    return InvitationCreatedOut(**invitation_out(invitation).model_dump(), link=link)


def limit_reached(refusal: services.InvitationLimitReached) -> HttpResponse:
    """429, saying when there is room again (`Retry-After`, in seconds, and `retry_at`)."""
    wait = max(1, math.ceil((refusal.retry_at - now()).total_seconds()))
    return problem_response(
        429,
        " ".join(refusal.messages),
        headers={"Retry-After": str(wait)},
        retry_at=refusal.retry_at.isoformat(),
    )


@router.get(
    "/alliances/{id:alliance_id}/invitations",
    response=list[InvitationOut],
    summary="Pending invitations",
    openapi_extra=answers("parties"),
)
def invitation_list(request: HttpRequest, alliance_id: int) -> list[InvitationOut]:
    """The invitations nobody has used, revoked or let expire yet, oldest first: whom
    each is for, who invited, until when it works. Never a link: only its hash is kept."""
    me = party(request, alliance_id)
    return [invitation_out(invitation) for invitation in selectors.pending_invitations(me.alliance)]


class InvitationIn(Schema):
    emails: list[Annotated[str, Field(min_length=3, max_length=254)]] = Field(
        default_factory=list,
        max_length=100,
        description=(
            "Each address gets a link of its own by email. Leave it empty for one link to "
            "pass on yourself, given in the answer."
        ),
    )
    role_label: str = Field("", max_length=40, description="A suggestion they may change.")
    as_observer: bool = Field(
        False,
        strict=True,
        description="Whoever accepts observes: never consents, sees only what is allowed.",
    )


@router.post(
    "/alliances/{id:alliance_id}/invitations",
    response={201: list[InvitationCreatedOut], 429: Problem},
    summary="Invite",
    openapi_extra=answers("parties"),
)
def invitation_create(
    request: HttpRequest, alliance_id: int, payload: InvitationIn
) -> Status[list[InvitationCreatedOut]] | HttpResponse:
    """Invite people by email (each gets a link of their own), or make one link to pass
    on by hand, returned here once. All or none: an address already in the alliance, or
    more than the invitation limits allow (429, with `Retry-After`), invites nobody."""
    me = writer(request, alliance_id)
    try:
        emails = invitation_addresses(payload.emails)
    except ValidationError as error:
        raise ValidationError({"emails": error.messages}) from error
    try:
        created = services.invitations_create(
            party=me, emails=emails, role_label=payload.role_label, as_observer=payload.as_observer
        )
    except services.InvitationLimitReached as refusal:
        return limit_reached(refusal)
    return Status(201, [invitation_created(invitation, raw) for invitation, raw in created])


def _invitation_of(me: Party, invitation_id: int) -> None:
    if selectors.invitation_in(me.alliance_id, invitation_id) is None:
        raise Http404


@router.post(
    "/alliances/{id:alliance_id}/invitations/{id:invitation_id}/renew",
    response={200: InvitationCreatedOut, 429: Problem},
    summary="Send again, or a new link",
    openapi_extra=answers("parties"),
)
def invitation_renew(
    request: HttpRequest, alliance_id: int, invitation_id: int
) -> InvitationCreatedOut | HttpResponse:
    """A fresh link replaces the old one (which stops working) and the expiry starts
    again. An emailed invitation is mailed again, not sooner than a few minutes after the
    last mail (429 until then); a hand-shared one's new link is in the answer, once."""
    me = writer(request, alliance_id)
    _invitation_of(me, invitation_id)
    try:
        invitation, raw = services.invitation_renew(party=me, invitation_id=invitation_id)
    except services.InvitationLimitReached as refusal:
        return limit_reached(refusal)
    return invitation_created(invitation, raw)


@router.delete(
    "/alliances/{id:alliance_id}/invitations/{id:invitation_id}",
    response={204: None},
    summary="Revoke",
    openapi_extra=answers("parties"),
)
def invitation_revoke(request: HttpRequest, alliance_id: int, invitation_id: int) -> Status[None]:
    """The invitation's link stops working at once; the history records it. One already
    used or revoked is refused (422)."""
    me = writer(request, alliance_id)
    _invitation_of(me, invitation_id)
    services.invitation_revoke(party=me, invitation_id=invitation_id)
    return Status(204, None)


class AcceptIn(Schema):
    token: str = Field(
        min_length=1,
        max_length=200,
        description="The token of the invitation link: what follows `/invitations/` in it.",
    )
    role_label: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="Your role; the one the inviter suggested if left out.",
    )


@router.post(
    "/invitations/accept",
    response={200: AllianceOut, 404: Problem, 410: Problem},
    summary="Join through an invitation",
    openapi_extra=answers("own"),
)
def invitation_accept(request: HttpRequest, payload: AcceptIn) -> AllianceOut:
    """Become a party (or an observer, if the invitation says so) of the alliance the
    invitation is for, and get that alliance. The others are told by email. An unknown
    token is 404; an expired, revoked or used one, or one of a closed alliance, is 410
    saying why; someone already in the alliance gets 409. Sending the same token again
    after joining through it answers the same alliance."""
    user = caller(request)
    token = payload.token.strip()
    invitation = selectors.invitation_by_token(token)
    role = payload.role_label
    if role is None:
        role = invitation.role_label if invitation is not None else ""
    try:
        joined = services.invitation_accept(raw_token=token, user=user, role_label=role)
    except services.InvitationUnusable as unusable:
        if unusable.invitation is None:
            raise ApiProblem(404, unusable.reason) from unusable
        if selectors.present_parties(unusable.invitation.alliance_id).filter(user=user).exists():
            raise ApiProblem(
                409,
                _("You are already in this alliance."),
                alliance=api_url("alliance_detail", alliance_id=unusable.invitation.alliance_id),
            ) from unusable
        raise ApiProblem(410, unusable.reason) from unusable
    return alliance_out(joined)


@router.post(
    "/alliances/{id:alliance_id}/leave",
    response={204: None},
    summary="Leave",
    openapi_extra=answers("observers"),
)
def alliance_leave(request: HttpRequest, alliance_id: int) -> Status[None]:
    """Leave the alliance: from now on you see nothing of it and get none of its mail,
    reminders or calendar entries; your past stays in its history and versions. Nobody
    who designs a closed alliance leaves it (409: they are the ones to reopen it); an
    observer may stop observing it."""
    me = party(request, alliance_id, observers=True)
    services.party_leave(party=me)
    return Status(204, None)


# What observers see -----------------------------------------------------------------------


class PartyRef(Schema):
    id: int
    name: str
    role: str


def party_ref(row: Party) -> PartyRef:
    return PartyRef(id=row.pk, name=row.user.name, role=row.role_label)


class GrantOut(Schema):
    grant: ObserverGrant
    label: str
    in_effect: bool = Field(description="Shown to observers: every designing party agrees.")
    agreed: list[PartyRef] | None = Field(
        description="Who agrees (null to an observer, whom the parties' answers are not for)."
    )
    waiting: list[PartyRef] | None = Field(description="Who has not agreed (null likewise).")
    i_agree: bool | None = Field(description="Whether you agree (null to an observer).")


class AllowancesOut(Schema):
    observers: list[PartyRef]
    grants: list[GrantOut]


def allowances_out(me: Party) -> AllowancesOut:
    grants = selectors.observer_grants(me.alliance)
    observing = me.is_observer
    return AllowancesOut(
        observers=[party_ref(p) for p in grants.observers],
        grants=[
            GrantOut(
                grant=ObserverGrant(state.grant),
                label=state.label,
                in_effect=state.in_effect,
                agreed=None if observing else [party_ref(p) for p in state.agreed],
                waiting=None if observing else [party_ref(p) for p in state.waiting],
                i_agree=None if observing else grants.agrees(me, state.grant),
            )
            for state in grants.grants
        ],
    )


@router.get(
    "/alliances/{id:alliance_id}/observers/allowances",
    response=AllowancesOut,
    summary="What observers see",
    openapi_extra=answers("observers"),
)
def observer_allowance_list(request: HttpRequest, alliance_id: int) -> AllowancesOut:
    """Who observes, and each thing observers may see beyond who is in the alliance and
    when they meet: shown only while every designing party agrees. The parties see who
    agrees; an observer sees what is shown to them."""
    return allowances_out(party(request, alliance_id, observers=True))


class AllowanceIn(Schema):
    grant: ObserverGrant
    agreed: bool = Field(
        strict=True, description="True to agree, false to withdraw your agreement."
    )


@router.put(
    "/alliances/{id:alliance_id}/observers/allowances",
    response=AllowancesOut,
    summary="Agree, or withdraw",
    openapi_extra=answers("parties"),
)
def observer_allowance_set(
    request: HttpRequest, alliance_id: int, payload: AllowanceIn
) -> AllowancesOut:
    """Agree that observers see one thing, or withdraw your agreement (which hides it from
    them at once). A closed alliance takes a withdrawal, never a new agreement (409)."""
    me = party(request, alliance_id)
    services.observer_allowance_set(party=me, grant=payload.grant, agreed=payload.agreed)
    return allowances_out(me)


# History, export and record ---------------------------------------------------------------


class EventOut(Schema):
    position: int = Field(description="The line's place in the history, from 1.")
    at: datetime
    kind: str
    who: str
    what: str = Field(description="The line as the history page reads, after the name.")
    content_hash: str = Field(description="The line's seal in the hash chain.")


def event_out(event: Event) -> EventOut:
    html = render_to_string("alliances/_event_what.html", {"event": event})
    return EventOut(
        position=event.position,
        at=event.created_at,
        kind=event.kind,
        who=event.actor.name if event.actor else _("Someone"),
        what=" ".join(unescape(strip_tags(html)).split()),
        content_hash=event.content_hash,
    )


@router.get(
    "/alliances/{id:alliance_id}/history",
    response=Page[EventOut],
    summary="History",
    openapi_extra=answers("parties"),
)
def alliance_history(
    request: HttpRequest, alliance_id: int, query: Query[PageQuery]
) -> Page[EventOut]:
    """Everything that happened in the alliance, newest first, in the words of its history
    page. Lines are never changed or removed; `GET …/record` checks that they were not."""
    me = party(request, alliance_id)
    events, next_cursor = cursor_page(
        selectors.event_history(me.alliance),
        cursor=query.cursor,
        limit=query.limit,
        newest_first=True,
    )
    return Page[EventOut](items=[event_out(e) for e in events], next_cursor=next_cursor)


@router.get(
    "/alliances/{id:alliance_id}/export",
    response=dict[str, Any],
    summary="Export",
    openapi_extra=answers("parties"),
)
def alliance_export_json(request: HttpRequest, alliance_id: int) -> dict[str, Any]:
    """The whole alliance as you may see it, the same document as the page's JSON export
    (`format`: `alliance-export/2`): your own drafts, the others' reflections only once
    revealed. Its versions and history carry their seals, so the file verifies on its own
    (`alliance verify FILE`)."""
    return alliance_export(party(request, alliance_id))


class FindingOut(Schema):
    where: str = Field(description="The part checked: a version, history lines.")
    ok: bool
    detail: str


class RecordOut(Schema):
    intact: bool
    detail: str
    findings: list[FindingOut]
    problems: list[FindingOut] = Field(description="The findings that did not hold.")


@router.get(
    "/alliances/{id:alliance_id}/record",
    response=RecordOut,
    summary="Verify the record",
    openapi_extra=answers("parties"),
)
def alliance_record(request: HttpRequest, alliance_id: int) -> RecordOut:
    """Recompute every version's hash and every history line's seal from what is stored,
    and say whether the record is intact, or where it was changed after it was sealed."""
    me = party(request, alliance_id)
    report = verify_alliance(me.alliance)
    if report.intact:
        detail = _("The record is intact.")
    else:
        detail = _("The record was changed after it was sealed.")
    return RecordOut(
        intact=report.intact,
        detail=detail,
        findings=[FindingOut(where=f.where, ok=f.ok, detail=f.detail) for f in report.findings],
        problems=[FindingOut(where=f.where, ok=f.ok, detail=f.detail) for f in report.problems],
    )
