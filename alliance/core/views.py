from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alliance.accounts.adapter import PENDING_INVITATION_KEY
from alliance.alliances.selectors import agenda_for, dashboard_for
from alliance.core.forms import DashboardFilterForm
from alliance.terms.selectors import left_alliances_for


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard for a signed-in person; what Alliance is, for everyone else."""
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    # Unbound without a query string: the same empty filters for everyone, kept once
    # rendered (fragments.render_kept_form).
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    dashboard = dashboard_for(
        request.user,
        page=request.GET.get("page"),
        sort=form.order(),
        **filters,  # type: ignore[arg-type]
    )
    return render(
        request,
        "core/dashboard.html",
        {
            "dashboard": dashboard,
            "entries": dashboard.entries,
            "agenda": agenda_for(request.user) if dashboard.has_alliances else None,
            # Where someone who left finds the versions they signed again.
            "left_alliances": [] if any(filters.values()) else left_alliances_for(request.user),
            "form": form,
            "filtered": any(filters.values()),
            "pending_invitation": bool(request.session.get(PENDING_INVITATION_KEY)),
        },
        status=400 if form.errors else 200,
    )
