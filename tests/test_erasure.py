"""Erasing an account: what was the person's alone is gone, what others must keep stays
under a stable pseudonym ("Former party N"), and every chain of the record still verifies.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL: the record's triggers are real
on both, so a step that touched a sealed column would fail here."""

import io
import json
import subprocess

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from alliance.accounts.erasure import AlreadyErased, account_erase
from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event, Invitation, Party
from alliance.conversations import services as conversation_services
from alliance.conversations.models import Reflection, ReflectionState
from alliance.outbox.models import NotificationPreferences, OutboxMessage
from alliance.record.chain import (
    SCHEME_NAMES_IN_SNAPSHOT,
    event_sealed,
    name_commitment,
    seal,
    utc_iso,
)
from alliance.record.verify import verify_alliance
from alliance.starting.models import Template
from alliance.tending import services as tending_services
from alliance.tending.models import CalendarFeed, CheckInReflection, Rating
from alliance.terms.models import Version
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import (
    PASSWORD,
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)
from tests.helpers import page_text
from tests.test_cli import ALLIANCE

REVEALED = "I hope we stay curious about each other"
DRAFT = "Privately I dread the quarterly reviews"
CHECKIN_SECRET = "Lately I doubt the whole arrangement"
UNREAD = "Sometimes I wonder whether coaching suits me"
ANA_SHARED = "I want us to be frank and kind"


def history_breaks(alliance_id: int) -> list[int]:
    """Positions of the lines whose hash no longer matches their content or chain."""
    broken, previous = [], ""
    for event in Event.objects.filter(alliance_id=alliance_id).order_by("position"):
        sealed = event_sealed(
            alliance_id=event.alliance_id,
            position=event.position,
            kind=event.kind,
            actor_id=event.actor_id,
            at=utc_iso(event.created_at),
            data=event.data,
        )
        if event.previous_hash != previous or event.content_hash != seal(previous, sealed):
            broken.append(event.position)
        previous = event.content_hash
    return broken


def erase_through_the_page(user: User, email: str, password: str = PASSWORD) -> Client:
    browser = login(user)
    response = browser.post("/profile/erase/", {"email": email, "password": password})
    assert response.status_code == 302, page_text(response)[:500]
    assert response["Location"] == "/profile/erased/"
    return browser


@pytest.fixture
def lived(cast):
    """Ana and Ben lived an alliance: a version both signed, a revealed reflection and a
    draft of Ben's, an unshared check-in reflection of his; and Ben has things of his own:
    a template, a calendar feed, email choices, an alliance only he was ever in."""
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    stake = plant(cast.coach_party)
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, ANA_SHARED)
    share(cast.client_party, stake, prompt, REVEALED)
    second, third = stake.alliance.prompts.order_by("position")[1:3]
    conversation_services.reflection_save(
        party=cast.client_party, stake_id=stake.pk, prompt_id=second.pk, text=DRAFT, revision=None
    )
    # Shared, but Ana never shared hers: nobody read it.
    share(cast.client_party, stake, third, UNREAD)
    checkin = tending_services.checkin_start(party=cast.coach_party)
    term_id = checkin.version.snapshot["terms"][0]["id"]
    tending_services.checkin_answer(
        party=cast.client_party,
        checkin_id=checkin.pk,
        ratings={term_id: ("well", "")},
        reflection=CHECKIN_SECRET,
        share=False,
    )
    Template.objects.create(owner=cast.client, name="Ben's own", kind="coaching")
    tending_services.calendar_feed_renew(user=cast.client)
    NotificationPreferences.objects.create(user=cast.client)
    make_alliance(cast.client, title="Ben alone")
    mail.outbox.clear()
    return cast


