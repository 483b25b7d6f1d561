"""Two people acting at the same moment, in real threads against the real database:
exactly one of them wins, the other gets a clear answer, and nothing is doubled."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from alliance.accounts.erasure import account_erase
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Event
from alliance.record.verify import verify_history
from alliance.terms import services as term_services
from alliance.terms.models import Version
from tests.factories import agree_all, join, make_alliance, make_user, party_of, propose

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in parallel threads, released together; return result or error."""
    start = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_parties_ratifying_at_once_make_one_version():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    ana_party, ben_party = party_of(alliance, ana), party_of(alliance, ben)
    propose(ana_party, "We meet weekly.")
    agree_all(ben_party)
    results = at_once(
        lambda: term_services.version_ratify(party=party_of(alliance, ana)),
        lambda: term_services.version_ratify(party=party_of(alliance, ben)),
    )
    versions = [r for r in results if isinstance(r, Version)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(versions) == 1, results
    assert len(refusals) == 1, results
    assert Version.objects.filter(alliance=alliance).count() == 1


def test_one_invitation_link_used_twice_at_once_makes_one_party():
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    _, raw = alliance_services.invitation_create(party=party_of(alliance, ana))
    ben, carla = make_user("Ben"), make_user("Carla")
    results = at_once(
        lambda: alliance_services.invitation_accept(raw_token=raw, user=ben, role_label="a"),
        lambda: alliance_services.invitation_accept(raw_token=raw, user=carla, role_label="b"),
    )
    joined = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, alliance_services.InvitationUnusable)]
    assert len(joined) == 1, results
    assert len(refused) == 1, results
    assert alliance.parties.count() == 2


def test_a_double_click_on_join_lands_the_joiner_in_the_alliance_from_both_requests():
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    _, raw = alliance_services.invitation_create(party=party_of(alliance, ana))
    ben = make_user("Ben")
    browser = Client()
    browser.force_login(ben)
    results = at_once(
        lambda: browser.post(f"/invitations/{raw}/", {"role_label": "client"}),
        lambda: browser.post(f"/invitations/{raw}/", {"role_label": "client"}),
    )
    assert [r.status_code for r in results] == [302, 302], results
    assert {r["Location"] for r in results} == {f"/alliances/{alliance.pk}/"}
    assert alliance.parties.count() == 2
    assert alliance.events.filter(kind="joined").count() == 1


def test_a_double_click_on_propose_makes_one_term():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    form = {"category": "rhythm", "text": "We meet on Mondays at 8.", "note": ""}
    browser = Client()
    browser.force_login(ana)
    url = f"/alliances/{alliance.pk}/terms/new/"
    results = at_once(lambda: browser.post(url, form), lambda: browser.post(url, form))
    assert [r.status_code for r in results] == [302, 302], results
    assert alliance.terms.count() == 1


def test_two_edits_of_one_term_at_once_keep_one_and_tell_the_other():
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana)
    join(alliance, ben)
    term = propose(party_of(alliance, ana), "We meet weekly.")

    def edit(user, text):  # type: ignore[no-untyped-def]
        return lambda: term_services.term_edit(
            party=party_of(alliance, user),
            term_id=term.pk,
            revision=1,
            category="rhythm",
            text=text,
        )

    results = at_once(edit(ana, "We meet every Monday."), edit(ben, "We meet every Friday."))
    conflicts = [r for r in results if isinstance(r, term_services.EditConflict)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert len(saved) == 1, results
    assert len(conflicts) == 1, results
    term.refresh_from_db()
    assert term.text == saved[0].text
    assert conflicts[0].current.text == saved[0].text
    assert term.revision == 2


def test_history_lines_recorded_at_once_make_one_contiguous_verifying_chain():
    ana, ben, carla = make_user("Ana"), make_user("Ben"), make_user("Carla")
    alliance = make_alliance(ana)
    before = Event.objects.filter(alliance=alliance).count()
    people, lines_each = [ana, ben, carla, ana, ben, carla], 8

    def record_lines(person: Any) -> int:
        for n in range(lines_each):
            alliance_services.event_record(
                alliance=alliance, actor=person, kind="term_proposed", text=f"{person} {n}"
            )
        return lines_each

    results = at_once(*(lambda p=p: record_lines(p) for p in people))
    assert results == [lines_each] * len(people), results
    positions = list(
        Event.objects.filter(alliance=alliance)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(1, before + len(people) * lines_each + 1))
    report = verify_history(alliance.pk)
    assert report.intact, report.problems


def test_two_accounts_erased_at_once_get_two_pseudonyms():
    ana, ben = make_user("Ana"), make_user("Ben")
    results = at_once(lambda: account_erase(ana), lambda: account_erase(ben))
    numbers = sorted(result.pseudonym_number for result in results)
    assert numbers == [1, 2], results
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert {ana.name, ben.name} == {"Former party 1", "Former party 2"}
