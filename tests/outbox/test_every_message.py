"""Every kind of message Alliance sends, as a mail server receives it, read by Python's own
`email` parser the way a mail client would.

The story below makes the product send each message once (every outbox kind, each
conversation and nudge template, every account mail of allauth) through a real SMTP server
(aiosmtpd). Each check then runs on each message it applies to, one test per (message,
check), so pytest's closing line is the count of checks passed and failed:

- `auto_submitted`: `Auto-Submitted: auto-generated` (RFC 3834), so no vacation responder
  answers it;
- `list_id`: a `List-Id` per kind (RFC 2919), `<kind.host>` from ALLIANCE_BASE_URL, that
  mail filters can sort on;
- `subject`: decodes to the subject we wrote, without leading or trailing space, named
  after the site;
- `alternatives`: a text/plain and a text/html part side by side in a
  multipart/alternative;
- `layout`: the HTML part is our one layout (`emails/_layout.html`);
- `site_name`: no blank site name, nor any other blank, in the text ("Hello from !");
- `links`: every link in the text and HTML parts is on ALLIANCE_BASE_URL;
- `calendar`: a calendar mail carries `text/calendar; method=...` inside the alternative
  and the same invitation as `invite.ics`; any other mail carries no calendar at all.
"""

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import override_settings
from icalendar import Calendar

from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.conversations import services as conversation_services
from alliance.outbox import services as outbox_services
from alliance.outbox.digests import digests_queue
from alliance.outbox.nudges import nudges_queue
from alliance.record.takeout import data_copies_build_in_chunks, data_copy_request
from alliance.tending import services as tending_services
from alliance.terms import services as terms_services
from alliance.webhooks.models import Delivery, Endpoint
from alliance.webhooks.services import deliver_due
from tests.conversations.factories import first_prompt, share
from tests.factories import PASSWORD, make_alliance, make_user, party_of, propose, ratify_with
from tests.helpers import LINK, path_of
from tests.outbox.smtp import SMTPSink, running_smtp_server
from tests.test_headers_and_files import fresh_env

# Each test reads the module's story; the mark has pytest-django set up the database for it.
pytestmark = pytest.mark.django_db

BASE_URL = "https://alliance.example.org"
HOST = "alliance.example.org"
START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # a Monday
NEW_PASSWORD = "another long password 88"
PLACE = "Room 4, the garden house"

# Every message the story sends: its name, and the kind of email it is.
MESSAGES = {
    "account/email_confirmation_signup": "account",
    "account/account_already_exists": "account",
    "account/password_reset_key": "account",
    "account/unknown_account": "account",
    "account/password_reset": "account",
    "account/password_changed": "account",
    "account/password_set": "account",
    "account/email_confirmation": "account",
    "account/email_changed": "account",
    "account/email_deleted": "account",
    "invitation": "invitation",
    "joined": "joined",
    "ratified": "ratified",
    "checkin_reminder": "checkin_reminder",
    "tending_signal": "tending_signal",
    "alliance_changed": "alliance_changed",
    "signal_acknowledged": "signal_progress",
    "signal_resolved": "signal_progress",
    "term_proposed": "term_change",
    "term_edited": "term_change",
    "stake_proposed": "conversation",
    "stake_answered": "conversation",
    "stake_countered": "conversation",
    "stake_scheduled": "calendar",
    "stake_updated": "calendar",
    "stake_cancelled": "calendar",
    "stake_withdrawn": "conversation",
    "nudge_times": "nudge",
    "nudge_terms": "nudge",
    "nudge_reflections": "nudge",
    "nudge_checkin": "nudge",
    "digest": "digest",
    "data_copy": "data_copy",
    "webhook_disabled": "webhook_disabled",
}
CALENDAR_METHODS = {"stake_scheduled": "REQUEST", "stake_updated": "REQUEST"}
CALENDAR_METHODS["stake_cancelled"] = "CANCEL"


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default_policy).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


