"""Alliances through the API: list (cursor-paged), create, read, rename."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from alliance.alliances import services
from alliance.alliances.models import Kind, Party
from alliance.api.access import answers, caller, party
from alliance.api.pagination import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_page
from alliance.api.problems import ApiProblem

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


class AllianceListQuery(Schema):
    cursor: str | None = Field(
        None, max_length=200, pattern=CURSOR_PATTERN, description="From `next_cursor`."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/alliances", response=Page[AllianceOut], summary="My alliances", openapi_extra=answers("own")
)
def alliance_list(request: HttpRequest, query: Query[AllianceListQuery]) -> Page[AllianceOut]:
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
    revision: int = Field(ge=1, le=2**31 - 1, description="The `revision` you read.")
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
