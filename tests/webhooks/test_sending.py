"""Sending: signatures, retries with backoff, giving up, turning a failing endpoint off with
an email, timeouts, no redirects, and addresses that are not public."""

import json
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from standardwebhooks import Webhook

from alliance.lib.clock import now
from alliance.webhooks import services
from alliance.webhooks.models import Delivery, DeliveryAttempt, Endpoint
from alliance.webhooks.services import deliver_due
from tests.factories import make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return make_user("Ana", "ana@example.org")


def hook_and_event(ana, receiver, events=("term.proposed",)):
    alliance = make_alliance(ana)
    hook = services.endpoint_create(user=ana, url=receiver.url, events=list(events))
    propose(party_of(alliance, ana), "We meet weekly.")
    return hook, Delivery.objects.get(endpoint=hook)


def test_a_delivery_carries_the_standard_webhooks_headers_and_verifies(ana, receiver):
    hook, delivery = hook_and_event(ana, receiver)
    assert hook.secret.startswith("whsec_")
    assert deliver_due().delivered == 1
    (request,) = receiver.requests
    assert request.path == "/hooks/alliance"
    assert request.headers["webhook-id"] == delivery.message_id
    assert delivery.message_id.startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    assert Webhook(hook.secret).verify(request.body, request.headers)["type"] == "term.proposed"
    with pytest.raises(Exception, match="signature"):
        Webhook(services.new_secret()).verify(request.body, request.headers)
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code == 204
    assert attempt.response_ms >= 0


