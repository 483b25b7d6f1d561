"""A party who leaves sees nothing more of the alliance and gets none of its mail;
their past stays in its history. They can be invited back."""

from django.core import mail

from alliance.alliances import services
from alliance.alliances.models import Party
from alliance.terms.selectors import draft_for
from tests.conftest import login
from tests.factories import make_user, propose, ratify_with
from tests.helpers import page_text


def test_leaving_removes_the_alliance_from_the_persons_view(cast):
    propose(cast.client_party, "I bring one topic to each session.")
    ratify_with([cast.coach_party, cast.client_party])
    ben = login(cast.client)
    assert "Leave “Coaching: Ana and Ben”?" in page_text(
        ben.get(f"/alliances/{cast.alliance.pk}/leave/")
    )
    response = ben.post(f"/alliances/{cast.alliance.pk}/leave/")
    assert response["Location"] == "/"
    assert ben.get(f"/alliances/{cast.alliance.pk}/").status_code == 404
    ben.get("/")  # the farewell message
    # Gone from his alliances; only the version he signed is still his to open.
    dashboard = ben.get("/").content.decode()
    assert f'href="/alliances/{cast.alliance.pk}/"' not in dashboard
    assert f'href="/alliances/{cast.alliance.pk}/versions/1/"' in dashboard
    # Ana's view: Ben is gone from the parties, still in the history and the version.
    ana = login(cast.coach)
    page = page_text(ana.get(f"/alliances/{cast.alliance.pk}/"))
    assert "Ben left the alliance" in page
    assert "Ben (client)" in page_text(ana.get(f"/alliances/{cast.alliance.pk}/versions/1/"))
    assert [p.user.name for p in draft_for(cast.alliance).parties] == ["Ana"]


def test_someone_who_left_gets_no_more_mail_of_the_alliance(cast):
    ben_party = cast.client_party
    services.party_leave(party=ben_party)
    mail.outbox.clear()
    propose(cast.coach_party, "We meet weekly.")
    _, raw = services.invitation_create(party=cast.coach_party)
    carla = make_user("Carla")
    services.invitation_accept(raw_token=raw, user=carla, role_label="supervisor")
    assert all("ben@example.org" not in m.to for m in mail.outbox)


def test_someone_who_left_can_be_invited_back(cast):
    services.party_leave(party=cast.client_party)
    _, raw = services.invitation_create(party=cast.coach_party)
    party = services.invitation_accept(raw_token=raw, user=cast.client, role_label="mentee")
    assert party.pk == Party.everyone.get(alliance=cast.alliance, user=cast.client).pk
    assert party.role_label == "mentee"
    assert login(cast.client).get(f"/alliances/{cast.alliance.pk}/").status_code == 200


def test_a_returning_party_agrees_afresh(cast):
    carla = make_user("Carla")
    from tests.factories import join

    carla_party = join(cast.alliance, carla, role="supervisor")
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party, carla_party])
    services.party_leave(party=carla_party)
    cast.alliance.refresh_from_db()
    ratify_with([cast.coach_party, cast.client_party])  # version 2, without Carla
    _, raw = services.invitation_create(party=cast.coach_party)
    services.invitation_accept(raw_token=raw, user=carla, role_label="supervisor")
    cast.alliance.refresh_from_db()
    draft = draft_for(cast.alliance)
    # Her agreement from before she left does not sign version 3 for her.
    assert draft.blockers == ["Carla has not agreed to 1 term yet."]


def test_leaving_settles_what_waited_only_on_the_one_who_left(cast):
    from alliance.alliances.models import Event
    from alliance.tending import services as tending
    from tests.conversations.factories import first_prompt, plant, share
    from tests.factories import join

    carla_party = join(cast.alliance, make_user("Carla"), role="observer")
    version = (
        propose(cast.coach_party, "We meet weekly."),
        ratify_with([cast.coach_party, cast.client_party, carla_party]),
    )[1]
    cast.alliance.refresh_from_db()
    checkin = tending.checkin_start(party=cast.coach_party)
    term_id = version.snapshot["terms"][0]["id"]
    for party in (cast.coach_party, cast.client_party):
        tending.checkin_answer(party=party, checkin_id=checkin.pk, ratings={term_id: ("well", "")})
    stake = plant(cast.coach_party)
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "Mine.")
    share(cast.client_party, stake, prompt, "Mine too.")

    services.party_leave(party=carla_party)

    checkin.refresh_from_db()
    assert checkin.completed_at is not None
    assert Event.objects.filter(kind="prompt_revealed").count() == 1


def test_a_proposer_who_left_gets_no_mail_and_the_others_can_schedule(cast):
    from alliance.conversations import services as conversations
    from tests.conversations.factories import plant
    from tests.factories import join

    carla = make_user("Carla", "carla@example.org")
    carla_party = join(cast.alliance, carla, role="facilitator")
    stake = plant(carla_party)
    services.party_leave(party=carla_party)
    mail.outbox.clear()
    first = stake.candidates.first().pk
    conversations.stake_answer(party=cast.client_party, stake_id=stake.pk, works=[first])
    conversations.stake_answer(party=cast.coach_party, stake_id=stake.pk, works=[first])
    stake.refresh_from_db()
    # With Carla gone, two parties remain and a time that suits both is scheduled.
    assert stake.state == "scheduled"
    assert all("carla@example.org" not in m.to for m in mail.outbox)
    assert all("carla@example.org" not in str(a) for m in mail.outbox for a in m.attachments)


def test_when_the_proposer_left_any_party_may_confirm_the_time(cast):
    from alliance.conversations import services as conversations
    from tests.conversations.factories import plant
    from tests.factories import join

    dana = join(cast.alliance, make_user("Dana"), role="observer")
    erin = join(cast.alliance, make_user("Erin"), role="facilitator")
    stake = plant(erin)
    services.party_leave(party=erin)
    first = stake.candidates.first().pk
    for party in (cast.coach_party, cast.client_party, dana):
        conversations.stake_answer(party=party, stake_id=stake.pk, works=[first])
    page = login(cast.client).get(f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/")
    assert "Schedule " in page_text(page)
    login(cast.client).post(
        f"/alliances/{cast.alliance.pk}/conversations/{stake.pk}/schedule/", {"candidate": first}
    )
    stake.refresh_from_db()
    assert stake.state == "scheduled"
