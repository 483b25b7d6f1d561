"""Leads of a team alliance. While it has none, any party may make any party a lead;
once it has one, only leads add or remove leads and change the settings of the whole
team (the check-in rhythm, signals without a name); when the last lead steps down, or
leaves, anyone may again."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances import services
from alliance.alliances.models import Alliance, Event, Kind, Party
from alliance.lib.clock import now
from alliance.tending import services as tending_services
from alliance.tending.models import Rhythm, SignalPolicy
from tests.conftest import login
from tests.factories import join, make_alliance, make_user, party_of
from tests.helpers import page_text


@dataclass
class Team:
    alliance: Alliance
    ana: User
    ben: User
    cleo: User

    def party(self, user: User) -> Party:
        return party_of(self.alliance, user)

    def lead_post(self, actor: User, target: User, lead: str = "yes") -> Client:
        browser = login(actor)
        response = browser.post(
            f"/alliances/{self.alliance.pk}/leads/",
            {"party": self.party(target).pk, "lead": lead},
        )
        assert response.status_code == 302
        assert response["Location"] == f"/alliances/{self.alliance.pk}/#parties"
        return browser

    def leads(self) -> list[str]:
        return sorted(p.user.name for p in self.alliance.parties.filter(is_lead=True))


@pytest.fixture
def team(db) -> Team:
    ana = make_user("Ana", "ana@example.org")
    ben = make_user("Ben", "ben@example.org")
    cleo = make_user("Cleo", "cleo@example.org")
    alliance = make_alliance(ana, title="Team Blue", kind=Kind.TEAM, role="team member")
    join(alliance, ben, role="team member")
    join(alliance, cleo, role="team member")
    return Team(alliance=alliance, ana=ana, ben=ben, cleo=cleo)


def test_without_a_lead_anyone_makes_anyone_a_lead(team):
    page = page_text(login(team.ben).get(f"/alliances/{team.alliance.pk}/"))
    assert "While nobody is a lead, anyone may change these and make anyone a lead" in page
    browser = team.lead_post(team.ben, team.cleo)
    assert team.leads() == ["Cleo"]
    page = page_text(browser.get(f"/alliances/{team.alliance.pk}/"))
    assert "Cleo is a lead now." in page
    assert "Cleo · team member lead" in page
    assert "Ben made Cleo a lead" in page


def test_someone_may_make_themselves_the_first_lead(team):
    browser = team.lead_post(team.ana, team.ana)
    assert team.leads() == ["Ana"]
    assert "Ana became a lead" in page_text(browser.get(f"/alliances/{team.alliance.pk}/"))


def test_with_a_lead_only_leads_add_or_remove_leads(team):
    services.lead_set(party=team.party(team.ana), target_id=team.party(team.cleo).pk, is_lead=True)
    events = Event.objects.count()
    browser = team.lead_post(team.ben, team.ben)
    page = page_text(browser.get(f"/alliances/{team.alliance.pk}/"))
    assert "Only the lead, Cleo, may change this." in page
    assert "become a lead" not in page  # no buttons for Ben any more
    team.lead_post(team.ben, team.cleo, lead="no")
    assert team.leads() == ["Cleo"]
    assert Event.objects.count() == events
    # Cleo, a lead, adds Ana; then either may remove the other.
    team.lead_post(team.cleo, team.ana)
    assert team.leads() == ["Ana", "Cleo"]
    browser = team.lead_post(team.ana, team.cleo, lead="no")
    assert team.leads() == ["Ana"]
    assert "Ana removed Cleo as a lead" in page_text(
        browser.get(f"/alliances/{team.alliance.pk}/history/")
    )


def test_when_the_last_lead_steps_down_anyone_may_again(team):
    services.lead_set(party=team.party(team.cleo), target_id=team.party(team.cleo).pk, is_lead=True)
    with pytest.raises(ValidationError):
        services.lead_set(
            party=team.party(team.ben), target_id=team.party(team.ben).pk, is_lead=True
        )
    browser = team.lead_post(team.cleo, team.cleo, lead="no")
    assert team.leads() == []
    assert "Cleo stepped down as a lead" in page_text(
        browser.get(f"/alliances/{team.alliance.pk}/history/")
    )
    team.lead_post(team.ben, team.ben)
    assert team.leads() == ["Ben"]


def test_a_lead_who_leaves_no_longer_counts(team):
    services.lead_set(party=team.party(team.cleo), target_id=team.party(team.cleo).pk, is_lead=True)
    services.party_leave(party=team.party(team.cleo))
    # Ben may change the team's settings and make leads again.
    tending_services.signal_policy_set(party=team.party(team.ben), allow_anonymous=True)
    assert SignalPolicy.objects.get(alliance=team.alliance).allow_anonymous
    team.lead_post(team.ben, team.ana)
    assert team.leads() == ["Ana"]
    # Back in the team, Cleo is a member like any other.
    _, raw = services.invitation_create(party=team.party(team.ana))
    services.invitation_accept(raw_token=raw, user=team.cleo, role_label="team member")
    assert team.leads() == ["Ana"]


def test_a_party_of_another_alliance_cannot_be_made_a_lead(team):
    olga = make_user("Olga")
    elsewhere = make_alliance(olga, title="Elsewhere", kind=Kind.TEAM)
    with pytest.raises(ValidationError, match="not a party of this alliance"):
        services.lead_set(
            party=team.party(team.ana), target_id=party_of(elsewhere, olga).pk, is_lead=True
        )
    assert team.leads() == []


def test_an_observer_cannot_be_made_a_lead(team):
    Party.everyone.filter(alliance=team.alliance, user=team.cleo).update(is_observer=True)
    cleo = Party.everyone.get(alliance=team.alliance, user=team.cleo)
    with pytest.raises(ValidationError, match="not a party of this alliance"):
        services.lead_set(party=team.party(team.ana), target_id=cleo.pk, is_lead=True)
    assert not Party.everyone.get(pk=cleo.pk).is_lead


def test_only_a_team_alliance_has_leads(cast, as_coach):
    events = Event.objects.count()
    response = as_coach.post(
        f"/alliances/{cast.alliance.pk}/leads/",
        {"party": cast.coach_party.pk, "lead": "yes"},
        follow=True,
    )
    assert "Only a team alliance has leads" in page_text(response)
    assert not Party.objects.filter(alliance=cast.alliance, is_lead=True).exists()
    assert Event.objects.count() == events
    assert "make a lead" not in page_text(as_coach.get(f"/alliances/{cast.alliance.pk}/"))


def test_a_malformed_lead_request_changes_nothing(team):
    browser = login(team.ana)
    for form in (
        {},
        {"party": "x", "lead": "yes"},
        {"party": team.party(team.ben).pk, "lead": "?"},
    ):
        response = browser.post(f"/alliances/{team.alliance.pk}/leads/", form, follow=True)
        assert response.status_code == 200
    assert team.leads() == []


# Settings of the whole team


@pytest.fixture
def led_by_cleo(team) -> Team:
    services.lead_set(party=team.party(team.ben), target_id=team.party(team.cleo).pk, is_lead=True)
    return team


def test_a_non_lead_sees_the_signal_setting_read_only_and_cannot_change_it(led_by_cleo):
    team = led_by_cleo
    ben = login(team.ben)
    page = page_text(ben.get(f"/alliances/{team.alliance.pk}/signals/"))
    assert "Every signal carries the name of whoever raised it." in page
    assert "Only the lead, Cleo, may change this." in page
    assert (
        'name="allow_anonymous"'
        not in ben.get(f"/alliances/{team.alliance.pk}/signals/").content.decode()
    )
    events = Event.objects.count()
    response = ben.post(
        f"/alliances/{team.alliance.pk}/signals/policy/", {"allow_anonymous": "on"}, follow=True
    )
    assert "Only the lead, Cleo, may change this." in page_text(response)
    assert "Signal setting saved." not in page_text(response)
    assert not SignalPolicy.objects.filter(alliance=team.alliance).exists()
    assert Event.objects.count() == events
    # The lead may.
    cleo = login(team.cleo)
    assert (
        'name="allow_anonymous"'
        in cleo.get(f"/alliances/{team.alliance.pk}/signals/").content.decode()
    )
    cleo.post(f"/alliances/{team.alliance.pk}/signals/policy/", {"allow_anonymous": "on"})
    assert SignalPolicy.objects.get(alliance=team.alliance).allow_anonymous


def test_a_non_lead_sees_the_rhythm_read_only_and_cannot_change_it(led_by_cleo):
    team = led_by_cleo
    ben = login(team.ben)
    url = f"/alliances/{team.alliance.pk}/rhythm/"
    page = ben.get(url)
    assert "The rhythm applies to the whole team, and this alliance has leads." in page_text(page)
    assert "Only the lead, Cleo, may change this." in page_text(page)
    assert 'name="starts_on"' not in page.content.decode()
    events = Event.objects.count()
    form = {
        "starts_on": (now() + timedelta(days=9)).date().isoformat(),
        "at_time": "09:00",
        "repeat": "weeks",
        "interval": "4",
    }
    response = ben.post(url, form)
    assert response.status_code == 400
    assert "Only the lead, Cleo, may change this." in page_text(response)
    assert not Rhythm.objects.filter(alliance=team.alliance).exists()
    assert Event.objects.count() == events
    assert login(team.cleo).post(url, form).status_code == 302
    assert Rhythm.objects.filter(alliance=team.alliance).exists()


def test_the_services_refuse_a_non_lead_for_every_caller(led_by_cleo):
    team = led_by_cleo
    ben = team.party(team.ben)
    with pytest.raises(ValidationError, match=r"Only the lead, Cleo, may change this\."):
        tending_services.signal_policy_set(party=ben, allow_anonymous=True)
    with pytest.raises(ValidationError, match=r"Only the lead, Cleo, may change this\."):
        tending_services.rhythm_set(
            party=ben,
            starts_on=(now() + timedelta(days=3)).date(),
            at_time=time(9),
            rule="FREQ=WEEKLY;INTERVAL=4",
        )
    assert not SignalPolicy.objects.filter(alliance=team.alliance).exists()
    assert not Rhythm.objects.filter(alliance=team.alliance).exists()


def test_with_two_leads_the_refusal_names_both(led_by_cleo):
    team = led_by_cleo
    services.lead_set(party=team.party(team.cleo), target_id=team.party(team.ana).pk, is_lead=True)
    with pytest.raises(ValidationError, match=r"Only the leads, Ana and Cleo, may change this\."):
        tending_services.signal_policy_set(party=team.party(team.ben), allow_anonymous=False)


def test_an_observer_changes_no_team_setting_and_makes_no_lead(team):
    Party.everyone.filter(alliance=team.alliance, user=team.cleo).update(is_observer=True)
    cleo = Party.everyone.select_related("alliance").get(alliance=team.alliance, user=team.cleo)
    with pytest.raises(ValidationError, match="An observer does not change"):
        services.lead_set(party=cleo, target_id=team.party(team.ana).pk, is_lead=True)
    with pytest.raises(ValidationError, match="An observer does not change"):
        tending_services.signal_policy_set(party=cleo, allow_anonymous=True)
    with pytest.raises(ValidationError, match="An observer does not rename"):
        services.alliance_details_change(party=cleo, revision=1, title="Mine", purpose="")
    assert team.leads() == []
    assert not SignalPolicy.objects.filter(alliance=team.alliance).exists()
    assert Alliance.objects.get(pk=team.alliance.pk).title == "Team Blue"
