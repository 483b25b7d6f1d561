from typing import Any

from django.conf import settings
from django.http import HttpRequest

from alliance.accounts.selectors import time_zone_to_ask_about


def site(request: HttpRequest) -> dict[str, Any]:
    return {"invitation_days": settings.INVITATION_DAYS}


def time_zone_question(request: HttpRequest) -> dict[str, Any]:
    """Ask a signed-in person, on every page until they answer, whether to take their
    browser's zone when it differs from their profile's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    zone = time_zone_to_ask_about(request, user)
    return {"time_zone_question": zone} if zone else {}
