"""Reads for webhooks. An endpoint is its owner's alone: anyone else gets 404."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from alliance.accounts.models import User
from alliance.alliances.models import Party
from alliance.webhooks.models import Delivery, DeliveryAttempt, Endpoint


def endpoints_of(user: User) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(owner=user).select_related("alliance").order_by("pk")


def endpoint_for(*, user: User, endpoint_id: int) -> Endpoint:
    """The user's endpoint; 404 for a missing one and for anyone else's alike."""
    endpoint = endpoints_of(user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, each with its attempts (one query for all
    of a page's attempts)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("endpoint")
        .prefetch_related(Prefetch("log", queryset=DeliveryAttempt.objects.order_by("at", "id")))
        .order_by("-pk")
    )


def delivery_for(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    delivery = deliveries_of(endpoint).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery


def alliance_endpoints(alliance_id: int) -> list[Endpoint]:
    """The endpoints that receive this alliance's events, and whose they are: those of its
    designing parties, made for it or for all their alliances, that are on."""
    designers = Party.objects.filter(alliance_id=alliance_id, user__is_active=True).values(
        "user_id"
    )
    return list(
        Endpoint.objects.filter(is_active=True, owner_id__in=designers)
        .filter(Q(alliance__isnull=True) | Q(alliance_id=alliance_id))
        .select_related("owner")
        .order_by("created_at", "pk")
    )
