"""The prompt library: built-in prompts worded for the relationship, and each alliance's own."""

from collections import Counter

from alliance.conversations import services
from alliance.conversations.library import PROMPTS, THEMES
from alliance.conversations.selectors import prompts_of
from tests.conftest import login
from tests.factories import make_alliance, make_user
from tests.helpers import page_text


def test_every_theme_has_at_least_three_prompts():
    per_theme = Counter(p.theme for p in PROMPTS)
    assert set(per_theme) == {key for key, _ in THEMES}
    assert min(per_theme.values()) >= 3


def test_prompts_are_worded_for_the_kind_of_relationship(db):
    lead = make_user("Lee")
    team = make_alliance(lead, title="Platform team", kind="team", role="lead")
    couple = make_alliance(lead, title="Us", kind="couple", role="partner")
    services.prompts_ensure(team)
    services.prompts_ensure(couple)
    team_texts = [p.text for p in prompts_of(team)]
    couple_texts = [p.text for p in prompts_of(couple)]
    assert "What about this team matters most to you?" in team_texts
    assert "What about “us” matters most to you?" in couple_texts
    assert len(team_texts) == len(PROMPTS)
    services.prompts_ensure(team)
    assert len(prompts_of(team)) == len(PROMPTS)


def test_parties_add_hide_and_reorder_prompts(cast):
    ana = login(cast.coach)
    base = f"/alliances/{cast.alliance.pk}/prompts/"
    ana.get(base)
    ana.post(
        base,
        {"theme": "rhythm", "text": "What does a good Monday look like?", "category": "rhythm"},
    )
    prompts = prompts_of(cast.alliance)
    rhythm = [p.text for p in prompts if p.theme == "rhythm"]
    assert rhythm[-1] == "What does a good Monday look like?"
    first = prompts[0]
    ana.post(f"{base}{first.pk}/", {"action": "hide"})
    assert first.pk not in [p.pk for p in prompts_of(cast.alliance)]
    second, third = prompts[1], prompts[2]
    ana.post(f"{base}{third.pk}/", {"action": "up"})
    order = [p.pk for p in prompts_of(cast.alliance)]
    assert order.index(third.pk) < order.index(second.pk)
    page = page_text(login(cast.client).get(base))
    assert "What does a good Monday look like? yours" in page


def test_a_blank_prompt_is_refused_with_a_message(cast):
    response = login(cast.coach).post(
        f"/alliances/{cast.alliance.pk}/prompts/",
        {"theme": "rhythm", "text": "   ", "category": "rhythm"},
    )
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert len(prompts_of(cast.alliance, include_hidden=True)) == len(PROMPTS)