def test_erasing_ben_keeps_what_ana_must_keep_under_his_pseudonym(lived):
    ben, ana, alliance = lived.client, lived.coach, lived.alliance
    ben_party = party_of(alliance, ben)
    browser = erase_through_the_page(ben, "Ben@Example.org")
    ben.refresh_from_db()
    number = ben.pseudonym_number
    pseudonym = f"Former party {number}"
    assert number is not None
    assert ben.name == pseudonym
    # He is signed out, and can sign in no more.
    assert browser.get("/profile/").status_code == 302
    assert not Client().login(email="ben@example.org", password=PASSWORD)
    assert not User.objects.filter(email__iexact="ben@example.org").exists()
    assert not ben.is_active
    assert not ben.has_usable_password()
    assert ben.display_name == ""
    assert not any(s.get_decoded().get(SESSION_KEY) == str(ben.pk) for s in Session.objects.all())
    # What was his alone is gone from the database.
    assert not Reflection.objects.filter(party=ben_party, state=ReflectionState.DRAFT).exists()
    assert not Reflection.objects.filter(text=UNREAD).exists()
    assert not CheckInReflection.objects.filter(party=ben_party).exists()
    assert not Template.objects.filter(owner=ben).exists()
    assert not CalendarFeed.objects.filter(user=ben).exists()
    assert not NotificationPreferences.objects.filter(user=ben).exists()
    assert not OutboxMessage.objects.filter(recipient=ben).exists()
    assert not Alliance.objects.filter(title="Ben alone").exists()
    # What Ana must keep stays: his revealed reflection and his ratings.
    assert Reflection.objects.filter(party=ben_party, text=REVEALED).exists()
    assert Rating.objects.filter(party=ben_party).exists()
    # Every chain still verifies; Ana's name commitment still matches her name.
    assert verify_alliance(alliance).intact, verify_alliance(alliance).problems
    assert history_breaks(alliance.pk) == []
    version = alliance.versions.get()
    ana_party = party_of(alliance, ana)
    for signature in version.snapshot["signatures"]:
        entry = version.names[str(signature["party_id"])]
        if signature["party_id"] == ana_party.pk:
            assert signature["name_commitment"] == name_commitment(entry["salt"], "Ana")
        else:
            assert entry == {"name": pseudonym, "erased": True}
    assert "Ben" not in json.dumps(version.names)
    # The history says so, and no line of it names him.
    assert Event.objects.filter(alliance=alliance, kind="erased", actor=ben).exists()
    assert "ben@example.org" not in json.dumps(list(Event.objects.values("personal")))
    # Ana's pages show the pseudonym and never his name.
    as_ana = login(ana)
    stake = alliance.stakes.get()
    pages = {
        "/": False,
        f"/alliances/{alliance.pk}/": True,
        f"/alliances/{alliance.pk}/history/": True,
        f"/alliances/{alliance.pk}/versions/1/": True,
        f"/alliances/{alliance.pk}/conversations/{stake.pk}/?prompt={first_prompt(stake).pk}": True,
    }
    for url, shows_him in pages.items():
        # The alliance's title, which Ana wrote, is hers to keep.
        text = page_text(as_ana.get(url)).replace("Ana and Ben", "")
        assert "Ben" not in text, url
        if shows_him:
            assert pseudonym in text, url
    assert REVEALED in page_text(as_ana.get(list(pages)[-1]))
    export = as_ana.get(f"/alliances/{alliance.pk}/export.json").content.decode()
    assert "Ben" not in export.replace("Ana and Ben", "")
    assert pseudonym in export
    # Ana was told, by his former name.
    told = [m for m in mail.outbox if m.to == ["ana@example.org"]]
    assert len(told) == 1
    assert "Ben erased their account" in told[0].subject
    assert pseudonym in told[0].body
    assert "Coaching: Ana and Ben" in told[0].body


@pytest.mark.parametrize("ana_shares", [True, False])
def test_a_check_in_reflection_stays_only_if_it_was_revealed_to_ana(cast, ana_shares):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    checkin = tending_services.checkin_start(party=cast.coach_party)
    term_id = checkin.version.snapshot["terms"][0]["id"]
    for party, share_it in ((cast.client_party, True), (cast.coach_party, ana_shares)):
        tending_services.checkin_answer(
            party=party,
            checkin_id=checkin.pk,
            ratings={term_id: ("well", "")},
            reflection=f"The view of {party.user.name}",
            share=share_it,
        )
    ben_party = cast.client_party
    account_erase(cast.client)
    kept = CheckInReflection.objects.filter(party=ben_party, text="The view of Ben").exists()
    assert kept == ana_shares


