"""Every URL pattern of the project, with what it answers whom and a form a party could
post to it. The sweeps fail on a pattern missing here, so a new view must say who it is
for before any test passes."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from alliance.lib.clock import now
from alliance.outbox.models import OPTIONAL_KINDS
from tests.scene import Scene

# Fields of a posted form that carry the id of an object; the IDOR sweep puts the other
# alliance's ids into them.
ID_FIELDS = ("works", "candidate", "term_id", "version_number", "party")


def _future(days: int) -> str:
    return (now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Route:
    """`scope` says whom the URL answers:

    - "alliance": the parties of the alliance in the URL, 404 to anyone else (observers
      included, unless `observers` says the page has a version for them);
    - "own": any signed-in person, about themselves only;
    - "template": the owner of the template in the URL (Ana), 404 to anyone else;
    - "token": whoever holds the token in the URL (a feed, an unsubscribe link, an
      invitation); a token that matches nothing is 404 (400 for unsubscribe). With
      `signed_in`, the holder must also be signed in as the person it was made for (the
      link to a copy of one's data): a visitor is sent to sign in, anyone else gets 404.

    `form` is what a party would post: valid, so that a missing check would change
    something rather than fail on the form.
    """

    scope: str
    form: Callable[[Scene], dict[str, Any]] = field(default=lambda scene: {})
    public: bool = False  # an "own" page that answers a visitor too (the landing page)
    observers: bool = False  # an "alliance" page that lets the alliance's observers in
    read_only: bool = False  # a page or file that only answers GET (405 otherwise)
    signed_in: bool = False  # a "token" page only for the signed-in person it was made for


ROUTES: dict[str, Route] = {
    # The person's own pages.
    "home": Route("own", public=True),
    "profile": Route("own", lambda s: {"display_name": "Renamed", "time_zone": "UTC"}),
    "time_zone_answer": Route("own", lambda s: {"time_zone": "Asia/Tokyo", "answer": "switch"}),
    # A confirmation that matches nobody: a valid one would erase the persona walking the
    # matrix and sign them out for every later cell (tests/test_erasure.py erases).
    "profile_erase": Route(
        "own", lambda s: {"email": "nobody-here@example.org", "password": "not a password"}
    ),
    "account_erased": Route("own", public=True),
    "alliance_new": Route(
        "own",
        lambda s: {"title": "Another", "kind": "coaching", "purpose": "", "role_label": "coach"},
    ),
    "notification_preferences": Route(
        "own",
        lambda s: {
            **{f"delivery_{kind}": "digest" for kind in OPTIONAL_KINDS},
            "checkin_reminder_days": "5",
        },
    ),
    "calendar_settings": Route("own", lambda s: {"action": "renew"}),
    "access_tokens": Route(
        "own", lambda s: {"action": "create", "name": "Sweep", "scope": "read", "expiry": "30"}
    ),
    "invitation_continue": Route("own"),
    "feedback_review": Route("own", lambda s: {"text": "You always cancel."}),
    "template_list": Route("own", read_only=True),
    "template_start": Route(
        "own",
        lambda s: {
            "template": "coaching",
            "title": "From a template",
            "kind": "coaching",
            "purpose": "",
            "role_label": "coach",
        },
    ),
    "template_import": Route("own"),
    "template_builtin_export": Route("own", read_only=True),
    "data_copy": Route("own"),
    # Ana's own template: hers alone.
    "template_rename": Route("template", lambda s: {"name": "Renamed template"}),
    "template_delete": Route("template"),
    "template_export": Route("template"),
    # A token is the permission.
    "calendar_feed": Route("token"),
    "unsubscribe": Route("token"),
    "invitation_accept": Route("token", lambda s: {"role_label": "observer"}),
    "data_copy_download": Route("token", read_only=True, signed_in=True),
    # One alliance's.
    "alliance_detail": Route("alliance", observers=True),
    "alliance_history": Route("alliance"),
    "alliance_leave": Route("alliance", observers=True),
    "alliance_edit": Route(
        "alliance",
        lambda s: {"title": "Renamed by a post", "purpose": "Another purpose.", "revision": 1},
    ),
    "party_role": Route("alliance", lambda s: {"role_label": "mentor"}),
    "lead_change": Route(
        "alliance", lambda s: {"party": s.alliance.parties.first().pk, "lead": "yes"}
    ),
    "alliance_export": Route("alliance"),
    "alliance_export_markdown": Route("alliance"),
    "alliance_export_pdf": Route("alliance"),
    "alliance_print": Route("alliance"),
    "invitation_create": Route(
        "alliance", lambda s: {"email": "newcomer@scene.example", "role_label": "client"}
    ),
    "invitation_renew": Route("alliance"),
    "observer_allowance": Route("alliance", lambda s: {"grant": "versions", "agreed": "no"}),
    "invitation_revoke": Route("alliance"),
    "term_new": Route("alliance", lambda s: {"category": "rhythm", "text": "A new term."}),
    "term_edit": Route(
        "alliance",
        lambda s: {"category": "rhythm", "text": "Edited.", "revision": s.term_revision},
    ),
    "term_withdraw": Route("alliance", lambda s: {"revision": s.term_revision}),
    "term_consent": Route(
        "alliance", lambda s: {"decision": "change", "comment": "No.", "revision": s.term_revision}
    ),
    "ratify": Route("alliance"),
    "version_list": Route("alliance", observers=True),
    "version_compare": Route("alliance", observers=True),
    "version_detail": Route("alliance", observers=True),
    "version_export_markdown": Route("alliance", observers=True),
    "version_export_pdf": Route("alliance", observers=True),
    "version_print": Route("alliance", observers=True),
    "conversation_list": Route("alliance"),
    "stake_new": Route(
        "alliance",
        lambda s: {"kind": "design", "duration_minutes": "60", "time_1": _future(5)},
    ),
    "conversation_detail": Route("alliance"),
    "conversation_board": Route("alliance"),
    "stake_answer": Route("alliance", lambda s: {"works": [s.candidate]}),
    "stake_counter": Route("alliance", lambda s: {"time_1": _future(7)}),
    "stake_schedule": Route("alliance", lambda s: {"candidate": s.candidate}),
    "stake_reschedule": Route("alliance", lambda s: {"starts_at": _future(6)}),
    "stake_cancel": Route("alliance"),
    "groundwork_edit": Route("alliance", lambda s: {"groundwork": "Why we talk.", "revision": 1}),
    "stake_invitation": Route("alliance"),
    "reflection_submit": Route("alliance", lambda s: {"text": "Posted.", "action": "share"}),
    "reflection_to_term": Route("alliance", lambda s: {"category": "rhythm", "text": "From it."}),
    "prompt_library": Route(
        "alliance", lambda s: {"theme": "feel", "text": "A new question?", "category": "other"}
    ),
    "prompt_change": Route("alliance", lambda s: {"action": "hide"}),
    "rhythm_edit": Route(
        "alliance",
        lambda s: {
            "starts_on": (now() + timedelta(days=9)).date().isoformat(),
            "at_time": "09:00",
            "repeat": "weeks",
            "interval": "4",
        },
    ),
    "checkin_list": Route("alliance"),
    "checkin_start": Route("alliance", lambda s: {"when": "extra"}),
    "checkin_detail": Route(
        "alliance",
        lambda s: {
            **{f"score-{term_id}": "tending" for term_id in s.term_ids},
            "reflection": "Posted at a check-in.",
        },
    ),
    "checkin_close": Route("alliance", lambda s: {"outcome": "redesign"}),
    "signal_list": Route("alliance", lambda s: {"note": "Posted signal.", "term_id": ""}),
    "signal_policy": Route("alliance", lambda s: {"allow_anonymous": "on"}),
    "signal_acknowledge": Route("alliance"),
    "signal_resolve": Route(
        "alliance", lambda s: {"resolution": "We talked.", "version_number": 1}
    ),
    "alliance_health": Route("alliance"),
    "template_save": Route("alliance", lambda s: {"name": "Wisteria as a template"}),
    "closing_detail": Route("alliance"),
    "closing_propose": Route("alliance", lambda s: {"note": "We have done what we came for."}),
    "closing_agree": Route("alliance", lambda s: {"proposal": 1}),
    "closing_withdraw": Route("alliance", lambda s: {"proposal": 1}),
}

# What a party who left may still read: the versions they signed (the scene's former
# party signed version 1), and nothing else.
SIGNED_READS = (
    "version_list",
    "version_detail",
    "version_export_markdown",
    "version_export_pdf",
    "version_print",
)


def _walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


def project_patterns() -> list[tuple[str, str]]:
    """(route, URL name) of every pattern of the project, each route once.

    Left out: allauth's account pages (its own, tested by allauth and tests/test_accounts),
    the admin (staff only; walked by the privacy sweep as a superuser) and the JSON API
    (its operations are walked from its OpenAPI document by tests/api).
    """
    seen: dict[str, str] = {}
    for route, pattern in _walk(get_resolver()):
        if (
            route.startswith(("accounts/", "admin/", "api/", "^api/"))
            or route == "static/<path:path>"
        ):
            continue
        assert pattern.name, f"{route} has no URL name; name it and add it to tests/routes.py"
        seen.setdefault(route, pattern.name)
    return list(seen.items())


SLOT = re.compile(r"<(?:(\w+):)?(\w+)>")


def slots(route: str) -> list[str]:
    return [m.group(2) for m in SLOT.finditer(route)]


def fill(route: str, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        assert name in values, f"the sweeps do not know how to fill <{name}> in {route}"
        return str(values[name])

    return "/" + SLOT.sub(one, route)


def route_of(name: str, route: str) -> Route:
    assert name in ROUTES, (
        f"{route} ({name}) is not in tests/routes.py: say whom it answers (a party of the "
        "alliance, the signed-in person, or a token holder) and what a party would post"
    )
    return ROUTES[name]


def url_for(scene: Scene, persona: str, route: str, name: str) -> str:
    return fill(route, {**scene.values, "token": scene.token_for(name, persona)})
