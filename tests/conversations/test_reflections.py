"""Reflect privately, then reveal: drafts are the author's alone until everyone shared."""

import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances.models import Event
from alliance.conversations import services
from alliance.conversations.models import Reflection, ReflectionState
from alliance.conversations.selectors import conversation_for
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_user
from tests.helpers import page_text

SECRET = "Honestly I fear the sessions drift into small talk about weekends"


@pytest.fixture
def stake(cast):
    stake = plant(cast.coach_party)
    services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    return stake


def url(stake, prompt=None) -> str:
    base = f"/alliances/{stake.alliance_id}/conversations/{stake.pk}/"
    return base + (f"?prompt={prompt.pk}" if prompt else "")


def test_a_draft_is_visible_to_its_author_alone_on_every_surface(cast, stake, caplog):
    caplog.set_level(logging.DEBUG)
    prompt = first_prompt(stake)
    ana = login(cast.coach)
    ana.post(url(stake) + f"prompts/{prompt.pk}/reflection/", {"text": SECRET, "action": "save"})
    assert SECRET in ana.get(url(stake, prompt)).content.decode()
    reflection = Reflection.objects.get()
    # Ben, the other party, sees nothing of it anywhere.
    ben = login(cast.client)
    pages = [
        url(stake, prompt),
        url(stake) + f"board/?prompt={prompt.pk}",
        f"/alliances/{stake.alliance_id}/",
        f"/alliances/{stake.alliance_id}/history/",
        f"/alliances/{stake.alliance_id}/conversations/",
        url(stake) + "invitation.ics",
        "/",
    ]
    for page in pages:
        body = ben.get(page).content.decode()
        assert "small talk" not in body, page
    assert (
        ben.get(f"/alliances/{stake.alliance_id}/reflections/{reflection.pk}/term/").status_code
        == 404
    )
    # Nor does an outsider, nor any email, nor the logs, nor the admin lists.
    assert login(cast.outsider).get(url(stake, prompt)).status_code == 404
    assert all("small talk" not in m.body for m in mail.outbox)
    assert all("small talk" not in str(e.data) for e in Event.objects.all())
    assert "small talk" not in caplog.text
    admin = User.objects.create_superuser("root@example.org", "a-long-test-password-9")
    staff = Client()
    staff.force_login(admin)
    assert "small talk" not in staff.get("/admin/").content.decode()


def test_sharing_reveals_only_when_everyone_has_shared(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, SECRET)
    ben = login(cast.client)
    page = page_text(ben.get(url(stake, prompt)))
    assert "small talk" not in page
    assert "Ana: shared" in page
    assert "Ben: not yet" in page
    share(cast.client_party, stake, prompt, "I hope we stay honest and focused on my goals.")
    page = ben.get(url(stake, prompt)).content.decode()
    assert "small talk about weekends" in page
    assert 'data-revealed="yes"' in page
    assert Event.objects.filter(kind="prompt_revealed").count() == 1


def test_a_skip_counts_for_the_reveal(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, SECRET)
    services.reflection_skip(party=cast.client_party, stake_id=stake.pk, prompt_id=prompt.pk)
    page = page_text(login(cast.client).get(url(stake, prompt)))
    assert "small talk" in page
    assert "Skipped this prompt." in page


def test_a_draft_of_a_third_party_does_not_count_and_stays_hidden(cast, stake):
    carla = join(cast.alliance, make_user("Carla"), role="observer")
    prompt = first_prompt(stake)
    services.reflection_save(
        party=carla,
        stake_id=stake.pk,
        prompt_id=prompt.pk,
        text="Carla's secret draft",
        revision=None,
    )
    share(cast.coach_party, stake, prompt, SECRET)
    share(cast.client_party, stake, prompt, "Mine.")
    view = conversation_for(cast.client_party, stake)
    board = view.board(prompt.pk)
    assert not board.revealed
    assert all(a.text == "" for a in board.answers if a.party.pk != cast.client_party.pk)


def test_revising_a_shared_reflection_keeps_its_history(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "First words.")
    reflection = Reflection.objects.get()
    services.reflection_save(
        party=cast.coach_party,
        stake_id=stake.pk,
        prompt_id=prompt.pk,
        text="Better words.",
        revision=reflection.revision,
    )
    reflection.refresh_from_db()
    assert reflection.state == ReflectionState.SHARED
    assert reflection.text == "Better words."
    assert [r.text for r in reflection.revisions.all()] == ["First words."]


