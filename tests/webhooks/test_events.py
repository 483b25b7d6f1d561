"""Which changes become which events, for whom, and what a payload says (never a text)."""

import json
from collections import Counter

import pytest
from django.db import transaction

from alliance.accounts.erasure import account_erase
from alliance.alliances import services as alliance_services
from alliance.webhooks import services
from alliance.webhooks.models import Delivery, Endpoint
from alliance.webhooks.services import deliver_due
from tests.factories import join, make_alliance, make_user, party_of, propose
from tests.webhooks.story import ALL_EVENTS, PRIVATE, every_event

pytestmark = pytest.mark.django_db


def endpoint(user, url="https://hooks.example.org/in?token=s3cret", events=None, alliance=None):
    return Endpoint.objects.create(
        owner=user, url=url, events=events or ALL_EVENTS, alliance=alliance
    )


def test_every_change_of_the_story_queues_its_event_and_no_payload_carries_a_text(receiver):
    ana = make_user(PRIVATE["name"], PRIVATE["email"])
    hook = services.endpoint_create(user=ana, url=receiver.url, events=ALL_EVENTS)
    story = every_event(ana)
    deliveries = list(Delivery.objects.filter(endpoint=hook))
    assert sorted({d.event_type for d in deliveries}) == ALL_EVENTS
    for delivery in deliveries:
        text = json.dumps(delivery.payload, ensure_ascii=False)
        assert not [word for word in PRIVATE.values() if word in text], delivery.payload
        assert delivery.payload["type"] == delivery.event_type
        assert delivery.payload["data"]["alliance_id"] == story.alliance.pk
        assert all(
            url.startswith("http://testserver/api/v1/alliances/")
            or url.startswith(f"{_base()}/api/v1/alliances/")
            for url in delivery.payload["data"]["urls"].values()
        )
    while deliver_due(limit=50).claimed:
        pass
    received = receiver.verified(hook.secret)
    assert len(received) == len(deliveries)
    assert Counter(receiver.message_ids()).most_common(1)[0][1] == 1
    assert {p["type"] for p in received} == set(ALL_EVENTS)
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def _base() -> str:
    from django.conf import settings

    return settings.BASE_URL


def test_the_ids_in_a_payload_name_what_changed():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    endpoint(ana, events=["term.proposed", "party.joined"])
    joined = join(alliance, ben)
    term = propose(party_of(alliance, ana), "We meet weekly.")
    by_type = {d.event_type: d.payload["data"] for d in Delivery.objects.all()}
    assert by_type["party.joined"]["party_id"] == joined.pk
    assert by_type["term.proposed"]["term_id"] == term.pk
    assert by_type["term.proposed"]["urls"]["term"].endswith(
        f"/api/v1/alliances/{alliance.pk}/terms/{term.pk}"
    )


def test_an_anonymous_signal_never_names_its_raiser():
    from alliance.tending import services as tending_services
    from tests.factories import ratify_with

    ana, ben, cleo = make_user("Ana"), make_user("Ben"), make_user("Cleo")
    alliance = make_alliance(ana, kind="team", role="lead")
    join(alliance, ben, role="member")
    join(alliance, cleo, role="member")
    parties = [party_of(alliance, u) for u in (ana, ben, cleo)]
    propose(parties[0], "We stand up at ten.")
    ratify_with(parties)
    tending_services.signal_policy_set(party=parties[0], allow_anonymous=True)
    endpoint(ana, events=["signal.raised"])
    tending_services.signal_raise(party=parties[1], note="Too early.", anonymous=True)
    (delivery,) = Delivery.objects.all()
    text = json.dumps(delivery.payload)
    assert "Ben" not in text
    assert str(parties[1].pk) not in [str(v) for v in delivery.payload["data"].values()]
    assert set(delivery.payload["data"]) == {"alliance_id", "signal_id", "urls"}


def test_a_change_that_rolls_back_queues_nothing():
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    endpoint(ana, events=["term.proposed"])
    with transaction.atomic():
        propose(party_of(alliance, ana), "We meet weekly.")
        assert Delivery.objects.count() == 1
        transaction.set_rollback(True)
    assert Delivery.objects.count() == 0


def test_only_the_chosen_events_of_the_chosen_alliance_are_queued():
    ana = make_user("Ana")
    mine, other = make_alliance(ana, title="Mine"), make_alliance(ana, title="Other")
    only_mine = endpoint(ana, events=["term.proposed"], alliance=mine)
    everywhere = endpoint(ana, events=["term.proposed", "term.changed"])
    renames = endpoint(ana, events=["alliance.renamed"])
    propose(party_of(mine, ana), "We meet weekly.")
    propose(party_of(other, ana), "We write daily.")
    assert Delivery.objects.filter(endpoint=only_mine).count() == 1
    assert Delivery.objects.filter(endpoint=everywhere).count() == 2
    assert not Delivery.objects.filter(endpoint=renames).exists()


def test_observers_people_who_left_and_turned_off_endpoints_get_nothing():
    ana, ben, sam = make_user("Ana"), make_user("Ben"), make_user("Sam")
    alliance = make_alliance(ana)
    join(alliance, ben)
    join(alliance, sam, as_observer=True)
    watching = endpoint(sam)
    leaving = endpoint(ben)
    off = endpoint(ana)
    off.is_active = False
    off.save()
    alliance_services.party_leave(party=party_of(alliance, ben))
    propose(party_of(alliance, ana), "We meet weekly.")
    assert not Delivery.objects.filter(endpoint__in=[watching, off]).exists()
    # Ben's own leaving was the last he heard of it.
    assert (
        list(Delivery.objects.filter(endpoint=leaving).values_list("event_type", flat=True)) == []
    )


def test_a_delivery_queued_before_its_owner_left_is_not_sent(receiver):
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    hook = services.endpoint_create(user=ben, url=receiver.url, events=["term.proposed"])
    propose(party_of(alliance, ana), "We meet weekly.")
    alliance_services.party_leave(party=party_of(alliance, ben))
    report = deliver_due()
    assert report.cancelled == 1
    assert receiver.count() == 0
    assert Delivery.objects.get(endpoint=hook).state == "cancelled"


def test_an_erased_account_takes_its_endpoints_and_deliveries_with_it():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    endpoint(ben)
    propose(party_of(alliance, ana), "We meet weekly.")
    assert Delivery.objects.exists()
    account_erase(ben)
    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()
