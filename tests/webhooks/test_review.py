"""Found in review: ways past the address check and the timeout of a delivery."""

import pytest
from django.core.exceptions import ValidationError

from alliance.webhooks import services
from alliance.webhooks.models import Endpoint
from tests.factories import make_user

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
