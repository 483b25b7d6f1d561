"""Reads for alliances. Every lookup of an alliance for a person goes through
`party_for`, which answers 404 to anyone who is not a party of it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance.accounts.models import User
from alliance.alliances.models import (
    Alliance,
    AllianceStamp,
    Event,
    Invitation,
    ObserverAllowance,
    ObserverGrant,
    Party,
)
from alliance.conversations.models import Stake, StakeKind, StakeState
from alliance.conversations.selectors import (
    RECENTLY_SCHEDULED,
    Waiting,
    conversation_awaits_party,
    conversation_waits,
    conversations_scheduled_between,
    observed_stakes,
    open_stakes_prefetch,
    waits_change_at,
)
from alliance.core.fragments import kept_value
from alliance.lib import prepared
from alliance.lib.clock import now
from alliance.lib.dates import LATEST, zone_or_utc
from alliance.lib.prepared import Moment, Slot
from alliance.lib.tokens import hash_token
from alliance.tending.selectors import (
    Care,
    Health,
    care_of,
    care_prefetches,
    checkin_awaits_party,
    checkin_due_condition,
    checkins_planned_between,
    health_by_alliance,
    health_summary,
    last_health_rows,
    needs_tending_condition,
)
from alliance.terms.models import Version
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
    # Every page of an alliance starts here: a prepared query (`alliance.lib.prepared`),
    # as building and compiling it cost more than running it.
    rows = prepared.run(
        ("party_for",), _party_for_query, {"alliance": alliance_id, "user": user.pk}, limit=1
    )
    party = _party_with_alliance(rows[0]) if rows else None
    if party is None or (party.is_observer and not observers):
        raise Http404("No such alliance.")
    return party


_PARTY_FOR_MODELS: list[tuple[type[models.Model], str]] = [
    (Party, ""),
    (Alliance, "alliance__"),
    (Version, "alliance__current_version__"),
    (User, "user__"),
]
_PARTY_FOR_COLUMNS = [
    [field.attname for field in model._meta.concrete_fields] for model, _ in _PARTY_FOR_MODELS
]


def _party_for_query() -> QuerySet[Any]:
    return (
        Party.present.filter(
            Q(alliance_id=Slot("alliance", models.BigIntegerField())),
            Q(user_id=Slot("user", models.BigIntegerField())),
        )
        .order_by("pk")
        .values_list(
            *[
                f"{path}{name}"
                for (_, path), names in zip(_PARTY_FOR_MODELS, _PARTY_FOR_COLUMNS, strict=True)
                for name in names
            ]
        )
    )


def _party_with_alliance(row: tuple[Any, ...]) -> Party:
    """The party of a row of `_party_for_query`, with its alliance, the version in force
    (or None) and its user loaded, as ``select_related`` would."""
    rows = []
    start = 0
    for names in _PARTY_FOR_COLUMNS:
        rows.append((names, row[start : start + len(names)]))
        start += len(names)
    (party_names, party_row), (alliance_names, alliance_row), version, (user_names, user_row) = rows
    party = Party.from_db(DEFAULT_DB_ALIAS, party_names, party_row)
    alliance = Alliance.from_db(DEFAULT_DB_ALIAS, alliance_names, alliance_row)
    version_names, version_row = version
    alliance.current_version = (
        Version.from_db(DEFAULT_DB_ALIAS, version_names, version_row)
        if alliance.current_version_id is not None
        else None
    )
    party.alliance = alliance
    party.user = User.from_db(DEFAULT_DB_ALIAS, user_names, user_row)
    return party


def leads_of(alliance: Alliance) -> list[Party]:
    """The alliance's leads: designing parties only, so a lead who left no longer counts."""
    return list(alliance.parties.filter(is_lead=True).select_related("user"))


def lead_refusal(party: Party, leads: list[Party]) -> str | None:
    """Why `party` may not add or remove leads, nor change a setting that applies to the
    whole team, or None when they may: anyone may while the alliance has no lead, only a
    lead once it has one. An observer never may: they do not design the alliance."""
    if party.is_observer:
        return _("An observer does not change the alliance’s settings.")
    if not leads or party.pk in {lead.pk for lead in leads}:
        return None
    return ngettext(
        "Only the lead, %(names)s, may change this.",
        "Only the leads, %(names)s, may change this.",
        len(leads),
    ) % {"names": _names(leads)}


def team_setting_refusal(party: Party) -> str | None:
    """`lead_refusal` for `party` in their alliance as it stands."""
    return lead_refusal(party, leads_of(party.alliance))


