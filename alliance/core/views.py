from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from alliance.accounts.adapter import PENDING_INVITATION_KEY
from alliance.accounts.models import User
from alliance.alliances.selectors import (
    Dashboard,
    DashboardEntry,
    agenda_for,
    agenda_name,
    dashboard_entries,
    dashboard_for,
)
from alliance.core.forms import DashboardFilterForm
from alliance.core.fragments import render_kept_joined, render_kept_named
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
            "cards": _cards(dashboard),
            "agenda": _agenda(request.user, dashboard) if dashboard.has_alliances else None,
            # Where someone who left finds the versions they signed again.
            "left_alliances": [] if any(filters.values()) else left_alliances_for(request.user),
            "form": form,
            "filtered": any(filters.values()),
            "pending_invitation": bool(request.session.get(PENDING_INVITATION_KEY)),
        },
        status=400 if form.errors else 200,
    )


def _cards(dashboard: Dashboard) -> SafeString:
    """The page's cards, each kept under its name (`DashboardCard.name`), and all of them
    together: only the cards not kept are loaded and rendered."""

    def build(chosen: list[int]) -> list[tuple[dict[str, Any], datetime | None]]:
        entries = dashboard_entries([dashboard.cards[n] for n in chosen])
        return [(_card_values(entry), entry.changes_at) for entry in entries]

    names = [card.name for card in dashboard.cards]
    return render_kept_joined("core/_dashboard_entry.html", names, build)


def _agenda(user: User, dashboard: Dashboard) -> SafeString:
    """The agenda, kept under `agenda_name` until midnight."""
    name, until = agenda_name(user, dashboard.footprint)
    [agenda] = render_kept_named(
        "core/_agenda.html", [name], lambda chosen: [({"agenda": agenda_for(user)}, until)]
    )
    return agenda


def _card_values(entry: DashboardEntry) -> dict[str, Any]:
    return {
        "alliance": entry.alliance,
        "party": entry.party,
        "status": entry.status,
        "observing": entry.observing,
        "others": entry.others,
        "next_step": entry.next_step,
        "conversations": entry.conversations,
        "next_at": entry.care.next_at,
        "health": entry.health,
        "signals": entry.care.signals,
    }
