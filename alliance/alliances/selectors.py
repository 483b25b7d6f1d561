"""Reads for alliances. Every lookup of an alliance for a person goes through
`party_for`, which answers 404 to anyone who is not a party of it."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Event, Invitation, Party
from alliance.conversations.selectors import (
    Waiting,
    conversation_awaits_party,
    conversation_waits,
    open_stakes_prefetch,
)
from alliance.lib.clock import now
from alliance.lib.tokens import hash_token
from alliance.tending.selectors import (
    Care,
    care_of,
    care_prefetches,
    checkin_awaits_party,
    checkin_due_condition,
    needs_tending_condition,
)
from alliance.terms.selectors import (
    Draft,
    consent_awaited_from_party,
    draft_build,
    draft_terms_queryset,
    snapshot_terms_by_category,
)

# Alliances on one page of the dashboard: a coach may be in hundreds.
DASHBOARD_PAGE_SIZE = 25


def party_for(*, user: User, alliance_id: int, observers: bool = False) -> Party:
    """The user's party in the alliance, with the alliance loaded; 404 for anyone else.

    Observers are turned away like outsiders unless the caller says it has a page for
    them (`observers=True`) and then shows them only what the other parties allow.
    """
    if not user.is_authenticated:
        raise Http404
    party = (
        Party.present.select_related("alliance__current_version", "user")
        .filter(alliance_id=alliance_id, user=user)
        .first()
    )
    if party is None or (party.is_observer and not observers):
        raise Http404("No such alliance.")
    return party


def pending_invitations(alliance: Alliance) -> QuerySet[Invitation]:
    return alliance.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
    ).select_related("invited_by")


def invitation_by_token(raw_token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("alliance", "invited_by")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def recent_events(alliance: Alliance, limit: int = 8) -> QuerySet[Event]:
    return alliance.events.select_related("actor")[:limit]


def event_history(alliance: Alliance) -> QuerySet[Event]:
    return alliance.events.select_related("actor")


@dataclass
class AllianceStatus:
    # "forming", "designing", "needs_tending", "redesigning", "checkin_due", "ratified" or
    # "closed"
    key: str
    label: str


def alliance_status(draft: Draft, care: Care | None = None) -> AllianceStatus:
    """Where the alliance stands, from its draft and, once ratified, how it is kept alive."""
    if draft.alliance.closed_at is not None:
        return AllianceStatus("closed", _("Closed"))
    if len(draft.parties) < 2:
        return AllianceStatus("forming", _("Waiting for parties"))
    if draft.version is None:
        return AllianceStatus("designing", _("Designing"))
    if care is not None and care.signals:
        return AllianceStatus("needs_tending", _("Needs tending"))
    if draft.has_changes:
        return AllianceStatus(
            "redesigning",
            _("Version %(number)d, changes proposed") % {"number": draft.version.number},
        )
    if care is not None and care.needs_tending:
        return AllianceStatus("needs_tending", _("Needs tending"))
    if care is not None and care.checkin_due:
        return AllianceStatus("checkin_due", _("Check-in due"))
    return AllianceStatus(
        "ratified", _("Version %(number)d in force") % {"number": draft.version.number}
    )


def _names(parties: list[Party]) -> str:
    names = [p.user.name for p in parties]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def next_step(*, draft: Draft, party: Party, invitations: list[Invitation]) -> str:
    """In one sentence, the next thing this alliance waits on, from `party`'s side."""
    if draft.alliance.closed_at is not None:
        return _("Closed on %(date)s: nothing waits on anyone") % {
            "date": date_format(localtime(draft.alliance.closed_at), "j F Y")
        }
    if len(draft.parties) < 2:
        if invitations:
            return _("Waiting for %(name)s to join") % {"name": invitations[0].addressee}
        return _("Invite the other party")
    if not draft.active_items and not draft.items:
        return _("Propose the first term")
    mine = draft.awaiting_consent_from(party)
    if mine:
        return ngettext(
            "%(count)d term needs your consent", "%(count)d terms need your consent", len(mine)
        ) % {"count": len(mine)}
    requests = [c for item in draft.items for c in item.change_requests()]
    if requests:
        askers = sorted({c.party_id for c in requests})
        parties = [p for p in draft.parties if p.pk in askers]
        return _("%(names)s asked for a change") % {"names": _names(parties)}
    if draft.is_ready:
        return _("Ready to ratify version %(number)d") % {"number": draft.next_number}
    if draft.has_changes:
        return _("Waiting for %(names)s to agree") % {"names": _names(draft.parties_not_agreed())}
    assert draft.version is not None
    return _("Version %(number)d in force") % {"number": draft.version.number}


@dataclass
class DashboardEntry:
    alliance: Alliance
    party: Party
    draft: Draft
    status: AllianceStatus
    next_step: str
    others: list[Party]
    care: Care
    conversations: list[Waiting]


class DashboardStatus(models.TextChoices):
    """What the dashboard filters on. Each is a fact about an alliance, so one can be in
    several (a ratified alliance with a check-in due is "active" too); the badge shows the
    most pressing."""

    DESIGNING = "designing", gettext_lazy("Designing")
    ACTIVE = "active", gettext_lazy("Active")
    CHECKIN_DUE = "checkin_due", gettext_lazy("Check-in due")
    NEEDS_TENDING = "needs_tending", gettext_lazy("Needs tending")


