from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alliance.accounts.adapter import PENDING_INVITATION_KEY
from alliance.alliances.selectors import dashboard_for


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard for a signed-in person; what Alliance is, for everyone else."""
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    return render(
        request,
        "core/dashboard.html",
        {
            "entries": dashboard_for(request.user),
            "pending_invitation": request.session.get(PENDING_INVITATION_KEY),
        },
    )
