"""One alliance with a person in every relation to it, and another alliance beside it.

The persona matrix, the IDOR sweep and the privacy sweep walk the same data, built once
per test module through the real services (`scene_fixture`): the module's tests run in
savepoints inside one transaction that is rolled back when the module is done.

The people of alliance A ("Wisteria coaching"):

| persona        | who  | relation to A                                                  |
| -------------- | ---- | -------------------------------------------------------------- |
| party          | Ana  | created it (coach)                                             |
| other_party    | Ben  | joined at once (client)                                        |
| former_party   | Fred | joined, signed version 1, shared a reflection, then left       |
| late_joiner    | Cleo | joined after prompt P1 and check-in C2 were revealed           |
| invitee        | Ivy  | has an account and a pending invitation, not accepted          |
| observer       | Sam  | joined as an observer (sponsor) before version 1; every party  |
|                |      | lets observers see the versions and the health summary; the    |
|                |      | design conversation includes the observers                     |
| outsider       | Olga | a party of her own alliance B ("Zephyr team"), not of A        |
| anonymous      |      | not signed in                                                  |

Every text that someone may not read carries a marker word of its own (`SECRETS`), so a
leak is found whatever markup surrounds it: a revealed text is highlighted word by word
on the board, iCalendar folds long lines.
"""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import time_machine
from django.core import mail
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import override_settings

from alliance.accounts.models import User
from alliance.accounts.services import access_token_create
from alliance.alliances import services as alliance_services
from alliance.alliances.models import (
    Alliance,
    Event,
    Invitation,
    ObserverAllowance,
    ObserverGrant,
    Party,
)
from alliance.closing.models import ClosingAgreement, ClosingProposal
from alliance.conversations import services as conversation_services
from alliance.conversations.models import (
    AlliancePrompt,
    CandidateTime,
    Reflection,
    ReflectionRevision,
    Stake,
    TermOrigin,
    TimeAnswer,
)
from alliance.conversations.selectors import prompts_of
from alliance.lib.clock import now
from alliance.outbox import services as outbox_services
from alliance.outbox.digests import digests_queue
from alliance.outbox.models import OPTIONAL_KINDS, OutboxMessage
from alliance.outbox.nudges import nudges_queue
from alliance.outbox.services import unsubscribe_token
from alliance.record.models import DataCopy, DataCopyState
from alliance.starting import services as starting_services
from alliance.starting.models import AllianceStart
from alliance.tending import services as tending_services
from alliance.tending.models import (
    CheckIn,
    CheckInReflection,
    Rating,
    ReminderSent,
    Rhythm,
    Signal,
    SignalPolicy,
)
from alliance.terms import services as term_services
from alliance.terms.models import Category, Consent, Term, Version
from tests.conversations.factories import plant, share
from tests.factories import join, make_alliance, make_user, propose, ratify_with

PERSONAS = [
    "anonymous",
    "outsider",
    "invitee",
    "party",
    "other_party",
    "former_party",
    "late_joiner",
    "observer",
]
CURRENT_PARTIES = ("party", "other_party", "late_joiner")
# Whose own template is in the URLs of the "template" scope (tests/routes.py).
TEMPLATE_OWNER = "party"
NOT_PARTIES = ("outsider", "invitee", "former_party")

TITLE = "Wisteria coaching"
TERM_TEXT = "We meet every Tuesday at nine, tuesdaybriar."
SIGNAL_NOTE = "I feel our Tuesdays slipping, driftwillow."


@dataclass(frozen=True)
class Secret:
    """A text by `author`, with the personas who may read it; `marker` is a word found
    in no other text."""

    marker: str
    author: str
    audience: frozenset[str]
    what: str

    @property
    def text(self) -> str:
        return f"I notice {self.marker} in how we work, and I hope it changes."


def _secret(marker: str, author: str, audience: set[str], what: str) -> Secret:
    return Secret(marker=marker, author=author, audience=frozenset(audience), what=what)


