"""Verification as a person meets it: an untouched record says it is intact, and a record
changed behind the application's back (by someone with the database's own keys) says
where it broke, on the version page, on the history page and from `alliance verify`."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.erasure import account_erase
from alliance.alliances.models import Event
from alliance.record.chain import name_commitment
from alliance.record.verify import verify_alliance, verify_history, verify_versions
from alliance.terms.models import Version
from tests.conftest import login
from tests.factories import propose, ratify_with
from tests.helpers import page_text, past_the_record_triggers


def two_versions(cast) -> tuple[Version, Version]:
    propose(cast.coach_party, "We meet weekly.")
    propose(cast.coach_party, "Sessions last an hour.")
    first = ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    propose(cast.client_party, "We review every quarter.")
    second = ratify_with([cast.client_party, cast.coach_party])
    return first, second


def test_an_untouched_alliance_is_intact_and_says_what_was_recomputed(cast):
    two_versions(cast)
    report = verify_alliance(cast.alliance)
    assert report.intact, report.problems
    details = {f.where: f.detail for f in report.findings}
    assert details["version 2"] == (
        "recomputed the hash of version 2 from its 3 terms and 2 signatures, linked to "
        "version 1, and checked each name against its signature"
    )
    lines = Event.objects.filter(alliance=cast.alliance).count()
    assert f"each of its {lines} lines, numbered 1 to {lines}" in details["history"]


def test_one_changed_byte_of_a_snapshot_names_that_version(cast):
    first, _second = two_versions(cast)
    snapshot = dict(first.snapshot)
    snapshot["terms"] = [
        {**snapshot["terms"][0], "text": "We meet weeklY."},
        *snapshot["terms"][1:],
    ]
    with past_the_record_triggers():
        Version.objects.filter(pk=first.pk).update(snapshot=snapshot)
    [problem] = verify_alliance(cast.alliance).problems
    assert (problem.where, problem.detail) == (
        "version 1",
        "its content no longer matches its hash",
    )


def test_a_rewritten_hash_breaks_that_version_and_the_link_of_the_next(cast):
    first, _second = two_versions(cast)
    with past_the_record_triggers():
        Version.objects.filter(pk=first.pk).update(content_hash="0" * 64)
    problems = verify_versions(cast.alliance.pk).problems
    assert [(p.where, p.detail) for p in problems] == [
        ("version 1", "its content no longer matches its hash"),
        ("version 2", "it no longer links to the version before it"),
    ]


def test_a_name_kept_beside_the_seal_must_match_its_commitment(cast):
    first, _second = two_versions(cast)
    names = {**first.names, str(cast.client_party.pk): {**first.names[str(cast.client_party.pk)]}}
    names[str(cast.client_party.pk)]["name"] = "Bernard"
    # The names are not sealed, so the database lets them change: verification does not.
    Version.objects.filter(pk=first.pk).update(names=names)
    [problem] = verify_versions(cast.alliance.pk).problems
    assert problem.where == "version 1"
    assert problem.detail == "the name “Bernard” does not match what its signature sealed"


def test_an_erased_name_keeps_the_version_intact(cast):
    first, _second = two_versions(cast)
    ben = cast.client_party.pk
    salt = first.names[str(ben)]["salt"]
    account_erase(cast.client)
    report = verify_versions(cast.alliance.pk)
    assert report.intact, report.problems
    assert "1 name erased, the signature's commitment is kept" in report.findings[0].detail
    signature = next(s for s in first.snapshot["signatures"] if s["party_id"] == ben)
    assert signature["name_commitment"] == name_commitment(salt, "Ben")


def test_a_changed_history_line_is_named_and_the_others_still_hold(cast):
    two_versions(cast)
    line = Event.objects.get(alliance=cast.alliance, position=3)
    with past_the_record_triggers():
        Event.objects.filter(pk=line.pk).update(data={**line.data, "extra": 1})
    [problem] = verify_history(cast.alliance.pk).problems
    assert (problem.where, problem.detail) == (
        "history line 3",
        "its content no longer matches its hash",
    )


def test_a_removed_history_line_is_missed(cast):
    two_versions(cast)
    with past_the_record_triggers():
        Event.objects.filter(alliance=cast.alliance, position=2).delete()
    problems = verify_history(cast.alliance.pk).problems
    assert problems[0].where == "history line 3"
    assert problems[0].detail == "expected line 2 here: a line is missing or moved"


def test_the_version_page_says_the_record_is_intact_with_its_hashes(cast):
    first, second = two_versions(cast)
    text = page_text(login(cast.client).get(f"/alliances/{cast.alliance.pk}/versions/2/"))
    assert (
        "The record is intact. Recomputed the hash of version 2 from its 3 terms and 2 "
        "signatures, linked to version 1, and checked each name against its signature: "
        "nothing was changed since it was sealed." in text
    )
    assert f"This version's hash {second.content_hash}" in text
    assert f"The previous version's hash {first.content_hash}" in text
    first_page = page_text(login(cast.client).get(f"/alliances/{cast.alliance.pk}/versions/1/"))
    assert "The previous version's hash none: this is the first version" in first_page


def test_the_version_page_says_what_broke_and_where(cast):
    first, _second = two_versions(cast)
    with past_the_record_triggers():
        Version.objects.filter(pk=first.pk).update(snapshot={**first.snapshot, "number": 9})
    text = page_text(login(cast.coach).get(f"/alliances/{cast.alliance.pk}/versions/2/"))
    assert "The record is intact" not in text
    assert "The record was changed after it was sealed." in text
    assert "Version 1: its snapshot says it is version 9" in text


def test_the_history_page_shows_the_chain_status(cast):
    two_versions(cast)
    url = f"/alliances/{cast.alliance.pk}/history/"
    lines = Event.objects.filter(alliance=cast.alliance).count()
    text = page_text(login(cast.coach).get(url))
    assert f"The record is intact. Recomputed the hash of each of its {lines} lines" in text
    newest = Event.objects.filter(alliance=cast.alliance).order_by("-position").first()
    assert f"Hash of the latest line {newest.content_hash}" in text

    with past_the_record_triggers():
        Event.objects.filter(pk=newest.pk).update(kind="left")
    text = page_text(login(cast.coach).get(url))
    assert "The record was changed after it was sealed." in text
    assert f"History line {lines}: its content no longer matches its hash" in text


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_checking_the_record_costs_no_query_per_line_or_version(cast):
    ana = login(cast.coach)
    history = f"/alliances/{cast.alliance.pk}/history/"
    version = f"/alliances/{cast.alliance.pk}/versions/1/"
    two_versions(cast)
    small_history, small_version = _queries(ana, history), _queries(ana, version)
    for round_ in range(4):
        cast.alliance.refresh_from_db()
        for n in range(5):
            propose(cast.coach_party, f"Round {round_}, term {n}")
        ratify_with([cast.coach_party, cast.client_party])
    assert Event.objects.filter(alliance=cast.alliance).count() > 40
    assert _queries(ana, history) == small_history
    assert _queries(ana, version) == small_version
