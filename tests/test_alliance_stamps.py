"""Cards of the dashboard and the alliance page kept under their alliance's stamp
(`alliance.lib.stamps`): each shows what is true now, whatever wrote the change, and
whenever time alone changes it. The tests render every kept piece again and compare
(``FRAGMENTS_VERIFY``), so a piece kept under a stamp that missed a change fails here as
a stale piece."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.erasure import account_erase
from alliance.accounts.models import User
from alliance.alliances import selectors
from alliance.alliances import services as alliance_services
from alliance.alliances.models import AllianceStamp
from alliance.alliances.selectors import (
    Agenda,
    AgendaDay,
    AgendaItem,
    dashboard_entries,
    dashboard_for,
    footprint_of,
)
from alliance.conversations import services as conversations
from alliance.conversations.models import AlliancePrompt
from alliance.conversations.selectors import RECENTLY_SCHEDULED
from alliance.core.fragments import (
    MAX_KEPT_LENGTH,
    StaleFragment,
    kept_value,
    render_kept_joined,
    render_kept_named,
)
from alliance.lib import stamps
from alliance.lib.clock import now
from alliance.tending import services as tending
from alliance.terms.models import Term
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_alliance, make_user, party_of, propose, ratify_with
from tests.test_dashboard import card_of, titles


def stamp_of(alliance_id: int) -> int | None:
    return (
        AllianceStamp.objects.filter(alliance_id=alliance_id)
        .values_list("stamp", flat=True)
        .first()
    )


def test_a_change_written_behind_the_services_back_shows_on_the_card(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    browser = login(ana)
    assert "with Ben (client)" in card_of(browser.get("/"), "Coaching Ben")

    # A bulk update sends no signal to the application: the database stamps it.
    User.objects.filter(pk=ben.pk).update(display_name="Benedict")
    assert "with Benedict (client)" in card_of(browser.get("/"), "Coaching Ben")
    Term.objects.create(
        alliance=alliance, proposed_by=party_of(alliance, ben), category="rhythm", text="Weekly."
    )
    assert "1 term needs your consent" in card_of(browser.get("/"), "Coaching Ben")


def test_signing_in_does_not_stamp_a_person_s_alliances(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    before = stamp_of(alliance.pk)
    ben.last_login = now()
    ben.save()
    assert stamp_of(alliance.pk) == before
    ben.display_name = "Benedict"
    ben.save()
    assert stamp_of(alliance.pk) != before


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    return {
        table
        for query in queries.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])
    }


def full_alliance(coach: User, client: User, title: str):  # type: ignore[no-untyped-def]
    """An alliance with a row in every table its card reads."""
    alliance = make_alliance(coach, title=title)
    join(alliance, client)
    parties = [party_of(alliance, coach), party_of(alliance, client)]
    propose(parties[1], "We meet every second week.")
    ratify_with(parties)
    propose(parties[0], "We say what bothers us within a week.")
    checkin = tending.checkin_start(party=parties[0])
    [term] = checkin.version.snapshot["terms"]
    tending.checkin_answer(
        party=parties[0], checkin_id=checkin.pk, ratings={term["id"]: ("tending", "")}
    )
    tending.signal_raise(party=parties[1], note="This needs a look.")
    stake = plant(parties[1])
    conversations.stake_answer(
        party=parties[0], stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    tending.rhythm_set(
        party=parties[0], starts_on=now().date() + timedelta(days=9), at_time=time(9), rule=""
    )
    alliance_services.invitation_create(party=parties[0], email="carl@example.org")
    return alliance


def test_every_table_a_card_reads_stamps_its_alliance(db):
    ana = make_user("Ana")
    full_alliance(ana, make_user("Ben"), "Everything at once")
    [card] = dashboard_for(ana).cards
    with CaptureQueriesContext(connection) as queries:
        dashboard_entries([card])
    read = tables_read(queries)
    assert {"terms_consent", "tending_rating", "conversations_timeanswer"} <= read
    # The alliance's own row is part of the card's name.
    assert read <= stamps.installed()


def test_every_table_the_alliance_page_reads_stamps_its_alliance(db):
    ana = make_user("Ana")
    alliance = full_alliance(ana, make_user("Ben"), "Everything at once")
    alliance_services.observer_allowance_set(
        party=party_of(alliance, ana), grant="versions", agreed=True
    )
    party = selectors.party_for(user=ana, alliance_id=alliance.pk)
    with CaptureQueriesContext(connection) as queries:
        overview = selectors.alliance_overview(party)
    read = tables_read(queries)
    assert overview.events
    assert overview.invitations
    assert overview.care.signals
    assert {"alliances_event", "alliances_observerallowance", "tending_rating"} <= read
    assert read <= stamps.installed()


def test_the_alliance_page_shows_a_change_written_behind_the_services_back(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    term = propose(party_of(alliance, ben), "We meet every second week.")
    browser = login(ana)
    url = f"/alliances/{alliance.pk}/"
    assert "We meet every second week." in browser.get(url).content.decode()
    Term.objects.filter(pk=term.pk).update(text="We meet every week.")
    User.objects.filter(pk=ben.pk).update(display_name="Benedict")
    page = browser.get(url).content.decode()
    assert "We meet every week." in page
    assert "Benedict" in page


def talking(ana: User):  # type: ignore[no-untyped-def]
    """An alliance of Ana's with Ben, a conversation Ben planted in it, and the two
    parties (Ana's first)."""
    ben = make_user("Ben")
    alliance = make_alliance(ana, title="Talking")
    join(alliance, ben)
    parties = [party_of(alliance, ana), party_of(alliance, ben)]
    return alliance, parties, plant(parties[1])


def test_every_table_the_conversation_page_reads_stamps_its_alliance(db):
    from alliance.conversations import selectors as conversation_selectors

    ana = make_user("Ana")
    alliance, parties, stake = talking(ana)
    prompt = first_prompt(stake)
    for party in parties:
        share(party, stake, prompt, f"{party.user.name} wants weekly calls.")
    party = selectors.party_for(user=ana, alliance_id=alliance.pk)
    with CaptureQueriesContext(connection) as queries:
        shown = conversation_selectors.stake_for(party, stake.pk)
        conversation = conversation_selectors.conversation_for(party, shown)
        board = conversation.board(prompt.pk)
    read = tables_read(queries)
    assert board is not None
    assert board.revealed
    assert {"conversations_reveal_parties", "conversations_allianceprompt"} <= read
    assert read <= stamps.installed()


def test_a_kept_conversation_page_never_shows_one_party_s_draft_to_the_other(db):
    """The conversation page is kept whole, with the viewer's own unshared reflection in
    its box: the other party, on the same prompt at the same stamp, gets a piece of
    their own, as does an observer (turned away) and a party who left."""
    ana = make_user("Ana")
    alliance, parties, stake = talking(ana)
    prompt = first_prompt(stake)
    draft = "Only Ana may read this draft."
    conversations.reflection_save(
        party=parties[0], stake_id=stake.pk, prompt_id=prompt.pk, text=draft, revision=1
    )
    url = f"/alliances/{alliance.pk}/conversations/{stake.pk}/?prompt={prompt.pk}"
    board = f"/alliances/{alliance.pk}/conversations/{stake.pk}/board/?prompt={prompt.pk}"
    ana_browser, ben_browser = login(ana), login(parties[1].user)
    for _ in range(2):
        assert draft in ana_browser.get(url).content.decode()
        for path in (url, board):
            assert draft not in ben_browser.get(path).content.decode()
    carla = make_user("Carla")
    join(alliance, carla, role="sponsor", as_observer=True)
    assert login(carla).get(url).status_code == 404
    alliance_services.party_leave(party=parties[1])
    assert ben_browser.get(url).status_code == 404


def test_the_conversation_page_shows_a_prompt_reworded_behind_the_services_back(db):
    ana = make_user("Ana")
    alliance, _, stake = talking(ana)
    prompt = first_prompt(stake)
    browser = login(ana)
    url = f"/alliances/{alliance.pk}/conversations/{stake.pk}/?prompt={prompt.pk}"
    assert prompt.text in browser.get(url).content.decode()
    AlliancePrompt.objects.filter(pk=prompt.pk).update(text="What would make this work?")
    assert "What would make this work?" in browser.get(url).content.decode()


def ratified(ana: User, title: str):  # type: ignore[no-untyped-def]
    """An alliance of `ana`'s with Ben, one term agreed."""
    ben = make_user("Ben")
    alliance = make_alliance(ana, title=title)
    join(alliance, ben)
    propose(party_of(alliance, ben), "We meet every second week.")
    ratify_with([party_of(alliance, ana), party_of(alliance, ben)])
    return alliance


def planned_for_tomorrow(ana: User, title: str):  # type: ignore[no-untyped-def]
    """A ratified alliance of `ana`'s whose first check-in is planned for tomorrow, and
    its rhythm."""
    alliance = ratified(ana, title)
    rhythm = tending.rhythm_set(
        party=party_of(alliance, ana),
        starts_on=now().date() + timedelta(days=1),
        at_time=time(9),
        rule="",
    )
    return alliance, rhythm


def waiting_on_an_invitation(ana: User, title: str):  # type: ignore[no-untyped-def]
    """An alliance of `ana`'s waiting on Ben's invitation, the invitation, and `ana`'s
    browser, signed in a little before it expires."""
    alliance = make_alliance(ana, title=title)
    invitation, _ = alliance_services.invitation_create(
        party=party_of(alliance, ana), email="ben@example.org"
    )
    with time_machine.travel(invitation.expires_at - timedelta(hours=2)):
        browser = login(ana)
    return alliance, invitation, browser


def page_before_and_after(browser, url: str, moment) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The page at `url` an hour before `moment` and a minute after it."""
    with time_machine.travel(moment - timedelta(hours=1)):
        before = browser.get(url).content.decode()
    with time_machine.travel(moment + timedelta(minutes=1)):
        after = browser.get(url).content.decode()
    return before, after


def test_the_dashboard_reorders_when_a_check_in_comes_due_with_nothing_written(db):
    """The page's order is kept under the person's footprint until the first moment it
    changes by time alone: here a planned check-in coming due moves the older alliance
    before the newer one."""
    ana = make_user("Ana")
    _, rhythm = planned_for_tomorrow(ana, "Older")
    ratified(ana, "Newer")
    browser = login(ana)
    with time_machine.travel(rhythm.next_at - timedelta(hours=1)):
        before = titles(browser.get("/"))
    with time_machine.travel(rhythm.next_at + timedelta(minutes=1)):
        after = titles(browser.get("/"))
    assert before == ["Newer", "Older"]
    assert after == ["Older", "Newer"]


def test_a_person_s_footprint_changes_with_any_write_in_their_alliances(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    before = footprint_of(ana)
    assert before.alliances == 1
    Term.objects.create(
        alliance=alliance, proposed_by=party_of(alliance, ben), category="rhythm", text="Weekly."
    )
    assert footprint_of(ana).name != before.name
    assert footprint_of(ana).changes_at is None


def test_a_footprint_ends_when_time_alone_changes_the_dashboard_s_list(db):
    """A planned check-in comes due; a scheduled conversation's reflections stop waiting
    on anyone some days after it began."""
    ana = make_user("Ana")
    _, parties, stake = talking(ana)
    candidate = stake.candidates.first()
    conversations.stake_answer(party=parties[0], stake_id=stake.pk, works=[candidate.pk])
    assert footprint_of(ana).changes_at == candidate.starts_at + RECENTLY_SCHEDULED
    propose(parties[1], "We meet every second week.")
    ratify_with(parties)
    rhythm = tending.rhythm_set(
        party=parties[0], starts_on=now().date() + timedelta(days=1), at_time=time(9), rule=""
    )
    assert footprint_of(ana).changes_at == rhythm.next_at


def test_a_value_kept_under_a_name_that_did_not_change_with_it_fails_in_the_tests(db):
    assert kept_value(("a name",), lambda: [1, 2], None) == [1, 2]
    assert kept_value(("a name",), lambda: [1, 2], None) == [1, 2]
    with pytest.raises(StaleFragment):
        kept_value(("a name",), lambda: [2, 1], None)


def test_joined_pieces_kept_under_names_that_did_not_change_with_them_fail_in_the_tests(db):
    def shown(more: bool):  # type: ignore[no-untyped-def]
        return lambda chosen: [({"agenda": {"more": more}}, None) for _ in chosen]

    template = "core/_agenda.html"
    first = render_kept_joined(template, [("one",), ("two",)], shown(False))
    assert render_kept_joined(template, [("one",), ("two",)], shown(False)) == first
    with pytest.raises(StaleFragment):
        render_kept_joined(template, [("one",), ("two",)], shown(True))


def test_the_alliance_page_tells_of_a_check_in_that_comes_due_with_nothing_written(db):
    ana = make_user("Ana")
    alliance, rhythm = planned_for_tomorrow(ana, "Planned")
    before, after = page_before_and_after(login(ana), f"/alliances/{alliance.pk}/", rhythm.next_at)
    assert 'class="badge checkin_due"' not in before
    assert 'class="badge checkin_due"' in after


def test_the_alliance_page_forgets_an_invitation_that_expired_with_nothing_written(db):
    alliance, invitation, browser = waiting_on_an_invitation(make_user("Ana"), "Waiting")
    before, after = page_before_and_after(
        browser, f"/alliances/{alliance.pk}/", invitation.expires_at
    )
    # Listed among those invited, with a button to send it again; the history still
    # tells of the invitation afterwards.
    assert "send again" in before
    assert "send again" not in after


def test_migrate_puts_back_lost_triggers_and_check_reports_them_missing(db):
    with connection.cursor() as cursor:
        for statement in stamps._drop_statements(connection.vendor, "terms_consent"):
            cursor.execute(statement)
    assert "terms_consent" not in stamps.installed()
    with pytest.raises(SystemCheckError, match=r"alliance\.E003.*terms_consent"):
        call_command("check")
    call_command("migrate", verbosity=0)
    assert stamps.installed() == stamps.watched()
    call_command("check")


def seen_before_and_after(browser, moment, title: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The card called `title` an hour before `moment` and a minute after it. (Hours
    apart, not days: the kept pieces themselves are forgotten after six hours.)"""
    with time_machine.travel(moment - timedelta(hours=1)):
        before = card_of(browser.get("/"), title)
    with time_machine.travel(moment + timedelta(minutes=1)):
        after = card_of(browser.get("/"), title)
    return before, after


def test_a_card_tells_of_a_check_in_that_comes_due_with_nothing_written(db):
    ana = make_user("Ana")
    _, rhythm = planned_for_tomorrow(ana, "Planned")
    before, after = seen_before_and_after(login(ana), rhythm.next_at, "Planned")
    assert "Version 1 in force" in before
    assert "Check-in due" in after


def test_a_card_tells_of_an_invitation_that_expired_with_nothing_written(db):
    _, invitation, browser = waiting_on_an_invitation(make_user("Ana"), "Waiting")
    before, after = seen_before_and_after(browser, invitation.expires_at, "Waiting")
    assert "Waiting for ben@example.org to join" in before
    assert "Invite the other party" in after


def test_a_card_stops_announcing_a_conversation_once_it_began(db):
    ana = make_user("Ana")
    _, parties, stake = talking(ana)
    candidate = stake.candidates.first()
    conversations.stake_answer(party=parties[0], stake_id=stake.pk, works=[candidate.pk])
    stake.refresh_from_db()
    assert stake.starts_at == candidate.starts_at  # a time that suits both is fixed
    day = candidate.starts_at.strftime("%a %-d %b")
    before, after = seen_before_and_after(login(ana), candidate.starts_at, "Talking")
    assert day in before
    assert day not in after


def test_a_piece_kept_under_a_name_that_did_not_change_with_it_fails_in_the_tests(db):
    def shown(text: str, until=None):  # type: ignore[no-untyped-def]
        return lambda chosen: [({"agenda": None, "text": text}, until) for _ in chosen]

    template = "core/_agenda.html"
    first = render_kept_named(template, [("same",)], shown("one"))
    assert render_kept_named(template, [("same",)], shown("one")) == first
    # The agenda's template ignores "text": render it with another agenda instead.
    with pytest.raises(StaleFragment):
        render_kept_named(
            template,
            [("same",)],
            lambda chosen: [({"agenda": {"more": True}}, None) for _ in chosen],
        )


def test_a_piece_past_its_moment_is_rendered_afresh(db):
    template = "core/_agenda.html"
    soon = now() + timedelta(hours=1)
    render_kept_named(template, [("named",)], lambda chosen: [({"agenda": None}, soon)])
    with time_machine.travel(soon + timedelta(seconds=1)):
        [more] = render_kept_named(
            template, [("named",)], lambda chosen: [({"agenda": {"more": True}}, None)]
        )
    assert "More is planned" in more


def test_the_draft_is_kept_under_a_stamp_read_before_it(db, monkeypatch):
    """Another request's write landing between the reads leaves the draft newer than its
    stamp, never older: the next visit finds a new stamp and the new draft."""
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    term = propose(party_of(alliance, ben), "We meet every second week.")
    browser = login(ana)
    url = f"/alliances/{alliance.pk}/"
    read_stamp = selectors.alliance_stamp

    def stamp_after_a_concurrent_write(alliance_id: int) -> int | None:
        Term.objects.filter(pk=term.pk).update(text="We meet every week.")
        return read_stamp(alliance_id)

    monkeypatch.setattr(selectors, "alliance_stamp", stamp_after_a_concurrent_write)
    assert "We meet every week." in browser.get(url).content.decode()
    monkeypatch.setattr(selectors, "alliance_stamp", read_stamp)
    Term.objects.filter(pk=term.pk).update(text="We meet monthly.")
    assert "We meet monthly." in browser.get(url).content.decode()


def test_the_alliance_page_read_after_a_person_was_erased_mid_visit_shows_their_pseudonym(
    db, monkeypatch
):
    """The version in force is loaded with the viewer's party, before the page's stamp
    is read: an erasure landing between the two must not leave the old names kept under
    the new stamp."""
    ana, ben = make_user("Ana"), make_user("Ben")
    alliance = make_alliance(ana, title="Coaching Ben")
    join(alliance, ben)
    propose(party_of(alliance, ben), "We meet every second week.")
    ratify_with([party_of(alliance, ana), party_of(alliance, ben)])
    browser = login(ana)
    url = f"/alliances/{alliance.pk}/"
    read_stamp = selectors.alliance_stamp

    def stamp_after_an_erasure(alliance_id: int) -> int | None:
        monkeypatch.setattr(selectors, "alliance_stamp", read_stamp)
        account_erase(ben)
        return read_stamp(alliance_id)

    monkeypatch.setattr(selectors, "alliance_stamp", stamp_after_an_erasure)
    for _ in range(2):
        signed = browser.get(url).content.decode().split("Signed by", 1)[1].split("</p>")[0]
        assert "Ben" not in signed
        assert "Former party" in signed


def test_a_long_named_piece_is_kept_compressed(db, settings):
    settings.FRAGMENTS_VERIFY = False
    at = now()
    items = [AgendaItem(at, n, "A long title " * 20, "checkin", "Check-in") for n in range(200)]
    agenda = {"agenda": Agenda(days=[AgendaDay(at.date(), items)], more=False)}
    [first] = render_kept_named("core/_agenda.html", [("long",)], lambda chosen: [(agenda, None)])
    assert len(first) > MAX_KEPT_LENGTH

    def not_again(chosen: list[int]) -> list[tuple[dict[str, object], None]]:
        raise AssertionError("a kept piece is not built again")

    assert render_kept_named("core/_agenda.html", [("long",)], not_again) == [first]


def test_the_triggers_step_aside_while_migrations_run_and_every_alliance_is_stamped_after(db):
    """SQLite cannot rebuild a table another table's trigger reads: before migrations run
    the triggers go, and after, with every alliance's stamp drawn again, since a write
    made meanwhile stamped nothing."""
    ana = make_user("Ana")
    alliance = make_alliance(ana, title="Coaching")
    join(alliance, make_user("Ben"))
    before = stamp_of(alliance.pk)
    stamps.drop_before_migrate(plan=[])
    assert stamps.installed() == stamps.watched()
    stamps.drop_before_migrate(plan=[("a migration", False)])
    assert stamps.installed() == set()
    User.objects.filter(pk=ana.pk).update(display_name="Anna")
    assert stamp_of(alliance.pk) == before
    stamps.install_after_migrate()
    assert stamps.installed() == stamps.watched()
    assert stamp_of(alliance.pk) != before
