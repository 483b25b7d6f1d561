from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from alliance.alliances.models import Party
from alliance.alliances.selectors import party_for

PartyView = Callable[..., HttpResponse]


def party_required(view: PartyView) -> Callable[..., HttpResponse]:
    """Sign-in required; then the view gets the caller's `party`, or the caller gets 404.

    Every view under /alliances/<alliance_id>/ is wrapped in this; a test walks the URL
    patterns to make sure none is left out.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, alliance_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        party: Party = party_for(user=request.user, alliance_id=alliance_id)  # type: ignore[arg-type]
        return view(request, party, *args, **kwargs)

    return wrapper