ANA_DRAFT = _secret("quillonfen", "party", {"party"}, "Ana's unshared draft on P2")
BEN_DRAFT = _secret("brambleveil", "other_party", {"other_party"}, "Ben's unshared draft on P2")
ANA_SKIPPED = _secret("saffronlode", "party", {"party"}, "Ana's draft on P3, then she skipped P3")
ANA_CHECKIN_DRAFT = _secret(
    "cobaltmoor", "party", {"party"}, "Ana's never shared reflection at check-in C1"
)
# Check-in comments are shown to the parties who rated in that check-in (Ana and Ben),
# never before one has rated, so nobody reads the others' ratings before giving their own.
ANA_COMMENT = _secret(
    "lanternwick", "party", {"party", "other_party"}, "Ana's rating comment at check-in C1"
)
# Revealed before Cleo joined: the reveal is fixed to the parties who were there.
ANA_P1 = _secret("meadowquartz", "party", {"party", "other_party"}, "Ana's P1 reflection, revealed")
BEN_P1 = _secret(
    "thistlebeam", "other_party", {"party", "other_party"}, "Ben's P1 reflection, revealed"
)
ANA_C2 = _secret("harborfinch", "party", {"party", "other_party"}, "Ana's C2 reflection, revealed")
BEN_C2 = _secret(
    "pebblecrest", "other_party", {"party", "other_party"}, "Ben's C2 reflection, revealed"
)
# Shared by Fred before he left, before the others had answered P1; whether Ana and Ben
# read it is defect 1's question, so only they (and Fred) are allowed here.
FRED_P1 = _secret(
    "ashgrovel",
    "former_party",
    {"party", "other_party", "former_party"},
    "Fred's P1 reflection, shared",
)

SECRETS = [
    ANA_DRAFT,
    BEN_DRAFT,
    ANA_SKIPPED,
    ANA_CHECKIN_DRAFT,
    ANA_COMMENT,
    ANA_P1,
    BEN_P1,
    ANA_C2,
    BEN_C2,
    FRED_P1,
]
# Texts nobody but their author may ever read, on any surface, staff pages included.
UNSHARED = [ANA_DRAFT, BEN_DRAFT, ANA_SKIPPED, ANA_CHECKIN_DRAFT]
# What a page shown to someone outside alliance A must not contain: its title, a term,
# a signal, and every text of SECRETS.
ALLIANCE_MARKERS = ["Wisteria", "tuesdaybriar", "driftwillow"] + [s.marker for s in SECRETS]

# Markers of alliance B (Olga's): none may show on any page of alliance A.
FOREIGN_TITLE = "Zephyr team"
FOREIGN_MARKERS = {
    "title": "Zephyr",
    "term": "zephyrterm",
    "reflection": "zephyrshared",
    "draft": "zephyrdraft",
    "prompt": "zephyrprompt",
    "checkin": "zephyrcheckin",
    "signal": "zephyrsignal",
    "invitation": "quinn@zephyr.example",
}


def markers_in(text: str) -> set[str]:
    """The markers of SECRETS found in `text` (iCalendar line folding undone first)."""
    text = text.replace("\r\n ", "").replace("\n ", "")
    return {s.marker for s in SECRETS if s.marker in text}


@dataclass
class Foreign:
    """Olga's alliance B, with one of every kind of object."""

    alliance: Alliance
    ids: dict[str, int]  # object type -> id


@dataclass
class Scene:
    alliance: Alliance
    users: dict[str, User]  # persona -> user
    values: dict[str, int | str]  # URL values of alliance A, and of Ana's own template, token, copy
    written_prompt_ids: list[int]  # the prompts with a reflection of anyone's
    p1: int
    p2: int
    p3: int
    checkin_c1: int
    checkin_c2: int
    term_revision: int
    term_ids: list[int]  # of version 1
    ana_p1_reflection: int
    fred_p1_reflection: int
    candidate: int
    invitation_token: str  # Ivy's, not yet used
    feed_tokens: dict[str, str]  # persona -> raw calendar feed token
    foreign: Foreign
    mails: list[Any] = field(default_factory=list)  # every EmailMessage sent while building
    log_lines: list[str] = field(default_factory=list)

    def token_for(self, route_name: str, persona: str) -> str:
        """The <token> of a URL as `persona` would hold it: their own feed, their own
        unsubscribe link, Ivy's invitation; a token that matches nothing otherwise."""
        user = self.users.get(persona)
        if route_name == "calendar_feed" and persona in self.feed_tokens:
            return self.feed_tokens[persona]
        if route_name == "unsubscribe" and user is not None:
            return unsubscribe_token(user=user, kind="conversation")
        if route_name == "invitation_accept" and persona == "invitee":
            return self.invitation_token
        return "no-such-token-x7Jq2"

    def client(self, persona: str, enforce_csrf_checks: bool = True) -> Client:
        # A view that fails answers 500 here, as to a person, so a walk reports every
        # failing URL rather than stopping at the first.
        browser = Client(enforce_csrf_checks=enforce_csrf_checks, raise_request_exception=False)
        if persona != "anonymous":
            browser.force_login(self.users[persona])
        return browser