def pending_invitations(alliance: Alliance) -> QuerySet[Invitation]:
    return alliance.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
    ).select_related("invited_by")


def invitation_in(alliance_id: int, invitation_id: int) -> Invitation | None:
    """The invitation of this alliance with this id, whatever its state, or None."""
    return Invitation.objects.filter(pk=invitation_id, alliance_id=alliance_id).first()


def present_parties(alliance_id: int) -> QuerySet[Party]:
    """Everyone in the alliance now: the designing parties, then the observers, each in
    the order they joined."""
    return (
        Party.present.filter(alliance_id=alliance_id)
        .select_related("user")
        .order_by("is_observer", "joined_at", "pk")
    )


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
    # The last completed check-in the person rated in; None before any.
    health: Health | None = None

    @property
    def observing(self) -> bool:
        return self.party.is_observer

    @property
    def changes_at(self) -> datetime | None:
        """The next moment the card says something else by time alone: the planned
        check-in comes, an invitation expires, a conversation begins or leaves the open
        ones. None when nothing of it waits on the clock."""
        alliance = self.alliance
        moments = [
            *([self.care.next_at] if self.care.next_at else []),
            *[invitation.expires_at for invitation in alliance.pending_invitations],  # type: ignore[attr-defined]
            *waits_change_at(alliance.open_stakes),  # type: ignore[attr-defined]
        ]
        ahead = [moment for moment in moments if moment > self.care.at]
        return min(ahead, default=None)


class DashboardStatus(models.TextChoices):
    """What the dashboard filters on. Each is a fact about an alliance, so one can be in
    several (a ratified alliance with a check-in due is "active" too); the badge shows the
    most pressing. Closed alliances are listed only under "closed"."""

    DESIGNING = "designing", gettext_lazy("Designing")
    ACTIVE = "active", gettext_lazy("Active")
    CHECKIN_DUE = "checkin_due", gettext_lazy("Check-in due")
    NEEDS_TENDING = "needs_tending", gettext_lazy("Needs tending")
    CLOSED = "closed", gettext_lazy("Closed")


class DashboardSort(models.TextChoices):
    ATTENTION = "attention", gettext_lazy("Needs attention first")
    NEWEST = "newest", gettext_lazy("Newest first")
    NAME = "name", gettext_lazy("Name")


def _waits_on_party() -> Q:
    """For a query over parties: a term, a check-in or a conversation waits on the
    party's answer. Observers are never waited on."""
    together = Party.objects.filter(alliance_id=OuterRef("alliance_id")).exclude(pk=OuterRef("pk"))
    return Q(is_observer=False) & (
        (Q(consent_awaited_from_party()) & Q(Exists(together)))
        | Q(checkin_awaits_party())
        | conversation_awaits_party()
    )


def _attention() -> Case:
    """For a query over parties: how soon the alliance wants the person, 0 first: what
    waits on them, then a check-in due or tending needed, then designing, then the rest.
    Nothing of a closed alliance, nor of one the person observes, waits on them."""
    return Case(
        When(Q(alliance__closed_at__isnull=False) | Q(is_observer=True), then=Value(3)),
        When(_waits_on_party(), then=Value(0)),
        When(
            (checkin_due_condition() & Q(alliance__current_version__isnull=False))
            | needs_tending_condition(),
            then=Value(1),
        ),
        When(alliance__current_version__isnull=True, then=Value(2)),
        default=Value(3),
        output_field=models.IntegerField(),
    )


def dashboard_parties(
    user: User,
    *,
    search: str = "",
    status: str = "",
    kind: str = "",
    waiting_on_me: bool = False,
    sort: str = "",
) -> list[Party]:
    """The user's parties in the alliances the dashboard lists (observing ones too), in
    the dashboard's order: by default what needs attention comes first, newest first
    within each rank."""
    listed = _DashboardList(
        user, search=search, status=status, kind=kind, waiting_on_me=waiting_on_me, sort=sort
    )
    return [_page_party(row) for row in listed[:]]


