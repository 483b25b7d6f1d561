"""Webhooks through the API: a person's endpoints (list, add, read, change, delete, test),
their deliveries with every attempt (cursor-paged), redelivery by hand, and for every
party of an alliance, which endpoints receive its events and who added them."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from alliance.api.access import answers, caller, party
from alliance.api.pagination import Page, PageQuery, cursor_page
from alliance.lib.forms import MAX_ID
from alliance.webhooks import selectors, services
from alliance.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Endpoint, EventType

router = Router(tags=["webhooks"])


def api_url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


@contextmanager
def fields_as_sent() -> Iterator[None]:
    """The services name the address `url`, as the page's form does; the API's body names
    it `endpoint_url` (`url` is the endpoint's own API URL): refusals name it as sent."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                "endpoint_url" if field == "url" else field: messages
                for field, messages in error.message_dict.items()
            }
        ) from None


class EndpointOut(Schema):
    id: int
    url: str
    endpoint_url: str = Field(description="Where the deliveries are posted.")
    alliance_id: int | None = Field(description="The one alliance it is for; null: all yours.")
    events: list[EventType]
    description: str
    active: bool
    disabled_reason: str
    disabled_at: datetime | None
    consecutive_failures: int
    created_at: datetime
    secret: str = Field(
        description="The `whsec_` secret that signs every delivery (Standard Webhooks): "
        "verify each one with it."
    )
    deliveries_url: str


def endpoint_out(endpoint: Endpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.pk,
        url=api_url("webhook_detail", endpoint_id=endpoint.pk),
        endpoint_url=endpoint.url,
        alliance_id=endpoint.alliance_id,
        events=[EventType(e) for e in endpoint.events if e in EventType.values],
        description=endpoint.description,
        active=endpoint.is_active,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at,
        consecutive_failures=endpoint.consecutive_failures,
        created_at=endpoint.created_at,
        secret=endpoint.secret,
        deliveries_url=api_url("webhook_deliveries", endpoint_id=endpoint.pk),
    )


@router.get(
    "/webhooks", response=list[EndpointOut], summary="My webhooks", openapi_extra=answers("own")
)
def webhook_list(request: HttpRequest) -> list[EndpointOut]:
    """Every endpoint the caller added, oldest first, with its secret."""
    return [endpoint_out(e) for e in selectors.endpoints_of(caller(request))]


class EndpointIn(Schema):
    endpoint_url: str = Field(max_length=500, description="An https:// (or http://) address.")
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))
    alliance_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="One alliance you design; leave out for all of them.",
        strict=True,
    )
    description: str = Field("", max_length=200)


@router.post(
    "/webhooks",
    response={201: EndpointOut},
    summary="Add a webhook",
    openapi_extra=answers("own"),
)
def webhook_create(request: HttpRequest, payload: EndpointIn) -> Status[EndpointOut]:
    """Add an endpoint for one alliance you design, or for all of them, receiving the
    events you choose. The answer carries its `secret`: verify each delivery with it
    (`standardwebhooks.Webhook(secret).verify(body, headers)`). Addresses that are not
    public (loopback, private networks) are refused unless the site allows them."""
    with fields_as_sent():
        endpoint = services.endpoint_create(
            user=caller(request),
            url=payload.endpoint_url,
            events=[e.value for e in payload.events],
            alliance_id=payload.alliance_id,
            description=payload.description,
        )
    return Status(201, endpoint_out(endpoint))


@router.get(
    "/webhooks/{id:endpoint_id}",
    response=EndpointOut,
    summary="One webhook",
    openapi_extra=answers("own"),
)
def webhook_detail(request: HttpRequest, endpoint_id: int) -> EndpointOut:
    """One of the caller's endpoints; anyone else's is 404, like a missing one."""
    return endpoint_out(selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id))


class EndpointChangeIn(Schema):
    endpoint_url: str | None = Field(None, max_length=500)
    events: list[EventType] | None = Field(None, min_length=1, max_length=len(EventType))
    description: str | None = Field(None, max_length=200)
    active: bool | None = Field(
        None,
        description="false turns it off; true turns it on again and forgets its failures.",
        strict=True,
    )


@router.patch(
    "/webhooks/{id:endpoint_id}",
    response=EndpointOut,
    summary="Change a webhook",
    openapi_extra=answers("own"),
)
def webhook_update(
    request: HttpRequest, endpoint_id: int, payload: EndpointChangeIn
) -> EndpointOut:
    """Change its address, events or description, or turn it off or on; what is left out
    stays as it is."""
    endpoint = selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id)
    with fields_as_sent():
        endpoint = services.endpoint_update(
            endpoint=endpoint,
            url=payload.endpoint_url,
            events=None if payload.events is None else [e.value for e in payload.events],
            description=payload.description,
            is_active=payload.active,
        )
    return endpoint_out(endpoint)


