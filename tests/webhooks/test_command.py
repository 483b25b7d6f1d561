"""`alliance webhook test ENDPOINT_ID [--json]`: a test event now, and its attempt."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alliance.webhooks import services
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_it_sends_a_signed_ping_and_prints_the_attempt(receiver):
    hook = services.endpoint_create(
        user=make_user("Ana"), url=receiver.url, events=["term.proposed"]
    )
    out = StringIO()
    call_command("webhook", "test", str(hook.pk), stdout=out)
    assert out.getvalue().startswith(f"Delivered to {receiver.url}: 204 in ")
    assert receiver.verified(hook.secret)[0]["type"] == "ping"
    out = StringIO()
    call_command("webhook", "test", str(hook.pk), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["state"] == "delivered"
    assert result["status_code"] == 204
    assert result["response_ms"] >= 0
    assert result["message_id"] == receiver.message_ids()[1]


def test_a_failed_ping_says_why_and_exits_1(receiver):
    receiver.status = 410
    hook = services.endpoint_create(
        user=make_user("Ana"), url=receiver.url, events=["term.proposed"]
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("webhook", "test", str(hook.pk), "--json", stdout=out)
    assert exit.value.code == 1
    assert json.loads(out.getvalue())["status_code"] == 410


def test_an_unknown_endpoint_is_an_error():
    with pytest.raises(CommandError, match="no webhook endpoint 999"):
        call_command("webhook", "test", "999")