def test_an_invitation_addressed_to_him_shows_his_pseudonym_in_the_history(cast):
    ana_party = cast.coach_party
    dana = make_user("Dana", "dana@example.org")
    invitation, raw = alliance_services.invitation_create(party=ana_party, email="dana@example.org")
    alliance_services.invitation_accept(raw_token=raw, user=dana, role_label="client")
    erasure = account_erase(dana)
    line = Event.objects.filter(alliance=cast.alliance, kind="invited").order_by("position").last()
    assert line.personal == {"addressee": erasure.pseudonym}
    assert Invitation.objects.get(pk=invitation.pk).email == ""
    assert history_breaks(cast.alliance.pk) == []
    text = page_text(login(cast.coach).get(f"/alliances/{cast.alliance.pk}/history/"))
    assert "dana@example.org" not in text
    assert erasure.pseudonym in text


def test_observers_are_told_too_and_a_former_party_is_not(cast):
    join(cast.alliance, make_user("Sam", "sam@example.org"), role="sponsor", as_observer=True)
    fred = make_user("Fred", "fred@example.org")
    join(cast.alliance, fred, role="client")
    alliance_services.party_leave(party=party_of(cast.alliance, fred))
    mail.outbox.clear()
    erasure = account_erase(cast.client)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "sam@example.org"]
    assert erasure.told == 2


def test_the_pseudonym_is_the_same_in_every_alliance_and_the_next_person_gets_the_next(cast):
    second = make_alliance(cast.coach, title="Second")
    join(second, cast.client)
    first = account_erase(cast.client)
    again = account_erase(make_user("Cleo"))
    assert again.pseudonym_number == first.pseudonym_number + 1
    as_ana = login(cast.coach)
    for alliance in (cast.alliance, second):
        text = page_text(as_ana.get(f"/alliances/{alliance.pk}/history/"))
        assert first.pseudonym in text
        assert "Ben" not in text.replace("Ana and Ben", "")
    assert sorted(first.kept) == ["Coaching: Ana and Ben", "Second"]


def test_erasing_the_only_party_removes_the_alliance_entirely(db):
    solo = make_user("Sol", "sol@example.org")
    alliance = make_alliance(solo, title="Just me")
    propose(party_of(alliance, solo), "I journal every Sunday.")
    plant(party_of(alliance, solo))
    erasure = account_erase(solo)
    assert erasure.deleted == ["Just me"]
    assert not Alliance.objects.filter(pk=alliance.pk).exists()
    assert not Event.objects.filter(alliance_id=alliance.pk).exists()
    assert not Party.everyone.filter(alliance_id=alliance.pk).exists()


def test_erasing_someone_in_a_closed_alliance_works(cast):
    propose(cast.coach_party, "We meet every other Tuesday.")
    ratify_with([cast.coach_party, cast.client_party])
    close_with(cast.coach_party, cast.client_party)
    cast.alliance.refresh_from_db()
    assert cast.alliance.closed_at is not None
    erasure = account_erase(cast.client)
    assert Event.objects.filter(alliance=cast.alliance, kind="erased").exists()
    assert Party.everyone.get(alliance=cast.alliance, user=cast.client).left_at is not None
    assert verify_alliance(cast.alliance).intact, verify_alliance(cast.alliance).problems
    assert history_breaks(cast.alliance.pk) == []
    text = page_text(login(cast.coach).get(f"/alliances/{cast.alliance.pk}/versions/1/"))
    assert erasure.pseudonym in text


def test_a_version_sealed_with_names_inside_shows_the_pseudonym_and_still_verifies(cast):
    ana_party, ben_party = cast.coach_party, cast.client_party
    snapshot = {
        "terms": [],
        "signatures": [
            {"party_id": ana_party.pk, "name": "Ana", "role": "coach"},
            {"party_id": ben_party.pk, "name": "Ben", "role": "client"},
        ],
    }
    Version.objects.create(
        alliance=cast.alliance,
        number=1,
        ratified_by=ana_party,
        snapshot=snapshot,
        content_hash=seal("", snapshot),
        scheme=SCHEME_NAMES_IN_SNAPSHOT,
    )
    erasure = account_erase(cast.client)
    version = Version.objects.get(alliance=cast.alliance)
    assert version.snapshot == snapshot  # the sealed copy cannot change
    assert verify_alliance(cast.alliance).intact, verify_alliance(cast.alliance).problems
    names = [s["name"] for s in version.readable["signatures"]]
    assert names == ["Ana", erasure.pseudonym]