def _dashboard_listed(
    user_id: int | Slot,
    *,
    search: str | Slot,
    status: str,
    kind: str | Slot,
    waiting_on_me: bool,
) -> QuerySet[Party]:
    """The parties `dashboard_parties` lists, in no order."""
    parties = Party.present.filter(Q(user_id=user_id))
    if search:
        others = Party.present.exclude(Q(user_id=user_id)).filter(
            Q(user__display_name__icontains=search) | Q(user__email__icontains=search)
        )
        parties = parties.filter(
            Q(alliance__title__icontains=search) | Q(alliance_id__in=others.values("alliance_id"))
        )
    if kind:
        parties = parties.filter(alliance__kind=kind)
    if status == DashboardStatus.CLOSED:
        parties = parties.filter(alliance__closed_at__isnull=False)
    else:
        parties = parties.filter(alliance__closed_at__isnull=True)
    if status == DashboardStatus.DESIGNING:
        parties = parties.filter(alliance__current_version__isnull=True)
    elif status == DashboardStatus.ACTIVE:
        parties = parties.filter(alliance__current_version__isnull=False)
    # Check-ins and signals are the designing parties' own: these find no observed alliance.
    elif status == DashboardStatus.CHECKIN_DUE:
        parties = parties.filter(
            checkin_due_condition(), alliance__current_version__isnull=False, is_observer=False
        )
    elif status == DashboardStatus.NEEDS_TENDING:
        parties = parties.filter(needs_tending_condition(), is_observer=False)
    if waiting_on_me:
        parties = parties.filter(_waits_on_party())
    return parties


def _dashboard_ordered(
    parties: QuerySet[Party], *, sort: str, waiting_on_me: bool
) -> QuerySet[Party]:
    newest = ["-alliance__created_at", "-alliance_id"]
    # Everything "waiting on me" lists needs attention first: newest first is that order.
    if sort == DashboardSort.NEWEST or (waiting_on_me and sort != DashboardSort.NAME):
        return parties.order_by(*newest)
    if sort == DashboardSort.NAME:
        return parties.order_by(Lower("alliance__title"), "alliance_id")
    return parties.annotate(attention=_attention()).order_by("attention", *newest)


@dataclass(frozen=True)
class Footprint:
    """What names everything a person's dashboard lists, read by one prepared query:
    how many alliances they are in now, and the sum of those alliances' stamps
    (`alliance.lib.stamps`), which changes whenever a row of any of them is written.
    Each stamp is summed by its top 39 bits, so that the sum of sixteen million cannot
    overflow; a write goes unnoticed only if the new stamp's top bits equal the old
    one's, a chance of one in 2^39.

    The list's order and filters also change by time alone: a planned check-in comes
    due (`checkin_due_condition`), and a scheduled conversation's reflections stop
    waiting on anyone some days after it began (`conversation_awaits_party`).
    `changes_at` is the first of those moments ahead, None when none is."""

    alliances: int
    stamps: int
    changes_at: datetime | None

    @property
    def name(self) -> tuple[int, int]:
        return (self.alliances, self.stamps)


# Stamps are 63-bit; their top 39 bits summed over up to 2^24 alliances fit in 63.
_STAMP_SHIFT = 24


def footprint_of(user: User) -> Footprint:
    rows = prepared.run(("footprint",), _footprint_query, {"user": user.pk})
    if not rows:
        return Footprint(alliances=0, stamps=0, changes_at=None)
    [(alliances, stamps, next_checkin, first_conversation)] = rows
    moments = [next_checkin] if next_checkin else []
    # A conversation planned at the end of time never stops waiting.
    if first_conversation and first_conversation <= LATEST - RECENTLY_SCHEDULED:
        moments.append(first_conversation + RECENTLY_SCHEDULED)
    return Footprint(alliances, int(stamps or 0), min(moments, default=None))


