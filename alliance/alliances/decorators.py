from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from alliance.alliances.models import Party
from alliance.alliances.selectors import party_for
from alliance.lib.forms import MAX_ID

PartyView = Callable[..., HttpResponse]


def party_required(view: PartyView) -> Callable[..., HttpResponse]:
    """Sign-in required; then the view gets the caller's `party`, or the caller gets 404.

    Every view under /alliances/<alliance_id>/ is wrapped in this; a test walks the URL
    patterns to make sure none is left out. An id in the URL beyond any column is a 404
    too, for every id the URL carries.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, alliance_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        ids = [alliance_id, *args, *kwargs.values()]
        if any(isinstance(value, int) and value > MAX_ID for value in ids):
            raise Http404("No such alliance.")
        party: Party = party_for(user=request.user, alliance_id=alliance_id)  # type: ignore[arg-type]
        return view(request, party, *args, **kwargs)

    return wrapper
