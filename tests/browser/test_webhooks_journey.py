"""In Chromium: Ana adds a webhook from her profile, copies its secret, sends a test event
and reads the attempt; Ben, on his phone, sees on their alliance where its events go."""

import pytest
from standardwebhooks import Webhook

from alliance.webhooks.models import Endpoint
from tests.browser.people import ana_and_ben
from tests.factories import join, make_alliance, make_user
from tests.webhooks.receiver import running_receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ana_adds_a_webhook_tests_it_and_ben_sees_where_events_go(
    live_server, browser, screenshots, settings
):
    settings.BASE_URL = live_server.url
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on loopback
    base = live_server.url
    alliance = make_alliance(make_user("Ana", "ana@example.org"), title="Coaching Ana and Ben")
    join(alliance, make_user("Ben", "ben@example.org"))
    ana, ben = ana_and_ben(browser, base)

    with running_receiver() as receiver:
        ana.goto(f"{base}/profile/")
        ana.get_by_role("link", name="Webhooks").click()
        assert "You have no webhooks yet." in ana.locator("main").inner_text()
        ana.get_by_label("Address").fill(receiver.url)
        ana.get_by_label("Alliance:", exact=True).select_option(label="Coaching Ana and Ben")
        ana.get_by_label("A term was proposed").check()
        ana.get_by_label("A tending signal was raised").check()
        ana.get_by_role("button", name="Add the webhook").click()
        assert "Copy its secret" in ana.locator("main").inner_text()
        secret = ana.locator("[data-secret]").input_value()
        assert secret == Endpoint.objects.get().secret

        ana.get_by_role("button", name="Send a test event").click()
        assert "The test event was delivered." in ana.locator("main").inner_text()
        assert "204" in ana.locator("[data-attempt]").first.inner_text()
        request = receiver.requests[0]
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "ping"
        ana.screenshot(path=str(screenshots / "webhook-detail.png"), full_page=True)

    ben.goto(f"{base}/alliances/{alliance.pk}/")
    ben.get_by_role("link", name="Where its events go (webhooks)").click()
    row = ben.locator("[data-endpoint]").inner_text()
    assert "Ana" in row
    assert "http://127.0.0.1" in row
    assert "/hooks/alliance" not in row, "never the path, where secrets often live"
