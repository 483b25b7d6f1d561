"""Agreeing on terms: proposals, per-term consent, edits, withdrawal and ratification."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alliance.alliances.models import AppendOnlyError, Event, EventKind
from alliance.record.verify import verify_versions
from alliance.terms import services
from alliance.terms.models import Category, Decision, TermStatus, Version
from alliance.terms.selectors import draft_for, terms_diff, word_diff
from tests.factories import agree_all, propose, ratify_with
from tests.helpers import past_the_record_triggers


def test_proposing_counts_as_the_proposers_agreement(cast):
    term = propose(cast.coach_party, "We meet every second Tuesday.")
    draft = draft_for(cast.alliance)
    item = draft.items[0]
    assert item.term == term
    assert item.agrees(cast.coach_party)
    assert not item.agrees(cast.client_party)
    assert draft.blockers == ["Ben has not agreed to 1 term yet."]


def test_blank_or_overlong_terms_are_refused_and_nothing_is_saved(cast):
    with pytest.raises(ValidationError) as blank:
        propose(cast.coach_party, "   ")
    assert "Write the term" in str(blank.value)
    with pytest.raises(ValidationError):
        propose(cast.coach_party, "x" * 2001)
    with pytest.raises(ValidationError):
        propose(cast.coach_party, "Fine text", category="nonsense")
    assert not cast.alliance.terms.exists()


def test_asking_for_a_change_needs_a_comment(cast):
    term = propose(cast.coach_party, "Replies within a day.")
    with pytest.raises(ValidationError) as error:
        services.consent_give(
            party=cast.client_party, term_id=term.pk, revision=1, decision=Decision.CHANGE
        )
    assert "Say what you would change" in str(error.value)
    consent = services.consent_give(
        party=cast.client_party,
        term_id=term.pk,
        revision=1,
        decision=Decision.CHANGE,
        comment="Two working days suits me better.",
    )
    assert consent.comment == "Two working days suits me better."
    assert Event.objects.filter(kind=EventKind.CHANGE_REQUESTED).count() == 1


def test_editing_a_term_clears_the_others_consent(cast):
    term = propose(cast.coach_party, "Replies within a day.")
    agree_all(cast.client_party)
    assert draft_for(cast.alliance).is_ready
    services.term_edit(
        party=cast.client_party,
        term_id=term.pk,
        revision=1,
        category=Category.COMMUNICATION,
        text="Replies within two working days.",
    )
    item = draft_for(cast.alliance).items[0]
    assert item.term.revision == 2
    assert item.agrees(cast.client_party)
    assert not item.agrees(cast.coach_party)


def test_a_stale_edit_raises_a_conflict_and_keeps_the_saved_text(cast):
    term = propose(cast.coach_party, "We meet weekly.")
    services.term_edit(
        party=cast.client_party, term_id=term.pk, revision=1, category="rhythm", text="Fortnightly."
    )
    with pytest.raises(services.EditConflict) as conflict:
        services.term_edit(
            party=cast.coach_party, term_id=term.pk, revision=1, category="rhythm", text="Daily."
        )
    assert conflict.value.current.text == "Fortnightly."
    term.refresh_from_db()
    assert term.text == "Fortnightly."


def test_consent_to_an_outdated_revision_is_refused(cast):
    term = propose(cast.coach_party, "We meet weekly.")
    services.term_edit(
        party=cast.coach_party, term_id=term.pk, revision=1, category="rhythm", text="Fortnightly."
    )
    with pytest.raises(ValidationError, match="changed since you read it"):
        services.consent_give(
            party=cast.client_party, term_id=term.pk, revision=1, decision="agree"
        )


def test_ratifying_needs_everyone_to_agree_to_everything(cast):
    propose(cast.coach_party, "We meet weekly.")
    with pytest.raises(ValidationError, match="Ben has not agreed"):
        services.version_ratify(party=cast.coach_party)
    assert not Version.objects.exists()


def test_ratifying_alone_is_impossible(db):
    from tests.factories import make_alliance, make_user, party_of

    solo = make_user("Solo")
    alliance = make_alliance(solo)
    propose(party_of(alliance, solo), "I talk to myself kindly.")
    with pytest.raises(ValidationError, match="at least two parties"):
        services.version_ratify(party=party_of(alliance, solo))


def test_ratification_makes_an_immutable_hash_chained_version_and_emails_everyone(cast):
    propose(cast.coach_party, "We meet weekly.")
    propose(cast.client_party, "I bring one topic to every session.", Category.EXPECTATIONS)
    mail.outbox.clear()
    v1 = ratify_with([cast.coach_party, cast.client_party])
    assert v1.number == 1
    assert v1.previous_hash == ""
    assert [t["text"] for t in v1.snapshot["terms"]] == [
        "We meet weekly.",
        "I bring one topic to every session.",
    ]
    assert {s["name"] for s in v1.readable["signatures"]} == {"Ana", "Ben"}
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    assert "Version 1" in mail.outbox[0].subject

    v1.snapshot["terms"][0]["text"] = "We never meet."
    with pytest.raises(AppendOnlyError):
        v1.save()
    with pytest.raises(AppendOnlyError):
        v1.delete()

    cast.alliance.refresh_from_db()
    term = cast.alliance.terms.get(text="We meet weekly.")
    services.term_edit(
        party=cast.client_party, term_id=term.pk, revision=1, category="rhythm", text="Fortnightly."
    )
    v2 = ratify_with([cast.client_party, cast.coach_party])
    assert v2.number == 2
    assert v2.previous_hash == v1.content_hash
    assert verify_versions(cast.alliance.pk).intact

    # Tampering with a stored version (bypassing the model) is detected.
    with past_the_record_triggers():
        Version.objects.filter(pk=v1.pk).update(snapshot={**v1.snapshot, "number": 99})
    [problem] = verify_versions(cast.alliance.pk).problems
    assert problem.where == "version 1"


def test_the_ratified_version_stays_in_force_while_the_draft_changes(cast):
    term = propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    services.term_edit(
        party=cast.coach_party, term_id=term.pk, revision=1, category="rhythm", text="Monthly."
    )
    cast.alliance.refresh_from_db()
    assert cast.alliance.current_version.snapshot["terms"][0]["text"] == "We meet weekly."
    draft = draft_for(cast.alliance)
    assert draft.items[0].change == "changed"
    assert draft.has_changes


def test_nothing_to_ratify_when_the_draft_equals_the_version(cast):
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    with pytest.raises(ValidationError, match="Nothing has changed since version 1"):
        services.version_ratify(party=cast.coach_party)


def test_withdrawing_a_ratified_term_needs_everyones_agreement(cast):
    keep = propose(cast.coach_party, "We meet weekly.")
    drop = propose(cast.coach_party, "We text on weekends.")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    services.term_withdraw(party=cast.coach_party, term_id=drop.pk, revision=1)
    drop.refresh_from_db()
    assert drop.status == TermStatus.WITHDRAWN
    draft = draft_for(cast.alliance)
    assert [i.change for i in draft.items] == ["unchanged", "removal"]
    assert draft.blockers == ["Ben has not agreed to 1 term yet."]
    v2 = ratify_with([cast.client_party, cast.coach_party])
    assert [t["id"] for t in v2.snapshot["terms"]] == [keep.pk]
    drop.refresh_from_db()
    assert drop.status == TermStatus.REMOVED


def test_withdrawing_an_unratified_term_removes_it_at_once(cast):
    term = propose(cast.coach_party, "We meet weekly.")
    services.term_withdraw(party=cast.client_party, term_id=term.pk, revision=1)
    assert draft_for(cast.alliance).items == []


def test_a_new_party_must_sign_the_next_version(cast):
    from tests.factories import join, make_user

    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    carla = join(cast.alliance, make_user("Carla"), role="supervisor")
    draft = draft_for(cast.alliance)
    assert draft.has_changes
    assert draft.blockers == ["Carla has not agreed to 1 term yet."]
    v2 = ratify_with([carla, cast.coach_party, cast.client_party])
    assert {s["name"] for s in v2.readable["signatures"]} == {"Ana", "Ben", "Carla"}


def test_diff_between_versions_names_added_removed_and_changed_terms():
    before = [
        {"id": 1, "category": "rhythm", "text": "We meet weekly.", "note": ""},
        {"id": 2, "category": "values", "text": "Honesty first.", "note": ""},
    ]
    after = [
        {"id": 1, "category": "rhythm", "text": "We meet every two weeks.", "note": ""},
        {"id": 3, "category": "conflict", "text": "We sleep on it.", "note": ""},
    ]
    changes = {(c.kind, (c.after or c.before or {})["id"]) for c in terms_diff(before, after)}
    assert changes == {("changed", 1), ("removed", 2), ("added", 3)}
    assert word_diff("We meet weekly.", "We meet every two weeks.") == [
        ("same", "We meet"),
        ("removed", "weekly."),
        ("added", "every two weeks."),
    ]


def test_history_is_append_only(cast):
    event = Event.objects.filter(alliance=cast.alliance).first()
    assert event is not None
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
