from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from alliance.accounts.models import User
from alliance.alliances.selectors import party_for
from alliance.alliances.services import AllianceClosed
from alliance.lib.web import back_to_alliance, flash_errors
from alliance.terms.selectors import former_signer_for

READING = ("GET", "HEAD", "OPTIONS")

PartyView = Callable[..., HttpResponse]


def _party_view(
    view: PartyView, *, observers: bool, former_signers: bool = False
) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, alliance_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)  # signed in: login_required saw to it
        try:
            party = party_for(user=user, alliance_id=alliance_id, observers=observers)
        except Http404:
            if not former_signers or request.method not in READING:
                raise
            former = former_signer_for(user=user, alliance_id=alliance_id)
            return view(request, former, *args, **kwargs)
        closed = party.alliance.closed_at is not None
        if closed and request.method not in READING and not getattr(view, "when_closed", False):
            flash_errors(request, AllianceClosed())
            return back_to_alliance(party)
        return view(request, party, *args, **kwargs)

    return wrapper


def party_required(view: PartyView) -> Callable[..., HttpResponse]:
    """Sign-in required; then the view gets the caller's `party`, or the caller gets 404.
    Observers get 404 too: a view lets them in only by saying so (`observer_allowed`).

    Every view under /alliances/<alliance_id>/ is wrapped in this or in
    `observer_allowed`; a test walks the URL patterns to make sure none is left out.
    On a closed alliance only reading gets through: anything else goes back to the
    alliance page with the reason, unless the view says it acts on a closed alliance
    (`open_when_closed`).
    """
    return _party_view(view, observers=False)


def observer_allowed(view: PartyView) -> Callable[..., HttpResponse]:
    """Like `party_required`, but an observer gets in too, as a party with
    `is_observer` set: the view must show them only what the other parties allow."""
    return _party_view(view, observers=True)


def open_when_closed(view: PartyView) -> PartyView:
    """Let this view's writes through on a closed alliance (the steps of reopening it);
    put it under `party_required`, next to the view."""
    view.when_closed = True  # type: ignore[attr-defined]
    return view


def version_reader(view: PartyView) -> Callable[..., HttpResponse]:
    """For the pages of versions: like `observer_allowed`, and someone who left the
    alliance gets in too, as their former party row (`left_at` set), if they signed one of
    its versions. The view must then show them only the versions they signed
    (`terms.selectors.signed_versions_for`), and observers only what the parties allow.
    Reading only: whatever else is asked of such a view is for present parties."""
    return _party_view(view, observers=True, former_signers=True)
