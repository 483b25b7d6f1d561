"""A copy of all one's data, through the API: ask for one and follow it as the worker
builds it. The file itself leaves only by the link emailed to its owner, once."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from alliance.api.access import answers, caller
from alliance.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_page
from alliance.api.problems import ApiProblem
from alliance.record import takeout
from alliance.record.models import DataCopy, DataCopyState

router = Router(tags=["data copies"])

HOW_IT_ARRIVES = (
    "The zip itself never comes through the API: when the copy is `ready`, a link is "
    "emailed to the account's address, which downloads it once, until `expires_at`, in a "
    "browser signed in as its owner."
)


class DataCopyOut(Schema):
    id: int
    state: DataCopyState = Field(
        description="waiting → building → ready → downloaded; or expired (not downloaded "
        "in time, or replaced by a newer copy), or failed (after several tries)."
    )
    state_text: str = Field(description="The state in words, in the reader's language.")
    requested_at: datetime
    alliances_done: int = Field(description="While building: alliances written so far.")
    alliances_total: int
    ready_at: datetime | None
    downloaded_at: datetime | None
    expires_at: datetime | None = Field(description="Until when the emailed link works.")
    url: str


def data_copy_out(copy: DataCopy) -> DataCopyOut:
    return DataCopyOut(
        id=copy.pk,
        state=DataCopyState(copy.state),
        state_text=str(DataCopyState(copy.state).label),
        requested_at=copy.requested_at,
        alliances_done=copy.alliances_done,
        alliances_total=copy.alliances_total,
        ready_at=copy.ready_at,
        downloaded_at=copy.downloaded_at,
        expires_at=copy.expires_at,
        url=reverse("api:data_copy_detail", kwargs={"copy_id": copy.pk}),
    )


class DataCopyListQuery(Schema):
    cursor: str | None = Field(None, max_length=200, description="From `next_cursor`.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/me/data-copies",
    response=Page[DataCopyOut],
    summary="My data copies",
    openapi_extra=answers("own"),
)
def data_copy_list(request: HttpRequest, query: Query[DataCopyListQuery]) -> Page[DataCopyOut]:
    """Every copy of their data the caller asked for, newest first, with its state."""
    items, next_cursor = cursor_page(
        takeout.data_copies_of(caller(request)),
        cursor=query.cursor,
        limit=query.limit,
        newest_first=True,
    )
    return Page[DataCopyOut](items=[data_copy_out(c) for c in items], next_cursor=next_cursor)


@router.post(
    "/me/data-copies",
    response={201: DataCopyOut},
    summary="Ask for a copy of all my data",
    description=(
        "Ask for a zip of everything the caller may see in Alliance: their account, every "
        "alliance they are in, observe or left (only what they may see of each), the "
        "ratified versions with what proves them, their calendar; as the profile's data "
        "page does. A worker builds it; follow its `state` at its `url`. "
        + HOW_IT_ARRIVES
        + " One copy is prepared at a time: asking while one waits or is being built is "
        "409. Asking again once one is ready replaces it, and the old link stops working."
    ),
    openapi_extra=answers("own"),
)
def data_copy_request(request: HttpRequest) -> Status[DataCopyOut]:
    user = caller(request)
    try:
        copy = takeout.data_copy_request(user=user)
    except ValidationError as error:
        # The one refusal: a copy is already on its way.
        latest = takeout.data_copy_latest(user)
        raise ApiProblem(
            409,
            " ".join(error.messages),
            current=data_copy_out(latest).model_dump(mode="json") if latest else None,
        ) from error
    return Status(201, data_copy_out(copy))


@router.get(
    "/me/data-copies/{id:copy_id}",
    response=DataCopyOut,
    summary="One of my data copies",
    description="How far the copy has come. " + HOW_IT_ARRIVES,
    openapi_extra=answers("own"),
)
def data_copy_detail(request: HttpRequest, copy_id: int) -> DataCopyOut:
    return data_copy_out(takeout.data_copy_of(user=caller(request), copy_id=copy_id))