def test_a_wrong_confirmation_changes_nothing(cast):
    browser = login(cast.client)
    for form, message in (
        ({"email": "ana@example.org", "password": PASSWORD}, "not the address of this account"),
        ({"email": "ben@example.org", "password": "not it"}, "not your password"),
        ({"email": "", "password": ""}, "This field is required"),
    ):
        response = browser.post("/profile/erase/", form)
        assert response.status_code == 200
        assert message in page_text(response)
    cast.client.refresh_from_db()
    assert cast.client.erased_at is None
    assert cast.client.is_active
    assert cast.client_party.left_at is None
    assert browser.get("/profile/").status_code == 200
    assert not mail.outbox[-1].subject.startswith("Ben erased")


def test_the_page_says_what_goes_and_what_stays_and_lists_the_alliances(cast):
    make_alliance(cast.client, title="Ben alone")
    text = page_text(login(cast.client).get("/profile/erase/"))
    assert "Kept for the others" in text
    assert "Coaching: Ana and Ben" in text
    assert "the others keep it" in text
    assert "Ben alone" in text
    assert "deleted entirely" in text
    assert "/profile/erase/" in login(cast.client).get("/profile/").content.decode()


def test_nobody_erases_anyone_else(cast):
    # Signed out: sent to sign in. Without the CSRF token: refused.
    response = Client().post("/profile/erase/", {"email": "ben@example.org"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(cast.client)
    response = forged.post("/profile/erase/", {"email": "ben@example.org", "password": PASSWORD})
    assert response.status_code == 403
    # Signed in as Ana, Ben's address erases nothing: the page is about her own account.
    response = login(cast.coach).post(
        "/profile/erase/", {"email": "ben@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    cast.client.refresh_from_db()
    cast.coach.refresh_from_db()
    assert cast.client.erased_at is None
    assert cast.coach.erased_at is None


def test_the_command_erases_by_address_and_says_what_it_did(lived):
    out = io.StringIO()
    call_command("erase-user", "BEN@example.org", "--yes", "--json", stdout=out)
    report = json.loads(out.getvalue())
    lived.client.refresh_from_db()
    assert report["pseudonym"] == lived.client.name
    assert report["alliances_kept"] == ["Coaching: Ana and Ben"]
    assert report["alliances_deleted"] == ["Ben alone"]
    assert report["people_told"] == 1
    with pytest.raises(CommandError, match="No account"):
        call_command("erase-user", "ben@example.org", "--yes")
    with pytest.raises(AlreadyErased):
        account_erase(lived.client)


def test_the_command_asks_before_erasing(cast):
    out = io.StringIO()
    call_command("erase-user", "ben@example.org", stdin=io.StringIO("no\n"), stdout=out)
    assert "Nothing was erased" in out.getvalue()
    cast.client.refresh_from_db()
    assert cast.client.erased_at is None
    call_command("erase-user", "ben@example.org", stdin=io.StringIO("yes\n"), stdout=out)
    cast.client.refresh_from_db()
    assert cast.client.erased_at is not None
    assert "Former party" in out.getvalue()


def test_the_commands_help_teaches_by_example():
    result = subprocess.run(
        [ALLIANCE, "erase-user", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "alliance erase-user ben@example.org --yes --json" in result.stdout
    assert "Former party 3" in result.stdout


def test_without_a_password_the_address_alone_confirms(cast):
    cast.client.set_unusable_password()
    cast.client.save(update_fields=["password"])
    browser = Client()
    browser.force_login(cast.client)
    assert "Your password" not in page_text(browser.get("/profile/erase/"))
    response = browser.post("/profile/erase/", {"email": "ben@example.org"})
    assert response["Location"] == "/profile/erased/"
    cast.client.refresh_from_db()
    assert cast.client.erased_at is not None