def test_failures_are_retried_with_growing_waits_then_the_delivery_fails(ana, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 8
    receiver.status = 500
    start = now()
    with time_machine.travel(start, tick=False) as clock:
        _hook, delivery = hook_and_event(ana, receiver)
        waits = []
        for _ in range(7):
            assert deliver_due().retried == 1
            delivery.refresh_from_db()
            waits.append(delivery.next_attempt_at - now())
            assert deliver_due().claimed == 0, "not due again before its wait is over"
            clock.move_to(delivery.next_attempt_at)
        assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
        assert deliver_due().failed == 1
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.attempts == 8
    assert receiver.count() == 8
    assert len(set(receiver.message_ids())) == 1, "every attempt is the same message"
    assert DeliveryAttempt.objects.filter(delivery=delivery, status_code=500).count() == 8


def test_after_repeated_failed_deliveries_the_endpoint_is_turned_off_and_its_owner_told(
    ana, receiver, settings
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_DISABLE_AFTER = 3
    receiver.status = 503
    hook, _delivery = hook_and_event(ana, receiver)
    alliance = make_alliance(ana, title="Second")
    me = party_of(alliance, ana)
    deliver_due()
    propose(me, "Second term.")
    deliver_due()
    assert Endpoint.objects.get(pk=hook.pk).is_active, "two failures in a row are not enough"
    mail.outbox.clear()
    propose(me, "Third term.")
    deliver_due()
    hook.refresh_from_db()
    assert not hook.is_active
    assert "3 deliveries in a row failed" in hook.disabled_reason
    (email,) = mail.outbox
    assert email.to == ["ana@example.org"]
    assert "turned off" in email.subject
    assert f"/profile/webhooks/{hook.pk}/" in email.body
    # Nothing more is queued for it, and turning it on forgets the failures.
    propose(me, "Fourth term.")
    assert Delivery.objects.filter(endpoint=hook).count() == 3
    services.endpoint_update(endpoint=hook, is_active=True)
    assert hook.consecutive_failures == 0


def test_a_success_between_failures_starts_the_count_again(ana, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_DISABLE_AFTER = 2
    receiver.status = 500
    hook, _ = hook_and_event(ana, receiver)
    me = party_of(make_alliance(ana, title="Second"), ana)
    deliver_due()
    receiver.status = 200
    propose(me, "Second term.")
    deliver_due()
    receiver.status = 500
    propose(me, "Third term.")
    deliver_due()
    hook.refresh_from_db()
    assert hook.is_active
    assert hook.consecutive_failures == 1


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(ana, receiver, settings):
    settings.WEBHOOKS_TIMEOUT = 0.3
    _, delivery = hook_and_event(ana, receiver)
    receiver.answering.clear()
    try:
        assert deliver_due().retried == 1
    finally:
        receiver.answering.set()
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert "No answer within" in attempt.error
    assert attempt.response_ms < 3000
    delivery.refresh_from_db()
    assert delivery.state == "queued"


def test_a_redirect_is_not_followed(ana, receiver):
    receiver.status = 302
    _, delivery = hook_and_event(ana, receiver)
    deliver_due()
    assert receiver.count() == 1
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code == 302
    assert not attempt.succeeded


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://[::1]:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://192.168.0.10/hook",
        "http://0.0.0.0/hook",
        "http://localhost:9000/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_addresses_that_are_not_public_are_refused(ana, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(user=ana, url=url, events=["term.proposed"])
    assert "url" in refused.value.message_dict
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:x", ""])
def test_only_http_and_https_are_accepted(ana, url):
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(user=ana, url=url, events=["term.proposed"])
    assert "url" in refused.value.message_dict


def test_a_name_that_resolves_to_loopback_by_the_time_of_sending_is_refused_then(
    ana, receiver, settings, monkeypatch
):
    """The address is checked again before each attempt, after resolving the name: a
    name that answered a public address when the endpoint was saved and a loopback one
    now gets nothing."""
    real = socket.getaddrinfo

    def loopback(host, *args, **kwargs):
        if host == "hooks.example.org":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    alliance = make_alliance(ana)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    url = f"http://hooks.example.org:{receiver.port}/in"
    hook = services.endpoint_create(user=ana, url=url, events=["term.proposed"])
    propose(party_of(alliance, ana), "We meet weekly.")
    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    assert deliver_due().retried == 1
    assert receiver.count() == 0
    attempt = DeliveryAttempt.objects.get(delivery__endpoint=hook)
    assert "private, loopback or reserved" in attempt.error
    # Allowed by the operator, the same name is reached (at the address that was checked).
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with time_machine.travel(now() + timedelta(minutes=2)):
        assert deliver_due().delivered == 1
    assert receiver.count() == 1
    assert receiver.requests[0].headers["host"] == f"hooks.example.org:{receiver.port}"


def test_a_test_event_is_sent_at_once_even_to_an_endpoint_that_is_off(ana, receiver):
    hook = services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    services.endpoint_update(endpoint=hook, is_active=False)
    delivery = services.endpoint_test(endpoint=hook)
    assert delivery.state == "delivered"
    (payload,) = receiver.verified(hook.secret)
    assert payload["type"] == "ping"
    assert payload["data"]["endpoint_id"] == hook.pk


def test_a_failed_test_event_is_not_retried_and_counts_no_failure(ana, receiver):
    receiver.status = 500
    hook = services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    delivery = services.endpoint_test(endpoint=hook)
    assert delivery.state == "failed"
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


def test_redelivery_sends_the_same_message_again(ana, receiver):
    hook, delivery = hook_and_event(ana, receiver)
    deliver_due()
    services.delivery_redeliver(delivery=delivery)
    with pytest.raises(ValidationError):
        services.delivery_redeliver(delivery=delivery)  # on its way already
    deliver_due()
    assert receiver.message_ids() == [delivery.message_id] * 2
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert delivery.log.count() == 2
    services.endpoint_update(endpoint=hook, is_active=False)
    with pytest.raises(ValidationError):
        services.delivery_redeliver(delivery=delivery)


def test_the_body_sent_is_the_payload_stored(ana, receiver):
    _, delivery = hook_and_event(ana, receiver)
    deliver_due()
    assert json.loads(receiver.requests[0].body) == delivery.payload


def test_the_log_keeps_settled_deliveries_for_a_month(ana, receiver, settings):
    from alliance.webhooks.services import deliveries_prune_in_chunks

    settings.WEBHOOKS_KEEP_DAYS = 30
    hook, old = hook_and_event(ana, receiver)
    deliver_due()
    with time_machine.travel(now() + timedelta(days=31)):
        propose(party_of(make_alliance(ana, title="Later"), ana), "A later term.")
        queued_old = Delivery.objects.create(
            endpoint=hook, event_type="term.proposed", payload={}, created_at=old.created_at
        )
        list(deliveries_prune_in_chunks())
    assert not Delivery.objects.filter(pk=old.pk).exists()
    assert not DeliveryAttempt.objects.filter(delivery_id=old.pk).exists()
    assert Delivery.objects.filter(pk=queued_old.pk).exists(), "not settled: it stays"
    assert Delivery.objects.filter(endpoint=hook).count() == 2


def test_one_person_has_at_most_25_endpoints(ana):
    for i in range(services.ENDPOINTS_PER_PERSON):
        Endpoint.objects.create(owner=ana, url=f"https://hooks.example.org/{i}", events=["ping"])
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(
            user=ana, url="https://hooks.example.org/x", events=["term.proposed"]
        )
    assert "delete one" in str(refused.value)
