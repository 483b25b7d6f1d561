"""Whom an endpoint acts for, with the same rules as the pages: an outsider gets 404."""

from typing import cast

from django.http import Http404, HttpRequest

from alliance.accounts.models import User
from alliance.alliances.models import Party
from alliance.alliances.selectors import party_for
from alliance.alliances.services import alliance_open_check
from alliance.terms.selectors import former_signer_for


def caller(request: HttpRequest) -> User:
    """The person calling (authentication has run: never anonymous here)."""
    return cast(User, request.user)


def party(request: HttpRequest, alliance_id: int, *, observers: bool = False) -> Party:
    """The caller's party in the alliance, with the alliance loaded; 404 for anyone else.
    Observers are refused like outsiders unless the endpoint has a view for them
    (`observers=True`) and shows them only what the parties allow."""
    return party_for(user=caller(request), alliance_id=alliance_id, observers=observers)


def writer(request: HttpRequest, alliance_id: int) -> Party:
    """The caller's designing party, for a change: 404 for anyone else (observers too),
    409 once the alliance is closed, before anything else is looked at, as the pages
    refuse it. (The few changes a closed alliance takes use `party`.)"""
    me = party(request, alliance_id)
    alliance_open_check(me.alliance_id)
    return me


def version_reader(request: HttpRequest, alliance_id: int) -> Party:
    """For versions and records: a present party or observer, or someone who left and
    signed a version (their former row, `left_at` set); they then see only the versions
    they signed (`terms.selectors.version_for_reader`)."""
    try:
        return party(request, alliance_id, observers=True)
    except Http404:
        return former_signer_for(user=caller(request), alliance_id=alliance_id)


# Whom each operation answers, declared on it (`openapi_extra=answers(...)`) and published
# in the OpenAPI document as `x-alliance-access`, so that the persona sweep of tests/api can
# check every operation against its promise, as tests/routes.py does for the pages:
#
# - "own": any caller, about themselves only (me, their tokens, their alliances list);
# - "parties": the present designing parties of the alliance in the path; 404 to anyone
#   else, observers included;
# - "observers": present parties and observers (who see only what the parties allow);
# - "version_readers": as "observers", plus someone who left, for the versions they signed.
ACCESS_KINDS = ("own", "parties", "observers", "version_readers")


def answers(kind: str) -> dict[str, str]:
    assert kind in ACCESS_KINDS, kind
    return {"x-alliance-access": kind}
