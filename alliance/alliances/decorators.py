from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from alliance.alliances.models import Party
from alliance.alliances.selectors import party_for

PartyView = Callable[..., HttpResponse]


def _party_view(view: PartyView, *, observers: bool) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, alliance_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        party: Party = party_for(
            user=request.user,  # type: ignore[arg-type]
            alliance_id=alliance_id,
            observers=observers,
        )
        return view(request, party, *args, **kwargs)

    return wrapper


def party_required(view: PartyView) -> Callable[..., HttpResponse]:
    """Sign-in required; then the view gets the caller's `party`, or the caller gets 404.
    Observers get 404 too: a view lets them in only by saying so (`observer_allowed`).

    Every view under /alliances/<alliance_id>/ is wrapped in this or in
    `observer_allowed`; a test walks the URL patterns to make sure none is left out.
    """
    return _party_view(view, observers=False)


def observer_allowed(view: PartyView) -> Callable[..., HttpResponse]:
    """Like `party_required`, but an observer gets in too, as a party with
    `is_observer` set: the view must show them only what the other parties allow."""
    return _party_view(view, observers=True)
