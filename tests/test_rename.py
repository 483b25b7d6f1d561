"""Renaming an alliance, changing its purpose, and changing one's own role: any party may;
each change is one line of the history, the others are told, a stale edit never
overwrites, and bad input changes nothing."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances import services
from alliance.alliances.models import Alliance, Event, Party
from alliance.outbox.models import NotificationPreferences, OutboxMessage
from tests.conftest import login
from tests.factories import join, make_user
from tests.helpers import page_text

TITLE = "Coaching: Ana and Ben"


def edit_url(alliance: Alliance) -> str:
    return f"/alliances/{alliance.pk}/edit/"


def state(alliance: Alliance) -> tuple:
    """What a refused change must leave as it was."""
    alliance.refresh_from_db()
    return (
        alliance.title,
        alliance.purpose,
        alliance.revision,
        Event.objects.filter(alliance=alliance).count(),
        OutboxMessage.objects.count(),
    )


def test_a_party_renames_the_alliance_from_its_page(cast, as_coach):
    page = page_text(as_coach.get(f"/alliances/{cast.alliance.pk}/"))
    assert "Rename or change the purpose" in page
    response = as_coach.post(
        edit_url(cast.alliance),
        {"title": "Coaching: the second year", "purpose": "Grow as a leader.", "revision": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/alliances/{cast.alliance.pk}/"
    page = page_text(as_coach.get(f"/alliances/{cast.alliance.pk}/history/"))
    assert (
        "Ana renamed the alliance from “Coaching: Ana and Ben” to “Coaching: the second year”"
        in page
    )
    assert "Coaching: the second year" in page_text(login(cast.client).get("/"))
    events = Event.objects.filter(alliance=cast.alliance, kind="renamed")
    assert events.count() == 1
    assert events.get().data == {
        "old_title": TITLE,
        "new_title": "Coaching: the second year",
    }


def test_the_others_are_told_by_email_and_the_changer_is_not(cast):
    cleo = make_user("Cleo", "cleo@example.org")
    join(cast.alliance, cleo, role="supervisor")
    mail.outbox.clear()
    services.alliance_details_change(
        party=cast.coach_party, revision=1, title=TITLE, purpose="Lead with less worry."
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@example.org", "cleo@example.org"]
    body = mail.outbox[0].body
    assert "Its purpose now reads: “Lead with less worry.”" in body
    assert "Before, it read: “Grow as a leader.”" in body
    assert "Ana changed the purpose of “Coaching: Ana and Ben”" in mail.outbox[0].subject
    assert f"/alliances/{cast.alliance.pk}/" in body


def test_someone_who_turned_these_mails_off_gets_none(cast):
    NotificationPreferences.objects.create(user=cast.client, deliveries={"alliance_changed": "off"})
    mail.outbox.clear()
    services.alliance_details_change(
        party=cast.coach_party, revision=1, title="Renamed", purpose="Grow as a leader."
    )
    assert mail.outbox == []
    assert Alliance.objects.get(pk=cast.alliance.pk).title == "Renamed"


def test_purpose_changes_read_well_in_the_history(cast, as_client):
    ben = cast.client_party
    services.alliance_details_change(party=ben, revision=1, title=TITLE, purpose="")
    services.alliance_details_change(party=ben, revision=2, title=TITLE, purpose="Trust.")
    services.alliance_details_change(party=ben, revision=3, title=TITLE, purpose="More trust.")
    services.alliance_details_change(party=ben, revision=4, title="Ben and Ana", purpose="")
    page = page_text(as_client.get(f"/alliances/{cast.alliance.pk}/history/"))
    assert "Ben removed the purpose “Grow as a leader.”" in page
    assert "Ben gave the alliance a purpose: “Trust.”" in page
    assert "Ben changed the purpose from “Trust.” to “More trust.”" in page
    assert (
        "Ben renamed the alliance from “Coaching: Ana and Ben” to “Ben and Ana” and removed "
        "its purpose" in page
    )


def test_saving_the_same_words_changes_nothing(cast):
    before = state(cast.alliance)
    services.alliance_details_change(
        party=cast.coach_party, revision=1, title=f"  {TITLE} ", purpose="Grow as a leader."
    )
    assert state(cast.alliance) == before


def test_a_stale_edit_shows_both_texts_and_keeps_the_losers(cast, as_coach):
    # Ana opens the form at revision 1; Ben saves first.
    form = as_coach.get(edit_url(cast.alliance)).content.decode()
    assert re.search(r'name="revision" value="1"', form)
    services.alliance_details_change(
        party=cast.client_party, revision=1, title="Ben’s title", purpose="Ben’s purpose."
    )
    before = state(cast.alliance)
    response = as_coach.post(
        edit_url(cast.alliance),
        {"title": "Ana’s title", "purpose": "Ana’s purpose.", "revision": 1},
    )
    assert response.status_code == 409
    assert state(cast.alliance) == before
    html = response.content.decode()
    page = page_text(response)
    assert "Someone changed the title or purpose while you were editing" in page
    assert "Ben’s title" in page
    assert "Ben’s purpose." in page
    assert 'value="Ana’s title"' in html
    assert "Ana’s purpose.</textarea>" in html
    assert 'name="revision" value="2"' in html
    # Saving hers again, knowingly, wins.
    response = as_coach.post(
        edit_url(cast.alliance),
        {"title": "Ana’s title", "purpose": "Ana’s purpose.", "revision": 2},
    )
    assert response.status_code == 302
    assert Alliance.objects.get(pk=cast.alliance.pk).title == "Ana’s title"


def test_a_stale_edit_is_refused_by_the_service_too(cast):
    services.alliance_details_change(party=cast.client_party, revision=1, title="A", purpose="")
    with pytest.raises(services.DetailsConflict) as conflict:
        services.alliance_details_change(party=cast.coach_party, revision=1, title="B", purpose="")
    assert conflict.value.current.title == "A"
    assert Alliance.objects.get(pk=cast.alliance.pk).title == "A"


@pytest.mark.parametrize(
    ("title", "purpose", "message", "kept"),
    [
        ("   ", "Grow.", "This field is required.", "Grow."),
        ("x" * 121, "Grow.", "at most 120 characters", "x" * 121),
        ("Our\x00team", "Grow.", "Null characters are not allowed.", "Grow."),
        ("Fine title", "y" * 301, "at most 300 characters", "y" * 301),
    ],
)
def test_bad_input_changes_nothing_and_keeps_what_was_typed(
    cast, as_coach, title, purpose, message, kept
):
    before = state(cast.alliance)
    response = as_coach.post(
        edit_url(cast.alliance), {"title": title, "purpose": purpose, "revision": 1}
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert kept in response.content.decode()
    assert state(cast.alliance) == before


@pytest.mark.parametrize(
    ("title", "purpose", "field"),
    [
        (" \n ", "", "title"),
        ("x" * 121, "", "title"),
        ("Our\x00team", "", "title"),
        ("Fine", "y" * 301, "purpose"),
        ("Fine", "Grow\x00", "purpose"),
    ],
)
def test_the_service_refuses_bad_input_for_every_caller(cast, title, purpose, field):
    before = state(cast.alliance)
    with pytest.raises(ValidationError) as refused:
        services.alliance_details_change(
            party=cast.coach_party, revision=1, title=title, purpose=purpose
        )
    assert field in refused.value.message_dict
    assert state(cast.alliance) == before


def test_an_outsider_can_neither_see_nor_rename(cast, as_outsider):
    before = state(cast.alliance)
    assert as_outsider.get(edit_url(cast.alliance)).status_code == 404
    response = as_outsider.post(edit_url(cast.alliance), {"title": "Mine", "revision": 1})
    assert response.status_code == 404
    assert state(cast.alliance) == before


# Roles


def test_a_party_changes_their_own_role(cast, as_client):
    response = as_client.post(f"/alliances/{cast.alliance.pk}/role/", {"role_label": " mentee "})
    assert response.status_code == 302
    assert Party.objects.get(user=cast.client).role_label == "mentee"
    assert Party.objects.get(user=cast.coach).role_label == "coach"
    page = page_text(as_client.get(f"/alliances/{cast.alliance.pk}/"))
    assert "Ben · mentee (you)" in page
    assert "Ben changed their role from “client” to “mentee”" in page


def test_a_bad_role_changes_nothing_and_keeps_the_text(cast, as_client):
    events = Event.objects.count()
    for bad, message in [("", "This field is required."), ("r" * 41, "at most 40 characters")]:
        response = as_client.post(f"/alliances/{cast.alliance.pk}/role/", {"role_label": bad})
        assert response.status_code == 400
        assert message in page_text(response)
        assert f'value="{bad}"' in response.content.decode() or not bad
    with pytest.raises(ValidationError):
        services.party_role_change(party=cast.client_party, role_label="men\x00tee")
    assert Party.objects.get(user=cast.client).role_label == "client"
    assert Event.objects.count() == events


def test_a_purpose_of_several_lines_saved_unchanged_changes_nothing(cast):
    services.alliance_details_change(
        party=cast.coach_party, revision=1, title=TITLE, purpose="Grow.\nLead well."
    )
    before = state(cast.alliance)
    services.alliance_details_change(
        party=cast.coach_party, revision=2, title=TITLE, purpose="Grow.\nLead well.\n"
    )
    assert state(cast.alliance) == before