def _footprint_query() -> QuerySet[Any]:
    shifted_stamp = Subquery(
        AllianceStamp.objects.filter(alliance_id=OuterRef("alliance_id")).values(
            shifted=F("stamp").bitrightshift(_STAMP_SHIFT)
        )
    )
    # Of the scheduled conversations whose reflections may still wait on someone, the
    # one that began first: it stops waiting first.
    first_conversation = Subquery(
        Stake.objects.filter(
            alliance_id=OuterRef("alliance_id"),
            state=StakeState.SCHEDULED,
            starts_at__gte=Moment(-RECENTLY_SCHEDULED),
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return (
        Party.present.filter(Q(user_id=Slot("user", models.BigIntegerField())))
        .values("user_id")
        .annotate(
            alliances=Count("pk"),
            stamps=Sum(shifted_stamp),
            next_checkin=Min(
                "alliance__rhythm__next_at", filter=Q(alliance__rhythm__next_at__gt=Moment())
            ),
            first_conversation=Min(first_conversation),
        )
        .values_list("alliances", "stamps", "next_checkin", "first_conversation")
    )


_T = TypeVar("_T")


class _DashboardList:
    """The parties the dashboard lists, counted and sliced in the database by prepared
    queries (`alliance.lib.prepared`): building and compiling the order by attention
    costs a hundred times what running it does, so each filter and order is compiled
    once per process. A slice loads only the parties it holds. It offers what a
    paginator reads: its length and slices from a start to an end."""

    def __init__(
        self,
        user: User,
        *,
        search: str,
        status: str,
        kind: str,
        waiting_on_me: bool,
        sort: str,
        footprint: Footprint | None = None,
    ) -> None:
        # Everything "waiting on me" lists needs attention first: newest first is that order.
        if sort == DashboardSort.NAME:
            self.order = DashboardSort.NAME
        elif sort == DashboardSort.NEWEST or waiting_on_me:
            self.order = DashboardSort.NEWEST
        else:
            self.order = DashboardSort.ATTENTION
        self.status, self.waiting_on_me = status, waiting_on_me
        self.searching, self.of_kind = bool(search), bool(kind)
        self.shape = ("dashboard", status, waiting_on_me, self.order, self.searching, self.of_kind)
        self.values = {"user": user.pk, "search": search, "kind": kind}
        self.footprint = footprint

    def _kept(self, part: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        """What `compute` reads, kept under the person's footprint (`Footprint`) when
        the list was given one: ordering hundreds of alliances by what needs attention
        costs more than the rest of the page. A search is typed once, and each would be
        kept apart: the list found by one is read afresh."""
        footprint = self.footprint
        if footprint is None or self.searching:
            return compute()
        name = (*self.shape, tuple(sorted(self.values.items())), footprint.name, *part)
        return kept_value(name, compute, footprint.changes_at)

    def _listed(self) -> QuerySet[Party]:
        return _dashboard_listed(
            Slot("user", models.BigIntegerField()),
            search=Slot("search", models.TextField()) if self.searching else "",
            status=self.status,
            kind=Slot("kind", models.CharField()) if self.of_kind else "",
            waiting_on_me=self.waiting_on_me,
        )

    def __len__(self) -> int:
        # Grouped by the one user whose parties these are: one row, or none for no party.
        counted = self._kept(
            ("count",),
            lambda: prepared.run(
                (*self.shape, "count"),
                lambda: (
                    self._listed().order_by().values("user_id").annotate(n=Count("pk")).values("n")
                ),
                self.values,
            ),
        )
        return int(counted[0][0]) if counted else 0

    def __getitem__(self, shown: slice) -> list[tuple[Any, ...]]:
        """The rows of `_PAGE_COLUMNS` of the slice's parties (`_page_party` makes one a
        party); a page whose cards are all kept needs nothing else."""
        start, stop = shown.start or 0, shown.stop
        if shown.step is not None or start < 0 or (stop is not None and stop < start):
            raise ValueError("The dashboard's list is sliced from a start to an end, forwards.")
        if stop is None and start:
            raise ValueError("A slice of the dashboard's list after its start needs an end.")
        if stop == start:
            return []
        return self._kept(
            ("rows", start, stop),
            lambda: prepared.run(
                (*self.shape, "rows"),
                lambda: (
                    _dashboard_ordered(self._listed(), sort=self.order, waiting_on_me=False)
                    .annotate(alliance_stamp=_STAMP)
                    .values_list(*_PAGE_COLUMNS, "alliance_stamp")
                ),
                self.values,
                limit=None if stop is None else stop - start,
                offset=start,
            ),
        )


# What a page of the dashboard loads of each party: its columns, its alliance's, and the
# alliance's stamp (`DashboardCard.name`).
_PARTY_COLUMNS = [field.attname for field in Party._meta.concrete_fields]
_ALLIANCE_COLUMNS = [field.attname for field in Alliance._meta.concrete_fields]
_PAGE_COLUMNS = [*_PARTY_COLUMNS, *[f"alliance__{name}" for name in _ALLIANCE_COLUMNS]]
_STAMP = Subquery(AllianceStamp.objects.filter(alliance_id=OuterRef("alliance_id")).values("stamp"))


_PARTY_ID = _PAGE_COLUMNS.index("id")
_ALLIANCE_ID = _PAGE_COLUMNS.index("alliance_id")
_IS_OBSERVER = _PAGE_COLUMNS.index("is_observer")


def alliance_stamp(alliance_id: int) -> int | None:
    """The alliance's stamp (`alliance.lib.stamps`); None before anything of it was written
    since the stamps came."""
    rows = prepared.run(("stamp",), _stamp_of_alliance, {"alliance": alliance_id})
    return rows[0][0] if rows else None


def _stamp_of_alliance() -> QuerySet[Any]:
    return AllianceStamp.objects.filter(
        Q(alliance_id=Slot("alliance", models.BigIntegerField()))
    ).values_list("stamp")


def _page_party(row: tuple[Any, ...]) -> Party:
    """A party with its alliance, from a row of `_PAGE_COLUMNS` and the stamp."""
    parties = len(_PARTY_COLUMNS)
    party = Party.from_db(DEFAULT_DB_ALIAS, _PARTY_COLUMNS, row[:parties])
    party.alliance = Alliance.from_db(DEFAULT_DB_ALIAS, _ALLIANCE_COLUMNS, row[parties:-1])
    return party


@dataclass
class DashboardCard:
    """One alliance on a page of the dashboard, as a row of the person's party, the
    alliance and its stamp (`_PAGE_COLUMNS`). What its card shows is named by that row
    (the stamp is drawn afresh whenever another row of the alliance is written, see
    `alliance.lib.stamps`) and by how its last check-in went: a card kept under that
    name is shown without loading anything more (`dashboard_entries` loads the rest for
    the cards that are not)."""

    row: tuple[Any, ...]
    health: Health | None

    @property
    def name(self) -> tuple[Any, ...]:
        health = self.health
        return (
            self.row,
            health and (health.completed_at, health.terms, health.working_well),
        )

    @cached_property
    def party(self) -> Party:
        return _page_party(self.row)


@dataclass
class Dashboard:
    cards: list[DashboardCard]
    page: Page[tuple[Any, ...]]
    footprint: Footprint

    @property
    def has_alliances(self) -> bool:
        """Whether the person is in any alliance at all, filters aside."""
        return self.footprint.alliances > 0


def dashboard_for(
    user: User,
    *,
    search: str = "",
    status: str = "",
    kind: str = "",
    waiting_on_me: bool = False,
    sort: str = "",
    page: int | str | None = 1,
    per_page: int = DASHBOARD_PAGE_SIZE,
) -> Dashboard:
    """One page of the user's alliances, each with how its last check-in went; what its
    card shows besides is loaded by `dashboard_entries`, for the cards that need it. The
    page's alliances, their number and how their check-ins went are kept under the
    person's footprint (`Footprint`): a visit after nothing changed reads only that."""
    footprint = footprint_of(user)
    listed = _DashboardList(
        user,
        search=search,
        status=status,
        kind=kind,
        waiting_on_me=waiting_on_me,
        sort=sort,
        footprint=footprint,
    )
    # A paginator reads only the list's length and its slices (the stubs ask for more).
    shown: Page[tuple[Any, ...]] = Paginator(listed, per_page).get_page(page)  # type: ignore[arg-type]
    rows = list(shown.object_list)
    party_ids = [row[_PARTY_ID] for row in rows]
    health = kept_value(
        ("dashboard health", tuple(party_ids), per_page, footprint.name),
        lambda: _health_of_page(party_ids, per_page),
        None,
    )
    return Dashboard(
        cards=[
            DashboardCard(row, None if row[_IS_OBSERVER] else health.get(row[_ALLIANCE_ID]))
            for row in rows
        ],
        page=shown,
        footprint=footprint,
    )


def dashboard_entries(cards: list[DashboardCard]) -> list[DashboardEntry]:
    """Each card's status, next step, people, care and conversations, in a fixed number
    of queries however many cards are asked for."""
    rows = [card.party for card in cards]
    prefetch_related_objects(
        rows,
        "alliance__current_version",
        Prefetch(
            "alliance__parties",
            queryset=Party.objects.select_related("user").order_by("joined_at", "id"),
            to_attr="members",
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
    return [_dashboard_entry(card.party, card.health) for card in cards]


def _health_of_page(party_ids: list[int], per_page: int) -> dict[int, Health]:
    """How the last check-in each party of a page rated in went, by a prepared query with
    a place for each party a page holds (a shorter page repeats its last party)."""
    if not party_ids:
        return {}
    places = [f"party {n}" for n in range(per_page)]
    values = {place: party_ids[min(n, len(party_ids) - 1)] for n, place in enumerate(places)}

    def build() -> QuerySet[Any]:
        party_ids = [Slot(place, models.BigIntegerField()) for place in places]
        return last_health_rows(Party.present.filter(pk__in=party_ids))

    return health_by_alliance(prepared.run(("dashboard", "health", per_page), build, values))


def _dashboard_entry(party: Party, health: Health | None) -> DashboardEntry:
    alliance = party.alliance
    members = alliance.members  # type: ignore[attr-defined]
    draft = draft_build(alliance=alliance, parties=members, terms=alliance.draft_terms)  # type: ignore[attr-defined]
    care = care_of(alliance)
    others = [p for p in members if p.pk != party.pk]
    if party.is_observer or alliance.closed_at is not None:
        # Who and when only: an observer sees nothing the parties did not open to them,
        # and a closed alliance waits on nobody.
        observing = party.is_observer
        return DashboardEntry(
            alliance=alliance,
            party=party,
            draft=draft,
            status=AllianceStatus("observing", _("Observing"))
            if observing and alliance.closed_at is None
            else AllianceStatus("closed", _("Closed")),
            next_step="",
            others=others,
            care=Care(
                rhythm=None if observing or alliance.closed_at else care.rhythm,
                signals=[],
                checkins=[],
                at=care.at,
            ),
            conversations=[],
            health=health,
        )
    invitations = alliance.pending_invitations  # type: ignore[attr-defined]
    return DashboardEntry(
        alliance=alliance,
        party=party,
        draft=draft,
        status=alliance_status(draft, care),
        next_step=next_step(draft=draft, party=party, invitations=invitations),
        others=others,
        care=care,
        # A closed alliance's conversations wait on nobody.
        conversations=(
            [] if alliance.closed_at else conversation_waits(party, members, alliance.open_stakes)  # type: ignore[attr-defined]
        ),
        health=health,
    )


# The agenda: what is planned across all of a person's alliances in the weeks ahead.
AGENDA_DAYS = 30
# The most events the agenda lists; a coach with many clients sees the nearest ones.
AGENDA_LIMIT = 50


@dataclass
class AgendaItem:
    """One line of the agenda, in plain values."""

    at: datetime
    alliance_id: int
    title: str
    # "conversation" (with its stake's id) or "checkin".
    kind: str
    label: str
    stake_id: int | None = None


@dataclass
class AgendaDay:
    day: date
    items: list[AgendaItem]


@dataclass
class Agenda:
    days: list[AgendaDay]
    # Whether more was planned than the agenda lists.
    more: bool


def agenda_for(user: User, *, days: int = AGENDA_DAYS, limit: int = AGENDA_LIMIT) -> Agenda:
    """Scheduled conversations and planned check-ins of the user's open alliances on
    today and the `days` whole days after it, grouped by day in the user's time zone: two
    prepared queries (`alliance.lib.prepared`), at most `limit` events. Whole days, so
    that the agenda changes with the clock only at midnight (`agenda_name`).

    An observer's agenda holds only the conversations that include the observers, each
    linking to the alliance page (the conversation page is the designing parties' own);
    check-ins are the designing parties' own."""
    start = _start_of_today(user)
    values = {"user": user.pk, "start": start, "end": start + timedelta(days=days + 1)}
    zone = start.tzinfo
    conversations = prepared.run(
        ("agenda", "conversations"), _agenda_conversations, values, limit=limit + 1
    )
    checkins = prepared.run(("agenda", "check-ins"), _agenda_checkins, values, limit=limit + 1)
    items = [
        AgendaItem(
            at=starts_at.astimezone(zone),
            alliance_id=alliance_id,
            title=title,
            kind="conversation",
            label=str(_STAKE_KINDS.get(kind, kind)),
            # An observer's entry links to the alliance page, the one page they may open.
            stake_id=None if observed else stake_id,
        )
        for starts_at, alliance_id, title, kind, stake_id, observed in conversations
    ] + [
        AgendaItem(
            at=next_at.astimezone(zone),
            alliance_id=alliance_id,
            title=title,
            kind="checkin",
            label=_("Check-in"),
        )
        for next_at, alliance_id, title in checkins
    ]
    items.sort(key=lambda item: (item.at, item.title))
    grouped: dict[date, list[AgendaItem]] = {}
    for item in items[:limit]:
        grouped.setdefault(item.at.date(), []).append(item)
    return Agenda(
        days=[AgendaDay(day, day_items) for day, day_items in grouped.items()],
        more=len(items) > limit,
    )


_STAKE_KINDS = dict(StakeKind.choices)


def _start_of_today(user: User) -> datetime:
    zone = zone_or_utc(user.time_zone)
    return datetime.combine(now().astimezone(zone).date(), time(), tzinfo=zone)


def agenda_name(user: User, footprint: Footprint) -> tuple[tuple[Any, ...], datetime]:
    """What names the user's agenda as a kept piece, and until when: the day and time
    zone, and the user's footprint (`Footprint`), which changes whenever a conversation
    is scheduled, a rhythm set or a title changed in any of their alliances. Until the
    next midnight, when the agenda's days move on."""
    start = _start_of_today(user)
    return (user.pk, user.time_zone, start, footprint.name), start + timedelta(days=1)


def _agenda_alliance_ids(*, observing: bool) -> QuerySet[Party, Any]:
    """The open alliances of the agenda's person (a prepared query's slot): every one, or
    those they observe."""
    parties = Party.present if observing else Party.objects
    found = parties.filter(
        Q(user_id=Slot("user", models.BigIntegerField())), alliance__closed_at__isnull=True
    )
    if observing:
        found = found.filter(is_observer=True)
    return found.values("alliance_id")


def _agenda_conversations() -> QuerySet[Any]:
    return conversations_scheduled_between(
        _agenda_alliance_ids(observing=False),
        Slot("start", models.DateTimeField()),
        Slot("end", models.DateTimeField()),
        _agenda_alliance_ids(observing=True),
    )


def _agenda_checkins() -> QuerySet[Any]:
    return checkins_planned_between(
        _agenda_alliance_ids(observing=False),
        Slot("start", models.DateTimeField()),
        Slot("end", models.DateTimeField()),
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
    observer_grants: "ObserverGrants"

    @property
    def changes_at(self) -> datetime | None:
        """The next moment the page says something else by time alone: the planned
        check-in comes due, or an invitation expires. None when nothing waits on the
        clock."""
        next_at = self.care.next_at
        moments = [invitation.expires_at for invitation in self.invitations]
        if next_at is not None and next_at > self.care.at:
            moments.append(next_at)
        # An invitation that expired while the page loaded is past already: the page
        # is shown once and built afresh on the next visit.
        return min(moments, default=None)

    @property
    def open_checkin_is_mine(self) -> bool:
        """Whether the open check-in waits on, or was completed with, the viewer (one
        completed before they joined is not theirs to rate)."""
        return self.care.takes_part_in_open_checkin(self.party)

    @property
    def leads(self) -> list[Party]:
        return [p for p in self.draft.parties if p.is_lead]

    @property
    def lead_refusal(self) -> str | None:
        """Why the viewer may not add or remove leads, or None when they may."""
        return lead_refusal(self.party, self.leads)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The draft's items with every party's answer and the viewer's own, and what the
        page around them says: whether a version is in force and whether the draft is
        open for answers."""
        in_force = self.draft.version is not None
        consents_open = self.draft.has_changes or not in_force
        return [
            {
                "item": item,
                "answers": item.answers(self.draft.parties),
                "mine": item.consent_of(self.party),
                "in_force": in_force,
                "consents_open": consents_open,
            }
            for item in self.draft.items
        ]


def alliance_overview(party: Party) -> Overview:
    """Everything the alliance page shows `party`. The version in force is read again,
    not taken from the one loaded with the party: the page is kept under a stamp read
    after that one (see the alliance page's view), and what it shows must be no older
    than its stamp (erasing a person rewrites the names a version was signed with)."""
    alliance = party.alliance
    if alliance.current_version_id is not None:
        alliance.current_version = Version.objects.get(pk=alliance.current_version_id)
    # Observers too, for `observer_grants`; the draft is the designing parties'.
    present = list(Party.present.filter(alliance=alliance).select_related("user"))
    parties = [p for p in present if not p.is_observer]
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
        observer_grants=observer_grants(alliance, present),
    )


# What observers see ----------------------------------------------------------------------


@dataclass
class GrantState:
    """One thing observers may see, and which designing parties agree to it."""

    grant: str
    label: str
    agreed: list[Party]
    waiting: list[Party]

    @property
    def in_effect(self) -> bool:
        return bool(self.agreed) and not self.waiting


@dataclass
class ObserverGrants:
    observers: list[Party]
    grants: list[GrantState]

    @property
    def observer_names(self) -> str:
        """ "Sam, sponsor; Hana, HR partner": who observes, as the page says it."""
        return "; ".join(f"{p.user.name}, {p.role_label}" for p in self.observers)

    def state(self, grant: str) -> GrantState:
        return next(g for g in self.grants if g.grant == grant)

    def in_effect(self, grant: str) -> bool:
        return self.state(grant).in_effect

    def agrees(self, party: Party, grant: str) -> bool:
        return any(p.pk == party.pk for p in self.state(grant).agreed)


def observer_grants(alliance: Alliance, present: list[Party] | None = None) -> ObserverGrants:
    """What the alliance's observers may see beyond who and when: a grant is in effect
    only while every designing party now in the alliance agrees to it, so a newcomer's
    silence holds it back until they agree too. `present` is everyone in the alliance
    now, observers too, with their users, when the caller has them."""
    if present is None:
        present = list(Party.present.filter(alliance=alliance).select_related("user"))
    parties = [p for p in present if not p.is_observer]
    agreed = set(
        ObserverAllowance.objects.filter(alliance=alliance).values_list("party_id", "grant")
    )
    return ObserverGrants(
        observers=[p for p in present if p.is_observer],
        grants=[
            GrantState(
                grant=grant.value,
                label=str(grant.label),
                agreed=[p for p in parties if (p.pk, grant.value) in agreed],
                waiting=[p for p in parties if (p.pk, grant.value) not in agreed],
            )
            for grant in ObserverGrant
        ],
    )


def observer_may_see(party: Party, grant: str) -> bool:
    """Whether `party` may see `grant`: always for a designing party, for an observer only
    while the grant is in effect."""
    return not party.is_observer or observer_grants(party.alliance).in_effect(grant)


@dataclass
class ObserverPage:
    """Everything an observer's page shows; built without loading a term, draft,
    reflection, rating, comment, signal or history line."""

    alliance: Alliance
    party: Party
    parties: list[Party]
    observers: list[Party]
    grants: ObserverGrants
    stakes: list[Stake]
    versions: list[tuple[int, Any]] | None  # None: not granted
    health: list[Health] | None  # None: not granted


def observer_page(party: Party) -> ObserverPage:
    alliance = party.alliance
    present = list(Party.present.filter(alliance=alliance).select_related("user"))
    parties = [p for p in present if not p.is_observer]
    grants = observer_grants(alliance, present)
    versions = None
    if grants.in_effect(ObserverGrant.VERSIONS):
        versions = list(alliance.versions.order_by("-number").values_list("number", "ratified_at"))
    health = health_summary(alliance.pk) if grants.in_effect(ObserverGrant.HEALTH) else None
    return ObserverPage(
        alliance=alliance,
        party=party,
        parties=parties,
        observers=grants.observers,
        grants=grants,
        stakes=observed_stakes(alliance.pk),
        versions=versions,
        health=health,
    )


# For the command line (`alliance alliances`, `alliance alliance`) ------------------------


def alliances_of(user: User) -> list[Party]:
    """The person's parties in every alliance they are in now (observing and closed ones
    too), newest first, each with its alliance, version in force and present parties:
    three queries however many there are."""
    return list(
        Party.present.filter(user=user)
        .select_related("alliance__current_version")
        .prefetch_related(
            Prefetch(
                "alliance__parties",
                queryset=Party.present.select_related("user").order_by("joined_at", "id"),
                to_attr="present_parties",
            )
        )
        .order_by("-alliance__created_at", "-alliance_id")
    )


@dataclass
class AllianceSummary:
    """One alliance as an operator may look at it: who is in it, what is agreed and under
    discussion, and how it is kept alive. Never anyone's reflection."""

    alliance: Alliance
    parties: list[Party]
    draft: Draft
    care: Care

    @property
    def open_signals(self) -> int:
        return sum(1 for s in self.care.signals if s.state == "open")

    @property
    def acknowledged_signals(self) -> int:
        return sum(1 for s in self.care.signals if s.state == "acknowledged")


def alliance_summary(alliance_id: int) -> AllianceSummary | None:
    """The alliance with this id, summarised; None when there is none."""
    alliance = Alliance.objects.select_related("current_version").filter(pk=alliance_id).first()
    if alliance is None:
        return None
    parties = list(
        Party.present.filter(alliance=alliance).select_related("user").order_by("joined_at", "id")
    )
    designing = [p for p in parties if not p.is_observer]
    draft = draft_build(
        alliance=alliance, parties=designing, terms=draft_terms_queryset([alliance.pk])
    )
    prefetch_related_objects([alliance], *care_prefetches())
    return AllianceSummary(alliance=alliance, parties=parties, draft=draft, care=care_of(alliance))