# Building -----------------------------------------------------------------------------


def _ratings(checkin: CheckIn, comment: str = "") -> dict[int, tuple[str, str]]:
    ids = [t["id"] for t in checkin.version.snapshot["terms"]]
    return {term_id: ("well", comment if i == 0 else "") for i, term_id in enumerate(ids)}


def _party(alliance: Alliance, user: User) -> Party:
    return Party.objects.select_related("alliance", "user").get(alliance=alliance, user=user)


def build_scene(clock: Any) -> Scene:
    def later() -> None:
        clock.shift(timedelta(hours=1))

    ana = make_user("Ana", "ana@scene.example", time_zone="Europe/Berlin")
    ben = make_user("Ben", "ben@scene.example")
    fred = make_user("Fred", "fred@scene.example")
    cleo = make_user("Cleo", "cleo@scene.example", time_zone="America/New_York")
    olga = make_user("Olga", "olga@scene.example")
    ivy = make_user("Ivy", "ivy@scene.example")
    pat = make_user("Pat", "pat@scene.example")
    sam = make_user("Sam", "sam@scene.example")

    alliance = make_alliance(ana, title=TITLE)
    join(alliance, ben, role="client")
    join(alliance, fred, role="mentor")
    # Sam observes from here on: nothing below waits for him.
    join(alliance, sam, role="sponsor", as_observer=True)
    a, b, f = (_party(alliance, u) for u in (ana, ben, fred))
    for party in (a, b):
        for grant in ObserverGrant:
            alliance_services.observer_allowance_set(party=party, grant=grant, agreed=True)
    term = propose(a, TERM_TEXT)
    propose(a, "I answer messages within two working days.", category=Category.COMMUNICATION)
    ratify_with([a, b, f])
    tending_services.rhythm_set(
        party=a,
        starts_on=(now() + timedelta(days=20)).date(),
        at_time=time(10, 0),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    stake = plant(a, includes_observers=True)
    prompts = prompts_of(alliance)
    p1, p2, p3 = prompts[0], prompts[1], prompts[2]
    share(f, stake, p1, FRED_P1.text)
    fred_p1 = Reflection.objects.get(stake=stake, prompt=p1, party=f)
    later()

    alliance_services.party_leave(party=f)
    candidate = stake.candidates.first()
    assert candidate is not None
    conversation_services.stake_answer(party=b, stake_id=stake.pk, works=[candidate.pk])
    share(a, stake, p1, ANA_P1.text)
    share(b, stake, p1, BEN_P1.text)
    ana_p1 = Reflection.objects.get(stake=stake, prompt=p1, party=a)
    for party, text, prompt in [(a, ANA_DRAFT.text, p2), (b, BEN_DRAFT.text, p2)]:
        conversation_services.reflection_save(
            party=party, stake_id=stake.pk, prompt_id=prompt.pk, text=text, revision=None
        )
    conversation_services.reflection_save(
        party=a, stake_id=stake.pk, prompt_id=p3.pk, text=ANA_SKIPPED.text, revision=None
    )
    conversation_services.reflection_skip(party=a, stake_id=stake.pk, prompt_id=p3.pk)

    c1 = tending_services.checkin_start(party=a)
    tending_services.checkin_answer(
        party=a,
        checkin_id=c1.pk,
        ratings=_ratings(c1, ANA_COMMENT.text),
        reflection=ANA_CHECKIN_DRAFT.text,
    )
    tending_services.checkin_answer(
        party=b, checkin_id=c1.pk, ratings=_ratings(c1), reflection="Ben at C1.", share=True
    )
    tending_services.checkin_close(party=a, checkin_id=c1.pk, outcome="kept")
    c2 = tending_services.checkin_start(party=a)
    for party, text in [(a, ANA_C2.text), (b, BEN_C2.text)]:
        tending_services.checkin_answer(
            party=party, checkin_id=c2.pk, ratings=_ratings(c2), reflection=text, share=True
        )
    signal = tending_services.signal_raise(party=b, note=SIGNAL_NOTE, term_id=term.pk)
    later()

    join(alliance, cleo, role="client")
    c = _party(alliance, cleo)
    for grant in ObserverGrant:
        alliance_services.observer_allowance_set(party=c, grant=grant, agreed=True)
    # Cleo takes everything she may in her daily digest, which the sweep reads too.
    outbox_services.preferences_update(
        user=cleo,
        deliveries={kind: "digest" for kind in OPTIONAL_KINDS},
        checkin_reminder_days=3,
    )
    later()

    # What the others hear about: a term proposed and withdrawn, a signal moved on.
    passing = propose(a, "We keep Fridays free of meetings.")
    term_services.term_withdraw(party=a, term_id=passing.pk, revision=passing.revision)
    second = tending_services.signal_raise(party=b, note="The Friday rule slipped already.")
    tending_services.signal_acknowledge(party=a, signal_id=second.pk)
    tending_services.signal_resolve(party=a, signal_id=second.pk, resolution="We talked.")

    # A prompt revealed after Cleo joined, to all three: the reflection every current
    # party may read.
    custom = conversation_services.prompt_add(
        party=a, theme="feel", text="What would make next month feel lighter?"
    )
    for party in (a, b, c):
        share(party, stake, custom, f"I would like lighter months, {party.user.name}.")
    shared_by_all = Reflection.objects.get(stake=stake, prompt=custom, party=b)
    invitation, invitation_token = alliance_services.invitation_create(
        party=a, email=ivy.email, role_label="observer"
    )
    rhythm = Rhythm.objects.get(alliance=alliance)
    assert rhythm.next_at is not None
    tending_services.checkin_reminders_due(rhythm.next_at - timedelta(hours=2))
    tending_services.checkin_reminders_due(rhythm.next_at - timedelta(days=2))

    foreign = _build_foreign(olga, pat)
    # Late enough for every first nudge, within the horizon nudges look back over.
    nudges_queue(now() + timedelta(days=3))
    digests_queue(now() + timedelta(days=2))
    users = {
        "party": ana,
        "other_party": ben,
        "former_party": fred,
        "late_joiner": cleo,
        "outsider": olga,
        "invitee": ivy,
        "observer": sam,
    }
    feed_tokens = {
        persona: tending_services.calendar_feed_renew(user=user) for persona, user in users.items()
    }
    term.refresh_from_db()
    # Ana keeps the alliance as a template of her own: its terms carry A's markers, so a
    # template page shown to anyone else would be caught showing them.
    template = starting_services.template_save(party=a, name=f"{TITLE} as a template")
    # Ana's own things the API names by id: an access token, and a copy of her data
    # asked for long ago that expired (no worker builds it).
    ana_token, _ = access_token_create(user=ana, name="Ana's calendar assistant", scope="read")
    ana_copy = DataCopy.objects.create(user=ana, state=DataCopyState.EXPIRED)
    return Scene(
        alliance=alliance,
        users=users,
        values={
            "alliance_id": alliance.pk,
            "term_id": term.pk,
            "number": 1,
            "invitation_id": invitation.pk,
            "stake_id": stake.pk,
            "prompt_id": custom.pk,
            "reflection_id": shared_by_all.pk,
            "checkin_id": c2.pk,
            "signal_id": signal.pk,
            "template_id": template.pk,
            "key": "coaching",
            "party_id": a.pk,
            "token_id": ana_token.pk,
            "copy_id": ana_copy.pk,
        },
        written_prompt_ids=sorted(
            set(Reflection.objects.filter(stake=stake).values_list("prompt_id", flat=True))
        ),
        p1=p1.pk,
        p2=p2.pk,
        p3=p3.pk,
        checkin_c1=c1.pk,
        checkin_c2=c2.pk,
        term_revision=term.revision,
        term_ids=[t["id"] for t in c2.version.snapshot["terms"]],
        ana_p1_reflection=ana_p1.pk,
        fred_p1_reflection=fred_p1.pk,
        candidate=candidate.pk,
        invitation_token=invitation_token,
        feed_tokens=feed_tokens,
        foreign=foreign,
    )


def _build_foreign(olga: User, pat: User) -> Foreign:
    m = FOREIGN_MARKERS
    alliance = make_alliance(olga, title=FOREIGN_TITLE, kind="team", role="team lead")
    join(alliance, pat, role="team member")
    o, p = _party(alliance, olga), _party(alliance, pat)
    term = propose(o, f"We pair on Fridays, {m['term']}.")
    version = ratify_with([o, p])
    invitation, _ = alliance_services.invitation_create(party=o, email=m["invitation"])
    stake = plant(o)
    candidate = stake.candidates.first()
    assert candidate is not None
    prompt = conversation_services.prompt_add(
        party=o, theme="values", text=f"What do we value, {m['prompt']}?"
    )
    share(o, stake, prompt, f"I value focus, {m['reflection']}.")
    share(p, stake, prompt, "I value calm Fridays.")
    reflection = Reflection.objects.get(stake=stake, prompt=prompt, party=o)
    conversation_services.reflection_save(
        party=o,
        stake_id=stake.pk,
        prompt_id=prompts_of(alliance)[0].pk,
        text=f"Only mine: {m['draft']}.",
        revision=None,
    )
    checkin = tending_services.checkin_start(party=o)
    tending_services.checkin_answer(
        party=o,
        checkin_id=checkin.pk,
        ratings=_ratings(checkin),
        reflection=f"Working well, {m['checkin']}.",
        share=True,
    )
    signal = tending_services.signal_raise(party=p, note=f"We drift, {m['signal']}.")
    return Foreign(
        alliance=alliance,
        ids={
            "alliance": alliance.pk,
            "term": term.pk,
            "invitation": invitation.pk,
            "stake": stake.pk,
            "candidate": candidate.pk,
            "prompt": prompt.pk,
            "reflection": reflection.pk,
            "checkin": checkin.pk,
            "signal": signal.pk,
            "version": version.pk,
        },
    )


# Snapshots ---------------------------------------------------------------------------

# Every model that holds part of an alliance, with the path from it to the alliance.
ALLIANCE_ROWS: list[tuple[type[models.Model], str]] = [
    (Alliance, "pk"),
    (Party, "alliance"),
    (ObserverAllowance, "alliance"),
    (Invitation, "alliance"),
    (Event, "alliance"),
    (Term, "alliance"),
    (Consent, "term__alliance"),
    (Version, "alliance"),
    (Stake, "alliance"),
    (CandidateTime, "stake__alliance"),
    (TimeAnswer, "candidate__stake__alliance"),
    (AlliancePrompt, "alliance"),
    (Reflection, "stake__alliance"),
    (ReflectionRevision, "reflection__stake__alliance"),
    (TermOrigin, "term__alliance"),
    (Rhythm, "alliance"),
    (CheckIn, "alliance"),
    (Rating, "checkin__alliance"),
    (CheckInReflection, "checkin__alliance"),
    (Signal, "alliance"),
    (SignalPolicy, "alliance"),
    (ReminderSent, "alliance"),
    (AllianceStart, "alliance"),
    (ClosingProposal, "alliance"),
    (ClosingAgreement, "proposal__alliance"),
]


def snapshot(alliance_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the alliance, every field: equal snapshots mean nothing changed."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for model, path in ALLIANCE_ROWS:
        manager = model._base_manager
        rows[model.__name__] = list(manager.filter(**{path: alliance_id}).order_by("pk").values())
    # Mail to anyone who is or was a party, or was invited: one of its parts changed.
    addresses = {party["user_id"] for party in rows["Party"]}
    emails = set(User.objects.filter(pk__in=addresses).values_list("email", flat=True))
    emails |= {invitation["email"] for invitation in rows["Invitation"]}
    rows["OutboxMessage"] = list(
        OutboxMessage.objects.filter(to_email__in=emails).order_by("pk").values("pk", "subject")
    )
    return rows


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# The module fixture -------------------------------------------------------------------


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


def scene_fixture(django_db_blocker: Any) -> Iterator[Scene]:
    """Build the scene in a transaction kept open for the module, then roll it back.

    Each test's own `db` transaction is a savepoint inside it, so what a test changes is
    undone after the test, and the scene is undone after the module.
    """
    # pytest-django sets up the test database only when a collected test asks for one.
    name, test_name = connection.settings_dict["NAME"], connection.settings_dict["TEST"]["NAME"]
    if not (name == test_name if test_name else str(name).startswith("test_")):
        raise RuntimeError(
            f"{name} is not the test database: a test using the scene must use `db` too"
        )
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        handler = _LogLines()
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        start = datetime.now(UTC) - timedelta(hours=6)
        try:
            with (
                override_settings(
                    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                    TASKS={
                        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
                    },
                    OUTBOX_SEND_IMMEDIATELY=True,
                ),
                time_machine.travel(start, tick=True) as clock,
            ):
                mail.outbox = []
                built = build_scene(clock)
                built.mails = list(mail.outbox)
        except BaseException:
            root.removeHandler(handler)
            root.setLevel(level)
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        root.removeHandler(handler)
        root.setLevel(level)
        built.log_lines = handler.lines
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# Routes -------------------------------------------------------------------------------


def csrf_token(browser: Client, persona: str) -> str:
    """A valid CSRF token, read from a form as a browser would."""
    page = browser.get("/accounts/login/" if persona == "anonymous" else "/profile/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found, f"no CSRF token on the page {persona} opened"
    return found.group(1)
