"""Writes for webhooks: endpoints (add, change, delete), sending what is due, the test
event, redelivery, and turning an endpoint off after repeated failures.

Sending, in short, as the outbox does it (`alliance.outbox.services`): `deliver_due`
claims up to `limit` due deliveries (`select_for_update(skip_locked=True)` on PostgreSQL,
a conditional UPDATE on SQLite), posts each one signed by the Standard Webhooks scheme,
logs the attempt and settles the row. A worker that dies after claiming leaves rows in
`sending`; once their claim is older than `WEBHOOKS_CLAIM_TIMEOUT` they are due again and
go out with the same `webhook-id`, by which the receiver recognises a repeat.

An endpoint's address is checked when it is saved and again before every attempt, after
resolving its name: an address that is not public (loopback, private, link-local,
reserved) is refused unless `WEBHOOKS_ALLOW_PRIVATE`, and the request goes to the address
that was checked, so a name that changes its answer in between cannot slip past.
"""

import contextlib
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.lib.chunks import chunked
from alliance.lib.claims import claim_due
from alliance.lib.clock import now as clock_now
from alliance.lib.mail import send_templated
from alliance.outbox.models import EmailKind
from alliance.outbox.services import default_worker_id
from alliance.webhooks.events import api_url, payload_of
from alliance.webhooks.models import (
    PING,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Endpoint,
    EventType,
    new_secret,
)

logger = logging.getLogger(__name__)

# Endpoints one person may have: each event writes a row per endpoint, in the transaction
# of whoever made the change.
ENDPOINTS_PER_PERSON = 25
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# What of a response is kept in the log: enough to recognise an error page.
BODY_KEPT = 500
USER_AGENT = "Alliance-Webhooks/1"


# Addresses -----------------------------------------------------------------------------


class UnsafeAddress(Exception):
    """The endpoint's host is not one we may post to."""


# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a
# translator: NAT64's well-known prefix (RFC 6052), and the deprecated IPv4-compatible ::/96.
_EMBEDDING_V4 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::/96"))


