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
    assert "Coaching: Ana and Ben" not in page_text(ben.get("/"))
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