def dashboard_parties(
    user: User, *, search: str = "", status: str = "", waiting_on_me: bool = False
) -> QuerySet[Party]:
    """The user's parties in the alliances the dashboard lists, newest alliance first,
    filtered in the database so that only the ones shown are ever loaded."""
    parties = Party.objects.filter(user=user)
    if search:
        others = Party.objects.exclude(user=user).filter(
            Q(user__display_name__icontains=search) | Q(user__email__icontains=search)
        )
        parties = parties.filter(
            Q(alliance__title__icontains=search) | Q(alliance_id__in=others.values("alliance_id"))
        )
    if status == DashboardStatus.DESIGNING:
        parties = parties.filter(alliance__current_version__isnull=True)
    elif status == DashboardStatus.ACTIVE:
        parties = parties.filter(alliance__current_version__isnull=False)
    elif status == DashboardStatus.CHECKIN_DUE:
        parties = parties.filter(checkin_due_condition(), alliance__current_version__isnull=False)
    elif status == DashboardStatus.NEEDS_TENDING:
        parties = parties.filter(needs_tending_condition())
    if waiting_on_me:
        together = Party.objects.filter(alliance_id=OuterRef("alliance_id")).exclude(
            pk=OuterRef("pk")
        )
        parties = parties.filter(
            (Q(consent_awaited_from_party()) & Q(Exists(together)))
            | Q(checkin_awaits_party())
            | conversation_awaits_party()
        )
    return parties.order_by("-alliance__created_at", "-alliance_id")


@dataclass
class Dashboard:
    entries: list[DashboardEntry]
    page: Page[Party]
    # Whether the person is in any alliance at all, filters aside.
    has_alliances: bool


def dashboard_for(
    user: User,
    *,
    search: str = "",
    status: str = "",
    waiting_on_me: bool = False,
    page: int | str | None = 1,
    per_page: int = DASHBOARD_PAGE_SIZE,
) -> Dashboard:
    """One page of the user's alliances with their status and next step, in a fixed
    number of queries however many alliances the person is in."""
    parties = dashboard_parties(user, search=search, status=status, waiting_on_me=waiting_on_me)
    shown = Paginator(parties.select_related("alliance__current_version"), per_page).get_page(page)
    rows = list(shown.object_list)
    prefetch_related_objects(
        rows,
        Prefetch(
            "alliance__parties",
            queryset=Party.objects.select_related("user").order_by("joined_at", "id"),
        ),
        Prefetch(
            "alliance__invitations",
            queryset=Invitation.objects.filter(
                accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
            ),
            to_attr="pending_invitations",
        ),
        Prefetch("alliance__terms", queryset=draft_terms_queryset(), to_attr="draft_terms"),
        *care_prefetches("alliance__"),
        open_stakes_prefetch("alliance__"),
    )
    filtered = bool(search or status or waiting_on_me)
    return Dashboard(
        entries=[_dashboard_entry(party) for party in rows],
        page=shown,
        has_alliances=bool(rows) or (filtered and Party.objects.filter(user=user).exists()),
    )


def _dashboard_entry(party: Party) -> DashboardEntry:
    alliance = party.alliance
    members = list(alliance.parties.all())
    draft = draft_build(alliance=alliance, parties=members, terms=alliance.draft_terms)  # type: ignore[attr-defined]
    invitations = alliance.pending_invitations  # type: ignore[attr-defined]
    care = care_of(alliance)
    return DashboardEntry(
        alliance=alliance,
        party=party,
        draft=draft,
        status=alliance_status(draft, care),
        next_step=next_step(draft=draft, party=party, invitations=invitations),
        others=[p for p in members if p.pk != party.pk],
        care=care,
        # A closed alliance's conversations wait on nobody.
        conversations=(
            [] if alliance.closed_at else conversation_waits(party, members, alliance.open_stakes)  # type: ignore[attr-defined]
        ),
    )


@dataclass
class Overview:
    """Everything the alliance page shows, loaded in a fixed number of queries."""

    alliance: Alliance
    party: Party
    draft: Draft
    status: AllianceStatus
    next_step: str
    invitations: list[Invitation]
    events: list[Event]
    versions: list[tuple[int, object]]
    ratified_terms: list[tuple[str, list[dict[str, Any]]]]
    care: Care

    @property
    def open_checkin_is_mine(self) -> bool:
        """Whether the open check-in waits on, or was completed with, the viewer (one
        completed before they joined is not theirs to rate)."""
        return self.care.takes_part_in_open_checkin(self.party)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The draft's items with every party's answer and the viewer's own."""
        return [
            {
                "item": item,
                "answers": item.answers(self.draft.parties),
                "mine": item.consent_of(self.party),
            }
            for item in self.draft.items
        ]


def alliance_overview(party: Party) -> Overview:
    alliance = party.alliance
    parties = list(alliance.parties.select_related("user"))
    draft = draft_build(
        alliance=alliance, parties=parties, terms=draft_terms_queryset([alliance.pk])
    )
    invitations = list(pending_invitations(alliance))
    prefetch_related_objects([alliance], *care_prefetches())
    care = care_of(alliance)
    return Overview(
        alliance=alliance,
        party=next(p for p in parties if p.pk == party.pk),
        draft=draft,
        status=alliance_status(draft, care),
        next_step=next_step(draft=draft, party=party, invitations=invitations),
        invitations=invitations,
        events=list(recent_events(alliance)),
        versions=list(alliance.versions.order_by("-number").values_list("number", "ratified_at")),
        ratified_terms=(
            snapshot_terms_by_category(alliance.current_version.snapshot)
            if alliance.current_version
            else []
        ),
        care=care,
    )