@router.delete(
    "/webhooks/{id:endpoint_id}",
    response={204: None},
    summary="Delete a webhook",
    openapi_extra=answers("own"),
)
def webhook_delete(request: HttpRequest, endpoint_id: int) -> Status[None]:
    """Delete the endpoint with its deliveries and their log; nothing more is sent to it."""
    services.endpoint_delete(
        endpoint=selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id)
    )
    return Status(204, None)


class AttemptOut(Schema):
    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null if none came.")
    error: str
    response_ms: int
    response_body: str = Field(description="The first bytes of the receiver's answer.")


class DeliveryOut(Schema):
    id: int
    event_type: str
    message_id: str = Field(description="The `webhook-id` header, the same on every attempt.")
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict
    log: list[AttemptOut]
    redeliver_url: str


def _attempt_out(attempt: DeliveryAttempt) -> AttemptOut:
    return AttemptOut(
        at=attempt.at,
        status_code=attempt.status_code,
        error=attempt.error,
        response_ms=attempt.response_ms,
        response_body=attempt.response_body,
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.pk,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        state=DeliveryState(delivery.state),
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at
        if delivery.state == DeliveryState.QUEUED
        else None,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        payload=delivery.payload,
        log=[_attempt_out(a) for a in delivery.log.all()],
        redeliver_url=api_url(
            "webhook_redeliver", endpoint_id=delivery.endpoint_id, delivery_id=delivery.pk
        ),
    )


@router.post(
    "/webhooks/{id:endpoint_id}/test",
    response=DeliveryOut,
    summary="Send a test event",
    openapi_extra=answers("own"),
)
def webhook_test(request: HttpRequest, endpoint_id: int) -> DeliveryOut:
    """Send a signed `ping` now (to an endpoint that is off too) and answer with its one
    attempt: the receiver's status and how long it took. No retries follow."""
    endpoint = selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id)
    delivery = services.endpoint_test(endpoint=endpoint)
    return delivery_out(selectors.delivery_for(endpoint=endpoint, delivery_id=delivery.pk))


@router.get(
    "/webhooks/{id:endpoint_id}/deliveries",
    response=Page[DeliveryOut],
    summary="Deliveries of a webhook",
    openapi_extra=answers("own"),
)
def webhook_deliveries(
    request: HttpRequest, endpoint_id: int, query: Query[PageQuery]
) -> Page[DeliveryOut]:
    """What was sent to the endpoint, newest first, each with every attempt."""
    endpoint = selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id)
    items, next_cursor = cursor_page(
        selectors.deliveries_of(endpoint), cursor=query.cursor, limit=query.limit, newest_first=True
    )
    return Page[DeliveryOut](items=[delivery_out(d) for d in items], next_cursor=next_cursor)


@router.post(
    "/webhooks/{id:endpoint_id}/deliveries/{id:delivery_id}/redeliver",
    response={202: DeliveryOut},
    summary="Send a delivery again",
    openapi_extra=answers("own"),
)
def webhook_redeliver(
    request: HttpRequest, endpoint_id: int, delivery_id: int
) -> Status[DeliveryOut]:
    """Queue a delivered, failed or unsent delivery again, with fresh retries and the same
    `webhook-id`. The worker sends it within moments."""
    endpoint = selectors.endpoint_for(user=caller(request), endpoint_id=endpoint_id)
    delivery = selectors.delivery_for(endpoint=endpoint, delivery_id=delivery_id)
    services.delivery_redeliver(delivery=delivery)
    return Status(
        202, delivery_out(selectors.delivery_for(endpoint=endpoint, delivery_id=delivery_id))
    )


class AllianceEndpointOut(Schema):
    id: int
    added_by: str = Field(description="The name of the party who added it.")
    added_by_me: bool
    host: str = Field(description="Scheme and host only: never the path or query string.")
    events: list[EventType]
    all_alliances: bool = Field(description="Added for every alliance of its owner.")
    created_at: datetime


@router.get(
    "/alliances/{id:alliance_id}/webhooks",
    response=list[AllianceEndpointOut],
    summary="Who receives this alliance's events",
    openapi_extra=answers("parties"),
)
def alliance_webhooks(request: HttpRequest, alliance_id: int) -> list[AllianceEndpointOut]:
    """Every endpoint that receives this alliance's events, and which party added it, so
    that everyone knows where news of the alliance goes."""
    me = party(request, alliance_id)
    return [
        AllianceEndpointOut(
            id=endpoint.pk,
            added_by=endpoint.owner.name,
            added_by_me=endpoint.owner_id == me.user_id,
            host=services.url_shown(endpoint.url),
            events=[EventType(e) for e in endpoint.events if e in EventType.values],
            all_alliances=endpoint.alliance_id is None,
            created_at=endpoint.created_at,
        )
        for endpoint in selectors.alliance_endpoints(alliance_id)
    ]
