"""Found in review: ways past the address check and the timeout of a delivery."""

import socket
import threading

import pytest
from django.core.exceptions import ValidationError

from alliance.webhooks import services
from alliance.webhooks.models import DeliveryAttempt, Endpoint
from alliance.webhooks.selectors import alliance_endpoints
from alliance.webhooks.services import deliver_due
from tests.api.client import ApiClient
from tests.factories import join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return make_user("Ana", "ana@example.org")


@pytest.mark.parametrize(
    "url",
    [
        # IPv6 forms that carry an IPv4 address inside: loopback, private, link-local.
        "http://[::127.0.0.1]/hook",  # IPv4-compatible (deprecated ::/96)
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 well-known prefix → 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 → 169.254.169.254 (cloud metadata)
        "http://[2002:7f00:1::]/hook",  # 6to4 → 127.0.0.1
        "http://[2002:c0a8:1::1]/hook",  # 6to4 → 192.168.0.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo → client 127.0.0.1
    ],
)
def test_ipv6_addresses_that_wrap_a_private_ipv4_are_refused(ana, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(user=ana, url=url, events=["term.proposed"])
    assert "url" in refused.value.message_dict
    assert not Endpoint.objects.exists()


def test_a_public_address_wrapped_in_nat64_is_still_accepted(ana, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    # 64:ff9b::5db8:d70e is 93.184.215.14 through NAT64: a public address.
    endpoint = services.endpoint_create(
        user=ana, url="http://[64:ff9b::5db8:d70e]/hook", events=["term.proposed"]
    )
    assert endpoint.pk


@pytest.fixture
def trickler():
    """A receiver on loopback that answers one byte at a time, each within the timeout,
    for seconds on end: it would hold a worker as long as it liked."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        server.settimeout(5)
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(60):  # six seconds at most
                if stop.wait(0.1):
                    return
                try:
                    conn.sendall(b"a")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    thread.join()
    server.close()


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout(ana, settings, trickler):
    settings.WEBHOOKS_TIMEOUT = 0.5
    alliance = make_alliance(ana)
    services.endpoint_create(user=ana, url=trickler, events=["term.proposed"])
    propose(party_of(alliance, ana), "A term.")
    assert deliver_due().retried == 1
    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert "No answer within" in attempt.error
    assert attempt.response_ms < 2500


@pytest.mark.parametrize(
    "fields",
    [
        {"description": "Team\x00chat"},
        {"url": "http://127.0.0.1:9/hook\x00"},
        {"url": "http://127.0.0.1:9/hook\r\nX-Injected: 1"},
        {"url": "http://127.0.0.1:9/a hook"},
    ],
)
def test_text_no_column_or_request_line_takes_is_refused_naming_the_field(ana, fields):
    values = {"url": "http://127.0.0.1:9/hook", "description": ""} | fields
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(user=ana, events=["term.proposed"], **values)
    assert set(refused.value.message_dict) == set(fields)
    assert not Endpoint.objects.exists()


def test_the_api_refuses_a_nul_in_a_webhook_with_a_422_naming_it(ana):
    answer = ApiClient(ana).post(
        "/api/v1/webhooks",
        {
            "endpoint_url": "http://127.0.0.1:9/",
            "events": ["term.proposed"],
            "description": "a\x00",
        },
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["description"]
    hook = services.endpoint_create(user=ana, url="http://127.0.0.1:9/", events=["term.proposed"])
    answer = ApiClient(ana).patch(f"/api/v1/webhooks/{hook.pk}", {"endpoint_url": "http://x/\x00"})
    assert answer.status_code == 422
    # The field as the request named it.
    assert [e["field"] for e in answer.json()["errors"]] == ["endpoint_url"]
    hook.refresh_from_db()
    assert hook.url == "http://127.0.0.1:9/"


def test_the_endpoints_of_a_deactivated_account_hear_nothing_more(ana, receiver):
    """An account the operator turned off can no longer sign in, nor use its tokens: its
    endpoints, which it can no longer see or turn off, stop receiving too."""
    ben = make_user("Ben", "ben@example.org")
    alliance = make_alliance(ben)
    join(alliance, ana)
    services.endpoint_create(user=ana, url=receiver.url, events=["term.proposed"])
    propose(party_of(alliance, ben), "Queued while Ana's account is on.")
    ana.is_active = False
    ana.save(update_fields=["is_active"])
    propose(party_of(alliance, ben), "Made once it is off.")
    assert alliance_endpoints(alliance.pk) == []
    report = deliver_due()
    assert (report.delivered, report.cancelled) == (0, 1)
    assert receiver.count() == 0