@dataclass
class Mailbag:
    """The raw bytes of every message the story sent, by the name of what sent it."""

    sink: SMTPSink
    seen: int = 0
    raw: dict[str, list[bytes]] = field(default_factory=dict)

    def take(self, name: str) -> list[EmailMessage]:
        """File the messages received since the last call under `name`."""
        with self.sink.lock:
            new = self.sink.raw[self.seen :]
            self.seen = len(self.sink.raw)
        self.raw.setdefault(name, []).extend(new)
        return [parse(r) for r in new]


def link_in(messages: list[EmailMessage], fragment: str) -> str:
    for message in messages:
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            for link in LINK.findall(body.get_content()):
                if fragment in link:
                    return link
    raise AssertionError(f"no link with {fragment} in {len(messages)} message(s)")


def account_mails(bag: Mailbag) -> None:
    """Every account mail of allauth, through the pages a person uses."""
    visitor = Client()
    signup = {
        "display_name": "Dora",
        "time_zone": "Europe/Berlin",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    visitor.post("/accounts/signup/", {**signup, "email": "dora@example.org"})
    confirm = link_in(bag.take("account/email_confirmation_signup"), "/confirm-email/")
    make_user("Finn", "finn@example.org")
    Client().post("/accounts/signup/", {**signup, "email": "finn@example.org"})
    bag.take("account/account_already_exists")
    visitor.post(path_of(confirm))
    bag.take("confirmed")  # allauth sends nothing here; anything it did would be filed

    Client().post("/accounts/password/reset/", {"email": "dora@example.org"})
    reset = link_in(bag.take("account/password_reset_key"), "/password/reset/key/")
    Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    bag.take("account/unknown_account")
    resetter = Client()
    form = resetter.get(path_of(reset), follow=True)
    resetter.post(form.request["PATH_INFO"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    bag.take("account/password_reset")

    dora = Client()
    assert dora.login(email="dora@example.org", password=NEW_PASSWORD)
    dora.post(
        "/accounts/password/change/",
        {"oldpassword": NEW_PASSWORD, "password1": PASSWORD, "password2": PASSWORD},
    )
    bag.take("account/password_changed")

    dora.post("/accounts/email/", {"email": "dora.new@example.org", "action_add": ""})
    confirm = link_in(bag.take("account/email_confirmation"), "/confirm-email/")
    dora.post(path_of(confirm))
    bag.take("confirmed")
    dora.post("/accounts/email/", {"email": "dora.new@example.org", "action_primary": ""})
    bag.take("account/email_changed")
    dora.post("/accounts/email/", {"email": "dora@example.org", "action_remove": ""})
    bag.take("account/email_deleted")

    # Someone whose account has no password yet (made by an operator) sets one.
    eve = make_user("Eve", "eve@example.org")
    User.objects.filter(pk=eve.pk).update(password=make_password(None))
    as_eve = Client()
    as_eve.force_login(User.objects.get(pk=eve.pk))
    as_eve.post("/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD})
    bag.take("account/password_set")


def alliance_mails(bag: Mailbag, clock: time_machine.Traveller) -> None:
    """Every kind of the outbox, through the services the pages call."""
    zoe = make_user("Zoë Ångström", "zoe@example.org", time_zone="Europe/Stockholm")
    ben = make_user("Ben", "ben@example.org")
    cleo = make_user("Cleo", "cleo@example.org")
    alliance = make_alliance(zoe, title="Coaching för Zoë and her team: the summer of été")
    coach = party_of(alliance, zoe)
    _, token = alliance_services.invitation_create(party=coach, email="ben@example.org")
    bag.take("invitation")
    alliance_services.invitation_accept(raw_token=token, user=ben, role_label="client")
    bag.take("joined")
    _, token = alliance_services.invitation_create(party=coach)
    alliance_services.invitation_accept(raw_token=token, user=cleo, role_label="client")
    bag.take("joined")
    client, other = party_of(alliance, ben), party_of(alliance, cleo)

    term = propose(coach, "We meet every other Tuesday at nine.")
    bag.take("term_proposed")
    terms_services.term_edit(
        party=coach,
        term_id=term.pk,
        revision=term.revision,
        category=term.category,
        text="We meet every other Tuesday at half past nine.",
    )
    bag.take("term_edited")
    ratify_with([coach, client, other])
    bag.take("ratified")

    signal = tending_services.signal_raise(
        party=client, note="The Tuesday slot no longer works for me."
    )
    bag.take("tending_signal")
    # Cleo has the news of signals in her daily digest.
    outbox_services.preferences_update(
        user=cleo, deliveries={"signal_progress": "digest"}, checkin_reminder_days=3
    )
    tending_services.signal_acknowledge(party=coach, signal_id=signal.pk)
    bag.take("signal_acknowledged")
    tending_services.signal_resolve(party=coach, signal_id=signal.pk, resolution="Thursdays now.")
    bag.take("signal_resolved")
    digests_queue(START + timedelta(days=1, hours=9))
    bag.take("digest")

    alliance_services.alliance_details_change(
        party=coach,
        revision=alliance.revision,
        title="Coaching för Zoë: the autumn",
        purpose="Zoë leads her team through the autumn with calm.",
    )
    bag.take("alliance_changed")

    tending_services.rhythm_set(
        party=coach, starts_on=date(2026, 5, 29), at_time=time(10), rule="FREQ=WEEKLY;INTERVAL=6"
    )
    tending_services.checkin_reminders_due(datetime(2026, 5, 26, 12, tzinfo=UTC))
    bag.take("checkin_reminder")

    tomorrow = (START + timedelta(days=1)).replace(hour=9)
    stake = conversation_services.stake_plant(
        party=coach,
        kind="design",
        times=[tomorrow, tomorrow + timedelta(days=1)],
        duration_minutes=60,
        location=PLACE,
    )
    bag.take("stake_proposed")
    first = stake.candidates.order_by("starts_at").first()
    conversation_services.stake_answer(party=client, stake_id=stake.pk, works=[first.pk])
    bag.take("stake_answered")
    conversation_services.stake_counter(
        party=other, stake_id=stake.pk, times=[tomorrow + timedelta(days=2)]
    )
    bag.take("stake_countered")
    countered = stake.candidates.get(starts_at=tomorrow + timedelta(days=2))
    for party in (client, coach):
        conversation_services.stake_answer(party=party, stake_id=stake.pk, works=[countered.pk])
    bag.take("setup")
    conversation_services.stake_schedule(party=coach, stake_id=stake.pk, candidate_id=countered.pk)
    bag.take("stake_scheduled")
    conversation_services.stake_reschedule(
        party=coach, stake_id=stake.pk, starts_at=tomorrow + timedelta(days=3)
    )
    bag.take("stake_updated")
    conversation_services.stake_cancel(party=coach, stake_id=stake.pk)
    bag.take("stake_cancelled")

    withdrawn = conversation_services.stake_plant(
        party=client, kind="checkin", times=[tomorrow], duration_minutes=30, location=PLACE
    )
    bag.take("stake_proposed")
    conversation_services.stake_cancel(party=client, stake_id=withdrawn.pk)
    bag.take("stake_withdrawn")

    # Each nudge on its own: wait on one thing, let the nudge come, then settle it.
    waiting = conversation_services.stake_plant(
        party=coach, kind="design", times=[tomorrow], duration_minutes=30, location=PLACE
    )
    bag.take("stake_proposed")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    bag.take("nudge_times")
    conversation_services.stake_cancel(party=coach, stake_id=waiting.pk)
    bag.take("stake_withdrawn")

    propose(coach, "I answer messages within two working days.", category="communication")
    bag.take("term_proposed")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    bag.take("nudge_terms")
    ratify_with([coach, client, other])
    bag.take("ratified")

    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    talk = conversation_services.stake_plant(
        party=coach, kind="design", times=[day], duration_minutes=60, location=PLACE
    )
    for party in (client, other):
        conversation_services.stake_answer(
            party=party, stake_id=talk.pk, works=[talk.candidates.get().pk]
        )
    conversation_services.stake_schedule(
        party=coach, stake_id=talk.pk, candidate_id=talk.candidates.get().pk
    )
    bag.take("setup")
    share(coach, talk, first_prompt(talk), "I hope our sessions feel calm and honest.")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    bag.take("nudge_reflections")
    conversation_services.stake_cancel(party=coach, stake_id=talk.pk)
    bag.take("setup")

    checkin = tending_services.checkin_start(party=coach)
    ids = [t["id"] for t in checkin.version.snapshot["terms"]]
    for party in (coach, client):
        tending_services.checkin_answer(
            party=party,
            checkin_id=checkin.pk,
            ratings={i: ("well", "") for i in ids},
            reflection="",
            share=False,
        )
    bag.take("setup")
    clock.shift(timedelta(days=2, minutes=1))
    nudges_queue()
    bag.take("nudge_checkin")

    data_copy_request(user=zoe)
    for _ in data_copies_build_in_chunks():
        pass
    bag.take("data_copy")

    # Zoë's webhook fails three deliveries in a row, every attempt spent: it is turned off.
    hook = Endpoint.objects.create(
        owner=zoe, url="http://127.0.0.1:9/hook", events=["signal.raised"]
    )
    with override_settings(WEBHOOKS_MAX_ATTEMPTS=1, WEBHOOKS_DISABLE_AFTER=3):
        for i in range(3):
            tending_services.signal_raise(party=coach, note=f"Signal {i}.")
            bag.take("setup")
            deliver_due(ids=Delivery.objects.filter(endpoint=hook).values_list("pk", flat=True))
    bag.take("webhook_disabled")


@pytest.fixture(scope="module")
def mailbag(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Mailbag]:
    """Run the story once for the module, in a transaction rolled back at the end."""
    with (
        running_smtp_server() as sink,
        django_db_blocker.unblock(),
        override_settings(
            BASE_URL=BASE_URL,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            OUTBOX_SEND_IMMEDIATELY=True,
            DATA_COPY_DIR=tmp_path_factory.mktemp("copies"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        time_machine.travel(START, tick=False) as clock,
    ):
        bag = Mailbag(sink=sink)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            account_mails(bag)
            alliance_mails(bag, clock)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        yield bag


# The checks ---------------------------------------------------------------------------


def check_auto_submitted(name: str, message: EmailMessage) -> None:
    assert message["Auto-Submitted"] == "auto-generated"


def check_list_id(name: str, message: EmailMessage) -> None:
    kind = MESSAGES[name].replace("_", "-")
    found = re.fullmatch(r'(?:"[^"]*"\s*|[^<]*)<([^>]+)>', str(message["List-Id"] or ""))
    assert found, f"List-Id is {message['List-Id']!r}"
    assert found.group(1) == f"{kind}.{HOST}"


def check_subject(name: str, message: EmailMessage) -> None:
    subject = str(message["Subject"])
    assert subject == subject.strip(), repr(subject)
    assert "\n" not in subject, repr(subject)
    assert "  " not in subject, repr(subject)
    assert subject.startswith("[Alliance] "), repr(subject)
    assert len(subject) > len("[Alliance] "), repr(subject)


def _alternative(message: EmailMessage) -> EmailMessage:
    """The multipart/alternative: the message itself, or the first part of a mixed one."""
    if message.get_content_type() == "multipart/alternative":
        return message
    for part in message.iter_parts():
        if part.get_content_type() == "multipart/alternative":
            assert isinstance(part, EmailMessage)
            return part
    raise AssertionError(f"no multipart/alternative in {message.get_content_type()}")


def check_alternatives(name: str, message: EmailMessage) -> None:
    types = [p.get_content_type() for p in _alternative(message).iter_parts()]
    assert types[:2] == ["text/plain", "text/html"], types
    assert set(types[2:]) <= {"text/calendar"}, types


def _content(message: EmailMessage, subtype: str) -> str:
    """The decoded text of the message's text/`subtype` body, with its lines ended by \\n
    (they come in ended by CRLF, as SMTP carries them)."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content()).replace("\r\n", "\n")


def _html(message: EmailMessage) -> str:
    return _content(message, "html")


def _text(message: EmailMessage) -> str:
    return _content(message, "plain")


def check_layout(name: str, message: EmailMessage) -> None:
    layout = render_to_string("emails/_layout.html", {"body": "@@BODY@@", "footer": "@@FOOTER@@"})
    head, rest = layout.split("@@BODY@@")
    tail = rest.split("@@FOOTER@@")[1]
    html = _html(message)
    assert html.startswith(head.strip()), html[:300]
    assert html.rstrip().endswith(tail.strip()), html[-300:]
    assert html.count("<html") == 1


def check_site_name(name: str, message: EmailMessage) -> None:
    """No blank where the site's name (or an address, a name) belongs: "Hello from !",
    "an account with , but"."""
    for text in (_text(message), str(message["Subject"])):
        assert not re.search(r"\s[!.,;:](?=\s|$)", text), text
        assert "{{" not in text, text
        assert "{%" not in text, text


def check_links(name: str, message: EmailMessage) -> None:
    for body in (_text(message), _html(message)):
        for link in LINK.findall(body):
            assert link.startswith(BASE_URL + "/"), link


def _calendars(message: EmailMessage) -> list[tuple[EmailMessage, bool]]:
    """Every text/calendar part, and whether it is an attachment."""
    return [
        (part, part.get_content_disposition() == "attachment")
        for part in message.walk()
        if isinstance(part, EmailMessage) and part.get_content_type() == "text/calendar"
    ]


def check_calendar(name: str, message: EmailMessage) -> None:
    method = CALENDAR_METHODS.get(name)
    calendars = _calendars(message)
    if method is None:
        assert calendars == [], "a calendar in a mail that is no invitation"
        return
    alternative = _alternative(message).iter_parts()
    inline = [p for p in alternative if p.get_content_type() == "text/calendar"]
    attached = [p for p, is_attachment in calendars if is_attachment]
    assert len(inline) == 1, "no text/calendar inside the multipart/alternative"
    assert len(attached) == 1, "no invite.ics attachment"
    assert attached[0].get_filename() == "invite.ics"
    texts = []
    for part in (inline[0], attached[0]):
        assert part.get_param("method") == method, part["Content-Type"]
        text = str(part.get_content())
        assert str(Calendar.from_ical(text)["METHOD"]) == method
        texts.append(text)
    assert texts[0] == texts[1], "the inline invitation and the attachment differ"


CHECKS: dict[str, Callable[[str, EmailMessage], None]] = {
    "auto_submitted": check_auto_submitted,
    "list_id": check_list_id,
    "subject": check_subject,
    "alternatives": check_alternatives,
    "layout": check_layout,
    "site_name": check_site_name,
    "links": check_links,
    "calendar": check_calendar,
}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name", MESSAGES)
def test_every_message(mailbag, name, check):
    raw = mailbag.raw.get(name, [])
    assert raw, f"the story sent no {name} message"
    for message in map(parse, raw):
        CHECKS[check](name, message)


def test_the_story_sent_nothing_unexpected(mailbag):
    """What the story sends between the messages it means to is none of them."""
    assert set(mailbag.raw) - set(MESSAGES) <= {"confirmed", "setup"}
    assert mailbag.raw.get("confirmed", []) == []


# The site's name, from the configuration ------------------------------------------------


def test_mail_is_named_after_the_site_the_operator_configured(db, settings, smtp_settings):
    settings.SITE_NAME = "Acme Coaching"
    settings.OUTBOX_SEND_IMMEDIATELY = True
    make_user("Dora", "dora@example.org")
    Client().post("/accounts/password/reset/", {"email": "dora@example.org"})
    [raw] = smtp_settings.raw
    message = parse(raw)
    assert message["Subject"] == "[Acme Coaching] Choose a new password"
    assert "your account on Acme Coaching." in _text(message)
    assert "Acme Coaching sends this message" in _html(message)


@pytest.mark.parametrize(
    ("configured", "name"),
    [(None, "Alliance"), ("  Acme   Coaching ", "Acme Coaching"), ("   ", "Alliance")],
)
def test_the_site_name_is_read_from_the_environment_and_never_blank(tmp_path, configured, name):
    extra = {} if configured is None else {"ALLIANCE_SITE_NAME": configured}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_NAME)"],
        env=fresh_env(tmp_path, DJANGO_SETTINGS_MODULE="alliance.settings", **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == name
