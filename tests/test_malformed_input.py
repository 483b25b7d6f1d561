"""Malformed input gets an answer, never a server error.

Every URL pattern of the project (accounts and admin aside: allauth's and Django's own) is
walked as a signed-in party, by GET and by POST, with NUL bytes, digits that are not
ASCII, numbers too big for any column, negative numbers, empty strings, 100,000
characters and out-of-calendar dates, in every field name a view or form reads; and with
ids too big for any column in every id slot of the URL. A failure names the URL, the
fields and the value.
"""

import importlib
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from alliance.alliances.models import Invitation
from alliance.conversations import services as conversation_services
from alliance.conversations.models import Stake, StakeState
from alliance.lib.clock import now
from alliance.outbox.models import OPTIONAL_KINDS
from alliance.starting.models import Template
from alliance.tending import services as tending_services
from alliance.tending.models import Rating
from alliance.webhooks.models import Endpoint
from tests.conftest import login
from tests.conversations.factories import first_prompt, plant, share, soon
from tests.factories import propose, ratify_with
from tests.helpers import page_text

HUGE = "99999999999999999999999"
# Every field gets the first four; each kind of field gets more of its own.
EVERY_FIELD = ["\x00", "²", HUGE, ""]
BAD_VALUES = {
    "number": [*EVERY_FIELD, "١٢", "-" + HUGE, "-1", "1\x00"],
    "text": [*EVERY_FIELD, "I hope\x00we stay honest"],
    "date": [*EVERY_FIELD, "9999-12-31T23:59", "9999-12-31", "0001-01-01", "23:59\x00"],
    "choice": EVERY_FIELD,
}
ALL_BAD = list(dict.fromkeys(value for values in BAD_VALUES.values() for value in values))
# Sent by POST only (no server takes a query string this long), in groups small enough for
# Django's 2.5 MB limit on a request body: a larger body is refused before any view runs.
LONG = "x" * 100_000
LONG_FIELDS_PER_REQUEST = 20
# Ids too big for any column (the first two), and the largest a column holds (not found).
FORM = "application/x-www-form-urlencoded"
BAD_IDS = [HUGE, str(2**63), str(2**63 - 1)]

# Names read straight from the request rather than through a form field.
READ_DIRECTLY = {
    "number": ["candidate", "works", "from", "to", "prompt"],
    "choice": ["action", "share", "outcome"],
    "text": [],
    "date": [],
}
# What the brief of the sweep adds, in case a view reads a name no form declares.
PLAUSIBLE = [
    "text", "comment", "note", "reflection", "title", "purpose", "name", "email", "emails",
    "role_label", "category", "decision", "revision", "candidate", "candidates", "works",
    "starts_at", "date", "time", "interval", "weekday", "day", "prompt", "theme", "kind",
]  # fmt: skip
FORM_MODULES = [
    "alliance.accounts.forms",
    "alliance.alliances.forms",
    "alliance.conversations.forms",
    "alliance.feedback.forms",
    "alliance.outbox.forms",
    "alliance.starting.forms",
    "alliance.tending.forms",
    "alliance.terms.forms",
]


def _category(field: forms.Field) -> str:
    if isinstance(field, forms.IntegerField) or getattr(field, "coerce", None) is int:
        return "number"
    if isinstance(field, forms.DateField | forms.DateTimeField | forms.TimeField):
        return "date"
    if isinstance(field, forms.ChoiceField | forms.BooleanField):
        return "choice"
    return "text"


def field_names() -> dict[str, set[str]]:
    """Every field name of every form of the project, by kind of value."""
    found: dict[str, set[str]] = {kind: set(names) for kind, names in READ_DIRECTLY.items()}
    for module in FORM_MODULES:
        for thing in vars(importlib.import_module(module)).values():
            if isinstance(thing, type) and issubclass(thing, forms.BaseForm):
                for name, field in thing.base_fields.items():
                    found[_category(field)].add(name)
    # Fields made per instance: the candidate times of a stake.
    found["date"] |= {f"time_{n}" for n in range(1, conversation_services.MAX_CANDIDATES + 1)}
    # and how each kind of email comes.
    found["choice"] |= {f"delivery_{kind}" for kind in OPTIONAL_KINDS}
    found["text"] |= set(PLAUSIBLE) - set().union(*found.values())
    return found


def walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += walk(entry, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


def routes() -> list[str]:
    """Every page's route; the JSON API is left to schemathesis (tests/api), which
    fuzzes each of its operations from the OpenAPI document."""
    seen = {
        route: None
        for route, _ in walk(get_resolver())
        if not route.startswith(("accounts/", "admin/", "api/", "^api/"))
        and route != "static/<path:path>"
    }
    return list(seen)


SLOT = re.compile(r"<(?:(\w+):)?(\w+)>")


def fill(route: str, values: dict[str, str], override: dict[str, str] | None = None) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        assert name in values, f"the sweep does not know how to fill <{name}> in {route}"
        return (override or {}).get(name, values[name])

    return "/" + SLOT.sub(one, route)


@pytest.fixture
def world(cast) -> dict[str, Any]:
    """An alliance with something behind every URL: a ratified version and a draft term,
    a pending invitation, a conversation still finding a time and one scheduled, shared
    reflections, an open check-in and a tending signal."""
    propose(cast.coach_party, "We meet weekly.")
    ratify_with([cast.coach_party, cast.client_party])
    term = propose(cast.coach_party, "We answer within a day.")
    invitation = Invitation.objects.create(
        alliance=cast.alliance,
        invited_by=cast.coach,
        email="cleo@example.org",
        token_hash="0" * 64,
        expires_at=now() + timedelta(days=14),
    )
    scheduled = plant(cast.coach_party, [soon(3)])
    conversation_services.stake_answer(
        party=cast.client_party, stake_id=scheduled.pk, works=[scheduled.candidates.get().pk]
    )
    stake = plant(cast.coach_party, [soon(5), soon(6)])
    prompt = first_prompt(stake)
    share(cast.coach_party, stake, prompt, "I want our sessions to feel honest.")
    share(cast.client_party, stake, prompt, "I want honest and calm sessions.")
    checkin = tending_services.checkin_start(party=cast.coach_party)
    signal = tending_services.signal_raise(party=cast.coach_party, note="We drift.")
    terms = [t["id"] for t in cast.alliance.versions.get().snapshot["terms"]]
    ids = {
        "alliance_id": cast.alliance.pk,
        "checkin_id": checkin.pk,
        "signal_id": signal.pk,
        "term_id": term.pk,
        "number": 1,
        "invitation_id": invitation.pk,
        "stake_id": stake.pk,
        "prompt_id": prompt.pk,
        "reflection_id": stake.reflections.first().pk,
        "token": "not-a-token",
        "template_id": Template.objects.create(owner=cast.coach, name="Mine", kind="team").pk,
        "key": "coaching",
        "endpoint_id": Endpoint.objects.create(
            owner=cast.coach, url="https://hooks.example.org/alliance", events=["term.proposed"]
        ).pk,
    }
    later = (now() + timedelta(days=9)).strftime("%Y-%m-%dT10:00")
    valid = {
        "kind": "design",
        "duration_minutes": "60",
        "location": "Room 4",
        "note": "I notice we drift.",
        "groundwork": "I care about this working for both of us.",
        "time_1": later,
        "starts_at": later,
        "revision": "1",
        "text": "I hope we stay honest.",
        "action": "save",
        "theme": "feel",
        "category": "rhythm",
        "decision": "agree",
        "comment": "Fine by me.",
        "title": "Another alliance",
        "purpose": "Grow.",
        "role_label": "coach",
        "email": "new@example.org",
        "starts_on": later[:10],
        "at_time": "10:00",
        "repeat": "weeks",
        "interval": "6",
        "ordinal": "1",
        "weekday": "TU",
        "monthday": "1",
        "resolution": "We talked it over.",
        "version_number": "1",
        "outcome": "kept",
        "reflection": "I feel heard.",
        "candidate": str(stake.candidates.first().pk),
        "works": str(stake.candidates.first().pk),
        "from": "1",
        "to": "1",
        "prompt": str(prompt.pk),
        "checkin_reminder_days": "3",
        **{f"delivery_{kind}": "digest" for kind in OPTIONAL_KINDS},
        "template": "coaching",
        "name": "A template",
    }
    names = field_names()
    for term_id in terms:
        valid[f"score-{term_id}"] = "well"
        valid[f"comment-{term_id}"] = "Working."
        names["choice"].add(f"score-{term_id}")
        names["text"].add(f"comment-{term_id}")
    return {
        "cast": cast,
        "ids": {k: str(v) for k, v in ids.items()},
        "valid": valid,
        "names": names,
    }


class Sweep:
    """Sends requests as one party and keeps what failed, with what was sent."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.requests = 0
        self.failures: list[str] = []

    def send(self, method: str, url: str, data: dict[str, Any], what: str) -> None:
        self.requests += 1
        try:
            if method == "GET":
                response = self.client.get(url, data)
            else:
                # As a browser posts a form without files.
                body = urlencode(data, doseq=True)
                response = self.client.post(url, body, content_type=FORM)
        except Exception as error:  # the test client re-raises what the view raised
            self.failures.append(f"{method} {url} [{what}]: {type(error).__name__}: {error}"[:300])
            return
        if response.status_code >= 500:
            self.failures.append(f"{method} {url} [{what}]: {response.status_code}")


def shown(value: str) -> str:
    return repr(value if len(value) < 30 else value[:10] + f"...({len(value)} chars)")


def sweep_route(sweep: Sweep, route: str, world: dict[str, Any]) -> None:
    ids, valid, names = world["ids"], world["valid"], world["names"]
    url = fill(route, ids)
    every_name = sorted(set().union(*names.values()))
    # A query string with every name at once holding the bad value...
    for value in ALL_BAD:
        query: dict[str, Any] = {name: value for name in every_name}
        query["works"] = [value, value]
        sweep.send("GET", url, query, f"every field = {shown(value)}")
    # ...and a form with one kind of field bad and the others valid, so that a form gets
    # past its other fields to the one that breaks.
    for kind, kind_names in names.items():
        for value in BAD_VALUES[kind]:
            data = {**valid, **{name: value for name in kind_names}}
            sweep.send("POST", url, data, f"{kind} fields = {shown(value)}")
        group = sorted(kind_names)
        for start in range(0, len(group), LONG_FIELDS_PER_REQUEST):
            chunk = group[start : start + LONG_FIELDS_PER_REQUEST]
            data = {**valid, **{name: LONG for name in chunk}}
            sweep.send("POST", url, data, f"{kind} fields {chunk[0]}… = 100,000 characters")
    for slot in SLOT.findall(route):
        for bad in BAD_IDS:
            bad_url = fill(route, ids, {slot[1]: bad})
            for method in ("GET", "POST"):
                sweep.send(method, bad_url, valid, f"<{slot[1]}> = {bad}")


def test_no_url_answers_malformed_input_with_a_server_error(world):
    sweep = Sweep(login(world["cast"].coach))
    all_routes = routes()
    for route in all_routes:
        # Every route starts from the same alliance: what the valid parts of one route's
        # posts change (a party leaving, a conversation cancelled) is undone before the next.
        with transaction.atomic():
            sweep_route(sweep, route, world)
            transaction.set_rollback(True)
    size = (
        f"{len(all_routes)} URL patterns, {len(set().union(*world['names'].values()))} field "
        f"names, {len(ALL_BAD) + 1} values, {sweep.requests} requests"
    )
    print(f"Malformed-input sweep: {size}")
    assert not sweep.failures, f"{len(sweep.failures)} failed ({size}):\n" + "\n".join(
        sweep.failures[:40]
    )


# The three the issue names, each as a person would meet it


def test_a_nul_byte_in_a_check_in_is_refused_and_nothing_is_saved(world):
    cast = world["cast"]
    checkin_id = world["ids"]["checkin_id"]
    data = {k: v for k, v in world["valid"].items() if k.startswith(("score-", "comment-"))}
    data["reflection"] = "I feel\x00 heard."
    response = login(cast.client).post(
        f"/alliances/{cast.alliance.pk}/checkins/{checkin_id}/", data
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in page_text(response)
    assert not Rating.objects.filter(party=cast.client_party).exists()


def test_a_time_chosen_with_a_superscript_two_gets_a_message(world):
    cast = world["cast"]
    stake_id = world["ids"]["stake_id"]
    browser = login(cast.coach)
    response = browser.post(
        f"/alliances/{cast.alliance.pk}/conversations/{stake_id}/schedule/",
        {"candidate": "²"},
        follow=True,
    )
    assert "Choose one of the times." in page_text(response)
    assert Stake.objects.get(pk=stake_id).state == StakeState.PROPOSED


def test_an_alliance_id_beyond_any_column_is_not_found(world):
    browser = login(world["cast"].coach)
    assert browser.get(f"/alliances/{HUGE}/").status_code == 404
    assert browser.get(f"/alliances/{2**63}/conversations/").status_code == 404
