"""The rhythm form offers the rhythm the ratified terms agreed, for the person to confirm."""

from datetime import date, datetime, time

from alliance.tending import services
from alliance.tending.models import Rhythm
from alliance.tending.rhythms import rule_build
from tests.conftest import login
from tests.factories import propose, ratify_with


def test_the_form_suggests_the_rhythm_of_the_terms_and_saves_nothing_by_itself(ratified):
    # The cast's version 1 says "We meet every other Tuesday." (a Thursday today).
    page = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/")
    html = page.content.decode()
    assert "Suggested from your term “We meet every other Tuesday.”" in html
    assert "every 2 weeks on Tuesday" in html
    assert 'value="2025-03-25"' in html  # the next Tuesday
    assert 'name="interval" value="2"' in html
    assert not Rhythm.objects.filter(alliance=ratified.alliance).exists()


def test_the_version_page_offers_the_suggestion_and_confirming_sets_it(ratified):
    version_page = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/versions/1/")
    assert "Suggested from your term" in version_page.content.decode()
    saved = login(ratified.client).post(
        f"/alliances/{ratified.alliance.pk}/rhythm/",
        {"starts_on": "2025-03-25", "at_time": "10:00", "repeat": "weeks", "interval": "2"},
    )
    assert saved.status_code == 302
    rhythm = Rhythm.objects.get(alliance=ratified.alliance)
    assert rhythm.next_at.date() == date(2025, 3, 25)
    assert rhythm.rule == "FREQ=WEEKLY;INTERVAL=2"


def test_a_time_and_a_monthly_rhythm_are_read_from_the_words(cast, clock):
    propose(cast.coach_party, "The first Monday of every month at 3 pm.")
    ratify_with([cast.coach_party, cast.client_party])
    html = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/rhythm/").content.decode()
    assert 'value="15:00"' in html
    assert 'value="2025-04-07"' in html  # the first Monday of April
    assert '<option value="MO" selected>' in html


def test_words_without_a_rhythm_suggest_nothing(cast, clock):
    propose(cast.coach_party, "We talk when needed.")
    ratify_with([cast.coach_party, cast.client_party])
    html = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/rhythm/").content.decode()
    assert "Suggested from your term" not in html
    assert 'name="interval" value="6"' in html  # the form's own default


def test_a_term_of_another_category_suggests_nothing(cast, clock):
    propose(cast.coach_party, "I reply every Tuesday.", category="communication")
    ratify_with([cast.coach_party, cast.client_party])
    html = login(cast.coach).get(f"/alliances/{cast.alliance.pk}/rhythm/").content.decode()
    assert "Suggested from your term" not in html


def test_a_rhythm_already_set_is_offered_as_it_stands(ratified):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 4, 3),
        at_time=time(11),
        rule=rule_build(repeat="weeks", interval=4),
    )
    html = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/").content.decode()
    assert "Suggested from your term" not in html
    assert 'name="interval" value="4"' in html
    assert Rhythm.objects.get().next_at == datetime.fromisoformat("2025-04-03T11:00+00:00")


def test_a_rhythm_unlike_the_terms_is_kept_and_the_terms_offered_on_request(ratified):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 4, 3),
        at_time=time(11),
        rule=rule_build(repeat="weeks", interval=4),
    )
    url = f"/alliances/{ratified.alliance.pk}/rhythm/"
    html = login(ratified.coach).get(url).content.decode()
    assert "Your term “We meet every other Tuesday.” reads as every 2 weeks on Tuesday." in html
    assert 'href="?from=terms"' in html
    offered = login(ratified.coach).get(url + "?from=terms").content.decode()
    assert "Suggested from your term" in offered
    assert 'name="interval" value="2"' in offered
    assert 'value="2025-03-25"' in offered


def test_a_rhythm_like_the_terms_offers_nothing_more(ratified):
    services.rhythm_set(
        party=ratified.coach_party,
        starts_on=date(2025, 3, 25),
        at_time=time(11),
        rule=rule_build(repeat="weeks", interval=2),
    )
    html = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/rhythm/").content.decode()
    assert "reads as" not in html
    assert "Suggested from your term" not in html