def test_a_concurrent_save_loses_nothing(cast, stake):
    prompt = first_prompt(stake)
    ana = login(cast.coach)
    target = url(stake) + f"prompts/{prompt.pk}/reflection/"
    ana.post(target, {"text": "From the laptop.", "action": "save", "revision": ""})
    # The phone still shows the form at revision 1; the laptop saved revision 2.
    response = ana.post(target, {"text": "From the phone.", "action": "save", "revision": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "From the phone." in html
    assert "From the laptop." in html
    assert Reflection.objects.get().text == "From the laptop."


def test_an_empty_share_is_refused_and_the_draft_kept(cast, stake):
    prompt = first_prompt(stake)
    ana = login(cast.coach)
    target = url(stake) + f"prompts/{prompt.pk}/reflection/"
    ana.post(target, {"text": "Half a thought", "action": "save"})
    response = ana.post(target, {"text": "   ", "action": "share", "revision": 2})
    assert response.status_code == 400
    assert "Write something before you share" in page_text(response)
    assert Reflection.objects.get().text == "Half a thought"
    with pytest.raises(ValidationError):
        services.reflection_share(
            party=cast.coach_party, stake_id=stake.pk, prompt_id=prompt.pk, text="", revision=None
        )


def test_common_ground_highlights_shared_words_and_names_lone_themes(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want honest feedback and calm weekends.")
    share(cast.client_party, stake, prompt, "Honesty about my budget, and feedback I can use.")
    html = login(cast.client).get(url(stake, prompt)).content.decode()
    assert "<mark>honest</mark>" in html
    assert "<mark>Honesty</mark>" in html
    assert "<mark>feedback</mark>" in html
    # Different words for one thing: each person's, quoted where they said it.
    assert (
        "Ana: “I want <mark>honest</mark> feedback and calm weekends”</span> · "
        '<span class="quote">Ben: “<mark>Honesty</mark> about my budget, and…”'
    ) in html
    text = page_text(login(cast.client).get(url(stake, prompt)))
    assert "Both mention “feedback”: Ana: “I want honest feedback and calm weekends”" in text
    assert "Only Ana mentioned: calm, weekend" in text
    assert "Only Ben mentioned: budget" in text


def test_a_revealed_reflection_becomes_a_term_linked_to_it(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want honest feedback in every session.")
    share(cast.client_party, stake, prompt, "I want honest feedback too.")
    theirs = Reflection.objects.get(party=cast.coach_party)
    ben = login(cast.client)
    form = ben.get(f"/alliances/{stake.alliance_id}/reflections/{theirs.pk}/term/")
    assert "I want honest feedback in every session." in form.content.decode()
    response = ben.post(
        f"/alliances/{stake.alliance_id}/reflections/{theirs.pk}/term/",
        {"category": prompt.category, "text": "We give each other honest feedback every session."},
    )
    assert response.status_code == 302
    term = cast.alliance.terms.get()
    assert [origin.reflection for origin in term.origins.all()] == [theirs]
    assert term.category == prompt.category
    assert "1 term needs your consent" in page_text(login(cast.coach).get("/"))
    # Back and Propose again: still one term, still linked to the reflection.
    again = ben.post(
        f"/alliances/{stake.alliance_id}/reflections/{theirs.pk}/term/",
        {"category": prompt.category, "text": "We give each other honest feedback every session."},
        follow=True,
    )
    assert "You proposed this term already" in page_text(again)
    assert cast.alliance.terms.get() == term
    assert term.origins.count() == 1


def test_the_same_term_drafted_from_a_second_reflection_links_it_too(cast, stake):
    """Ben proposes a term from Ana's reflection, then the same words from his own: still
    one term, and both reflections say a term was proposed from them."""
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want honest feedback in every session.")
    share(cast.client_party, stake, prompt, "I want honest feedback too.")
    ana_said = Reflection.objects.get(party=cast.coach_party)
    ben_said = Reflection.objects.get(party=cast.client_party)
    ben = login(cast.client)
    form = {"category": prompt.category, "text": "We give each other honest feedback."}
    ben.post(f"/alliances/{stake.alliance_id}/reflections/{ana_said.pk}/term/", form)
    again = ben.post(
        f"/alliances/{stake.alliance_id}/reflections/{ben_said.pk}/term/", form, follow=True
    )
    term = cast.alliance.terms.get()
    assert again.redirect_chain[-1][0] == f"/alliances/{stake.alliance_id}/#term-{term.pk}"
    assert "You proposed this term already" in page_text(again)
    assert {origin.reflection for origin in term.origins.all()} == {ana_said, ben_said}
    reveal = page_text(login(cast.coach).get(url(stake, prompt)))
    assert reveal.count("1 term proposed from it") == 2


def test_the_feedback_coach_answers_on_submit_without_javascript(cast, stake):
    prompt = first_prompt(stake)
    ana = login(cast.coach)
    ana.post(
        url(stake) + f"prompts/{prompt.pk}/reflection/",
        {"text": "You never listen to what we agreed.", "action": "save"},
    )
    html = ana.get(url(stake, prompt)).content.decode()
    assert "feedback-flag-blame" in html
    assert "feedback-flag-no_first_person" in html
    # The flags never reach the other party.
    assert "feedback-flag" not in login(cast.client).get(url(stake, prompt)).content.decode()


def test_a_first_draft_saved_on_two_devices_is_a_conflict_not_an_overwrite(cast, stake):
    prompt = first_prompt(stake)
    ana = login(cast.coach)
    page = ana.get(url(stake, prompt)).content.decode()
    assert 'name="revision" value="1"' in page
    target = url(stake) + f"prompts/{prompt.pk}/reflection/"
    ana.post(target, {"text": "Phone words.", "action": "save", "revision": 1})
    response = ana.post(target, {"text": "Laptop words.", "action": "save", "revision": 1})
    assert response.status_code == 409
    assert Reflection.objects.get().text == "Phone words."


def test_revising_records_a_revision_not_a_second_share_or_reveal(cast, stake):
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "First.")
    share(cast.client_party, stake, prompt, "Mine.")
    share(cast.coach_party, stake, prompt, "First, better put.")
    kinds = list(Event.objects.filter(kind__startswith="reflection").values_list("kind", flat=True))
    assert sorted(kinds) == ["reflection_revised", "reflection_shared", "reflection_shared"]
    assert Event.objects.filter(kind="prompt_revealed").count() == 1


def test_an_own_skipped_draft_is_not_common_ground(cast, stake):
    prompt = first_prompt(stake)
    services.reflection_save(
        party=cast.client_party,
        stake_id=stake.pk,
        prompt_id=prompt.pk,
        text="Weekends matter to me.",
        revision=None,
    )
    services.reflection_skip(party=cast.client_party, stake_id=stake.pk, prompt_id=prompt.pk)
    share(cast.coach_party, stake, prompt, "I protect my weekends.")
    view = conversation_for(cast.client_party, stake)
    assert view.board(prompt.pk).ground.shared == []