def _public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, 6to4, NAT64, compatible) is judged
        # as the IPv4 address it leads to: [64:ff9b::7f00:1] is 127.0.0.1.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif any(ip in network for network in _EMBEDDING_V4):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) of `url`, or UnsafeAddress saying why
    not: only http(s), a host that resolves, and (unless allowed) every address it
    resolves to public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeAddress(_("This is not a web address.")) from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress(_("Give an address that starts with https:// or http://."))
    host = parts.hostname
    if not host:
        raise UnsafeAddress(_("This address has no host name."))
    if parts.username or parts.password:
        raise UnsafeAddress(_("Leave the user name and password out of the address."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeAddress(_("We could not find the host %(host)s.") % {"host": host}) from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise UnsafeAddress(_("We could not find the host %(host)s.") % {"host": host})
    if not settings.WEBHOOKS_ALLOW_PRIVATE and not all(_public(a) for a in addresses):
        raise UnsafeAddress(
            _(
                "%(host)s is a private, loopback or reserved address: webhooks go only to "
                "public addresses on this site."
            )
            % {"host": host}
        )
    return parts.scheme, host, port, addresses[0]


def url_check(url: str) -> str:
    """The address, trimmed, or a ValidationError on `url` saying why we may not post to it."""
    url = url.strip()
    if len(url) > 500:
        raise ValidationError({"url": _("Keep the address under 500 characters.")})
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        # Spaces, line breaks and NUL: no request line carries them, no column keeps NUL.
        raise ValidationError({"url": _("Leave spaces and control characters out of the address.")})
    try:
        resolve(url)
    except UnsafeAddress as refusal:
        raise ValidationError({"url": str(refusal)}) from None
    return url


def url_shown(url: str) -> str:
    """What the other parties see of an endpoint's address: its scheme and host, never
    its path or query string, where secrets of the receiving service often live."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


# Endpoints -----------------------------------------------------------------------------


def _events_check(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = set(chosen) - set(EventType.values)
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s.") % {"events": ", ".join(sorted(unknown))}}
        )
    return chosen


def _alliance_of(user: User, alliance_id: int | None) -> Alliance | None:
    """The alliance an endpoint of `user` may be for: one they design (observers get
    nothing by webhook); else a ValidationError on `alliance_id`."""
    if alliance_id is None:
        return None
    party = (
        Party.objects.select_related("alliance").filter(alliance_id=alliance_id, user=user).first()
    )
    if party is None:
        raise ValidationError({"alliance_id": _("Choose one of the alliances you design.")})
    return party.alliance


def _description_check(description: str) -> str:
    description = " ".join(description.split())
    if "\x00" in description:
        raise ValidationError(
            {"description": _("The text holds a NUL character; send it again without it.")}
        )
    if len(description) > 200:
        raise ValidationError({"description": _("Keep the description to 200 characters.")})
    return description


@transaction.atomic
def endpoint_create(
    *,
    user: User,
    url: str,
    events: Iterable[str],
    alliance_id: int | None = None,
    description: str = "",
) -> Endpoint:
    """Add an endpoint for `user`: for one alliance they design, or (no `alliance_id`) for
    every one. Its secret is made here; the owner reads it to verify what arrives."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[], Any]]] = [
        ("url", lambda: url_check(url)),
        ("events", lambda: _events_check(events)),
        ("alliance", lambda: _alliance_of(user, alliance_id)),
        ("description", lambda: _description_check(description)),
    ]
    # Every field is checked, so one answer names every mistake.
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if Endpoint.objects.filter(owner=user).count() >= ENDPOINTS_PER_PERSON:
        errors.setdefault("non_field", []).append(
            _("You have %(count)d webhooks already: delete one to add another.")
            % {"count": ENDPOINTS_PER_PERSON}
        )
    if errors:
        raise ValidationError(errors)
    return Endpoint.objects.create(owner=user, secret=new_secret(), **values)


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Endpoint:
    """Change what is given (None: unchanged). Turning an endpoint back on forgets its
    failures; turning it off leaves its queued deliveries unsent."""
    changed: list[str] = []
    errors: dict[str, Any] = {}
    # The address is checked again only when it changes (and before every attempt).
    if url is not None and url.strip() != endpoint.url:
        try:
            endpoint.url = url_check(url)
            changed.append("url")
        except ValidationError as error:
            errors.update(error.message_dict)
    if events is not None:
        try:
            endpoint.events = _events_check(events)
            changed.append("events")
        except ValidationError as error:
            errors.update(error.message_dict)
    if description is not None:
        try:
            endpoint.description = _description_check(description)
            changed.append("description")
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        endpoint.disabled_at = None if is_active else clock_now()
        endpoint.disabled_reason = "" if is_active else _("Turned off by its owner.")
        endpoint.consecutive_failures = 0
        changed += ["is_active", "disabled_at", "disabled_reason", "consecutive_failures"]
    if changed:
        endpoint.save(update_fields=changed)
    return endpoint


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Delete the endpoint with its deliveries and their log: nothing more is sent."""
    endpoint.delete()


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: Endpoint) -> Endpoint:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def _endpoint_disable(endpoint_id: int, reason: str) -> bool:
    """Turn the endpoint off and tell its owner, once (True when this call did it)."""
    with transaction.atomic():
        turned_off = Endpoint.objects.filter(pk=endpoint_id, is_active=True).update(
            is_active=False, disabled_at=clock_now(), disabled_reason=reason
        )
        if not turned_off:
            return False  # another worker, or its owner, got there first
        endpoint = Endpoint.objects.select_related("owner", "alliance").get(pk=endpoint_id)
        send_templated(
            EmailKind.WEBHOOK_DISABLED,
            to=endpoint.owner,
            context={
                "name": endpoint.owner.name,
                # Its host, not a link: the mail links only to this site.
                "endpoint_url": urlsplit(endpoint.url).hostname or endpoint.url,
                "description": endpoint.description,
                "failures": endpoint.consecutive_failures,
                "reason": reason,
                "url": settings.BASE_URL
                + reverse("webhook_detail", kwargs={"endpoint_id": endpoint.pk}),
            },
        )
    logger.warning("Webhook endpoint %s turned off: %s", endpoint_id, reason)
    return True


# Sending -------------------------------------------------------------------------------


@dataclass
class DeliverReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # claimed, but taken over by another worker before this one got to it


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _due(now: datetime) -> Q:
    stale = now - timedelta(seconds=settings.WEBHOOKS_CLAIM_TIMEOUT)
    return Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_at__lt=stale
    )


def _claim(now: datetime, limit: int, worker_id: str, ids: Iterable[int] | None) -> list[int]:
    """Take up to `limit` due deliveries for `worker_id`; returns the ids this worker won."""
    due = Delivery.objects.filter(_due(now)).order_by("next_attempt_at", "id")
    return claim_due(
        due, now=now, limit=limit, worker_id=worker_id, sending=DeliveryState.SENDING, ids=ids
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST `body` to `url` (no redirect is followed); (status, first bytes of the answer).
    Raises UnsafeAddress, OSError (timeouts included) or http.client.HTTPException."""
    scheme, host, port, address = resolve(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = float(settings.WEBHOOKS_TIMEOUT)
    pinned = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = pinned(host, port, address, timeout)
    # The socket's timeout bounds each wait, not the whole exchange: a receiver that
    # answers a byte at a time would hold the worker as long as it liked. At the deadline
    # the connection is cut, and the attempt is a timeout whatever was read by then.
    cut = threading.Event()

    def cut_off() -> None:
        cut.set()
        if conn.sock is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)

    deadline = threading.Timer(timeout, cut_off)
    deadline.daemon = True
    deadline.start()
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read(BODY_KEPT).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        if cut.is_set():
            raise TimeoutError from None
        raise
    finally:
        deadline.cancel()
        conn.close()
    if cut.is_set():
        raise TimeoutError
    return response.status, answer


def signed_headers(endpoint: Endpoint, message_id: str, at: datetime, body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(message_id, at, body),
    }


def _attempt(delivery: Delivery) -> DeliveryAttempt:
    """One signed POST of the delivery, logged (never raises for the receiver's faults)."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    at = clock_now()
    started = time.monotonic()
    attempt = DeliveryAttempt(delivery=delivery, at=at)
    try:
        headers = signed_headers(delivery.endpoint, delivery.message_id, at, body)
        attempt.status_code, attempt.response_body = _post(delivery.endpoint.url, body, headers)
        if not attempt.succeeded:
            attempt.error = _("The receiver answered %(status)d.") % {"status": attempt.status_code}
    except UnsafeAddress as refusal:
        attempt.error = str(refusal)[:300]
    except TimeoutError:
        attempt.error = _("No answer within %(seconds)s seconds.") % {
            "seconds": settings.WEBHOOKS_TIMEOUT
        }
    except (OSError, http.client.HTTPException, ValueError) as error:
        attempt.error = f"{type(error).__name__}: {error}"[:300]
    attempt.response_ms = round((time.monotonic() - started) * 1000)
    attempt.save()
    return attempt


def deliver_due(
    now: datetime | None = None,
    limit: int = 20,
    *,
    worker_id: str | None = None,
    ids: Iterable[int] | None = None,
) -> DeliverReport:
    """Send up to `limit` deliveries due at `now` (default: the clock's now). Call it again
    while `report.claimed == limit`: more may be waiting. `ids` restricts it to those."""
    now = now or clock_now()
    worker_id = worker_id or default_worker_id()
    report = DeliverReport()
    won = _claim(now, limit, worker_id, ids)
    report.claimed = len(won)
    if not won:
        return report
    deliveries = list(
        Delivery.objects.filter(pk__in=won)
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")
    )
    # Whose endpoints may still hear of which alliance: designing parties only, whose
    # account is on (an account turned off can no longer see or stop its endpoints).
    designing = set(
        Party.objects.filter(
            user__is_active=True,
            user_id__in={d.endpoint.owner_id for d in deliveries},
            alliance_id__in={d.alliance_id for d in deliveries if d.alliance_id},
        ).values_list("user_id", "alliance_id")
    )
    mine = Delivery.objects.filter(state=DeliveryState.SENDING, claimed_by=worker_id)
    for delivery in deliveries:
        endpoint = delivery.endpoint
        ping = delivery.event_type == PING
        # Renew the claim right before sending: a slow batch may outlive the claim
        # timeout, and then another worker owns the delivery and sends it instead.
        if mine.filter(pk=delivery.pk).update(claimed_at=clock_now()) != 1:
            report.lost += 1
            continue
        gone = delivery.alliance_id and (endpoint.owner_id, delivery.alliance_id) not in designing
        if (not endpoint.is_active and not ping) or gone:
            # Turned off, or its owner left, after this was queued: it is not sent.
            mine.filter(pk=delivery.pk).update(state=DeliveryState.CANCELLED)
            report.cancelled += 1
            continue
        attempt = _attempt(delivery)
        if attempt.succeeded:
            mine.filter(pk=delivery.pk).update(
                state=DeliveryState.DELIVERED, delivered_at=clock_now()
            )
            if not ping:
                Endpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
                    consecutive_failures=0
                )
            report.delivered += 1
        elif ping or delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
            mine.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
            report.failed += 1
            if not ping:
                _failure_count(endpoint, attempt)
        else:
            mine.filter(pk=delivery.pk).update(
                state=DeliveryState.QUEUED, next_attempt_at=now + _backoff(delivery.attempts)
            )
            report.retried += 1
    return report


def _failure_count(endpoint: Endpoint, attempt: DeliveryAttempt) -> None:
    """One more delivery failed for good; after `WEBHOOKS_DISABLE_AFTER` in a row, the
    endpoint is turned off and its owner told."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    failures = Endpoint.objects.filter(pk=endpoint.pk).values_list(
        "consecutive_failures", flat=True
    )
    if (failures.first() or 0) >= settings.WEBHOOKS_DISABLE_AFTER:
        _endpoint_disable(
            endpoint.pk,
            _("%(count)d deliveries in a row failed; the last: %(error)s")
            % {"count": settings.WEBHOOKS_DISABLE_AFTER, "error": attempt.error},
        )


def endpoint_test(*, endpoint: Endpoint) -> Delivery:
    """Send a `ping` to the endpoint now (even when it is off, to see whether it would
    work), once, without retries; the delivery comes back with its attempt logged."""
    at = clock_now()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type=PING,
        payload=payload_of(
            PING,
            None,
            at,
            endpoint_id=endpoint.pk,
            urls={"endpoint": api_url(f"/webhooks/{endpoint.pk}")},
        ),
    )
    deliver_due(ids=[delivery.pk])
    return Delivery.objects.select_related("endpoint").get(pk=delivery.pk)


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Queue a delivery again, now, with its attempts counted afresh and the same
    `webhook-id` (the same message: a receiver that already took it may skip it)."""
    if not delivery.endpoint.is_active:
        raise ValidationError(_("Turn this endpoint on again first."))
    queued = Delivery.objects.filter(
        pk=delivery.pk,
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.CANCELLED],
    ).update(
        state=DeliveryState.QUEUED,
        attempts=0,
        next_attempt_at=clock_now(),
        claimed_at=None,
        claimed_by="",
    )
    if not queued:
        raise ValidationError(_("This delivery is on its way already."))
    delivery.refresh_from_db()
    return delivery


def deliveries_prune_in_chunks() -> Iterator[None]:
    """The periodic job: deliveries settled more than `WEBHOOKS_KEEP_DAYS` ago go, with
    their log, so the log stays the recent past."""
    before = clock_now() - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    # Sent again by hand since it was picked, a delivery is queued, and recent: it stays.
    settled = Delivery.objects.filter(
        created_at__lt=before,
        next_attempt_at__lt=before,
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.CANCELLED],
    )
    for chunk in chunked(list(settled.values_list("pk", flat=True))):
        settled.filter(pk__in=chunk).delete()
        yield
