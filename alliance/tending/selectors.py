"""Reads for tending: an alliance's care state (rhythm, open signals, check-ins of the
version in force), the check-in page with its reveal rule, and the health timeline."""

import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    Exists,
    Expression,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.query import prefetch_related_objects
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import time_zone_names
from alliance.alliances.models import Alliance, Event, Party
from alliance.lib.chunks import chunked
from alliance.lib.clock import now
from alliance.lib.dates import day_start, zone_or_utc
from alliance.lib.prepared import Moment
from alliance.outbox.marks import PASS_OVERLAP, SweptSlice
from alliance.outbox.models import DEFAULT_REMINDER_DAYS, NotificationPreferences
from alliance.tending.models import (
    CheckIn,
    CheckInReflection,
    Outcome,
    Rating,
    ReminderKind,
    ReminderSent,
    Rhythm,
    Score,
    Signal,
    SignalPolicy,
    SignalState,
)
from alliance.tending.rhythms import RhythmSuggestion, rhythm_suggest, rule_describe
from alliance.terms.models import Category


@dataclass(frozen=True)
class TermRhythm:
    """A rhythm read from a ratified term, to offer in the rhythm form."""

    term_text: str
    suggestion: RhythmSuggestion


def rhythm_from_terms(alliance: Alliance) -> TermRhythm | None:
    """The rhythm the version in force agreed, read from its first "rhythm and touch
    points" term whose words describe one; None when none does."""
    version = alliance.current_version
    for term in version.snapshot["terms"] if version else []:
        if term.get("category") != Category.RHYTHM:
            continue
        suggestion = rhythm_suggest(term.get("text", ""))
        if suggestion is not None:
            return TermRhythm(term["text"], suggestion)
    return None


def rhythm_form_initial(
    alliance: Alliance, user: Any, base: dict[str, Any]
) -> tuple[dict[str, Any], TermRhythm | None]:
    """The rhythm form's initial data with the rhythm read from the terms over `base`,
    its first check-in after today in `user`'s time zone, and where it was read from."""
    read = rhythm_from_terms(alliance)
    if read is None:
        return base, None
    today = now().astimezone(zone_or_utc(user.time_zone)).date()
    return {**base, **read.suggestion.initial(today)}, read


def care_prefetches(prefix: str = "") -> list[str | Prefetch[Any]]:
    """Lookups that load an alliance's care state, for `prefetch_related` on alliances
    (`prefix` is the path to the alliance, e.g. "alliance__"): four queries in all, the
    check-ins and their ratings in plain lists (`Care` reads them)."""
    return [
        f"{prefix}rhythm",
        Prefetch(
            f"{prefix}signals",
            queryset=Signal.objects.exclude(state=SignalState.RESOLVED).select_related("raised_by"),
            to_attr="open_signals",
        ),
        # Of the check-ins on the version in force, the two kinds Care reads: the open
        # one and those that asked for a redesign. Not the kept ones, which pile up
        # with every check-in while the version lasts, each with its ratings.
        Prefetch(
            f"{prefix}checkins",
            queryset=CheckIn.objects.filter(
                Q(closed_at__isnull=True) | Q(outcome=Outcome.REDESIGN),
                version_id=F("alliance__current_version_id"),
            )
            .order_by("opened_at", "id")
            .prefetch_related(Prefetch("ratings", to_attr="loaded_ratings")),
            to_attr="current_checkins",
        ),
    ]


@dataclass
class Care:
    """How an alliance is being kept alive, from already loaded rows."""

    rhythm: Rhythm | None
    signals: list[Signal]
    # Of the version in force: the open check-in and those that asked for a redesign.
    checkins: list[CheckIn]
    at: datetime

    @property
    def open_checkin(self) -> CheckIn | None:
        return next((c for c in self.checkins if c.is_open), None)

    def takes_part_in_open_checkin(self, party: Party) -> bool:
        checkin = self.open_checkin
        return checkin is not None and (
            checkin.completed_at is None
            or any(rating.party_id == party.pk for rating in checkin.loaded_ratings)  # type: ignore[attr-defined]
        )

    @property
    def redesign(self) -> CheckIn | None:
        """The check-in that asked for a redesign of the version still in force."""
        chosen = [c for c in self.checkins if c.outcome == Outcome.REDESIGN]
        return chosen[-1] if chosen else None

    @property
    def tending_term_ids(self) -> set[int]:
        redesign = self.redesign
        if redesign is None:
            return set()
        return {r.term_id for r in redesign.loaded_ratings if r.score == Score.TENDING}  # type: ignore[attr-defined]

    @property
    def next_at(self) -> datetime | None:
        return self.rhythm.next_at if self.rhythm else None

    @property
    def rhythm_text(self) -> str:
        return rule_describe(self.rhythm.rule) if self.rhythm else ""

    @property
    def checkin_due(self) -> bool:
        return self.open_checkin is not None or (
            self.next_at is not None and self.next_at <= self.at
        )

    @property
    def checkin_early(self) -> bool:
        """Checking in now would come before a scheduled check-in: ask whether it takes
        that one's place or comes on top of it."""
        return self.open_checkin is None and self.next_at is not None and self.next_at > self.at

    @property
    def needs_tending(self) -> bool:
        return bool(self.signals) or self.redesign is not None


def _rhythm_of(alliance: Alliance) -> Rhythm | None:
    try:
        return alliance.rhythm
    except Rhythm.DoesNotExist:
        return None


def care_of(alliance: Alliance) -> Care:
    """The care state of an alliance loaded with `care_prefetches`."""
    return Care(
        rhythm=_rhythm_of(alliance),
        signals=alliance.open_signals,  # type: ignore[attr-defined]
        checkins=alliance.current_checkins,  # type: ignore[attr-defined]
        at=now(),
    )


def care_for(alliance: Alliance) -> Care:
    prefetch_related_objects([alliance], *care_prefetches())
    return care_of(alliance)


def anonymous_allowed(alliance: Alliance) -> bool:
    return SignalPolicy.objects.filter(alliance=alliance, allow_anonymous=True).exists()


def signals_of(alliance: Alliance) -> QuerySet[Signal]:
    """The alliance's tending signals, newest first, with whoever moved them on loaded
    (nobody for the raiser of an anonymous one: it keeps none)."""
    return alliance.signals.select_related(
        "raised_by", "acknowledged_by", "resolved_by", "resolved_version"
    )


def signal_list(alliance: Alliance) -> list[Signal]:
    return list(signals_of(alliance))


def checkins_of(alliance: Alliance) -> QuerySet[CheckIn]:
    """The alliance's check-ins, newest first, each with the version it reviews."""
    return alliance.checkins.select_related("version").order_by("-opened_at", "-id")


def checkin_list(alliance: Alliance) -> list[CheckIn]:
    return list(checkins_of(alliance))


@dataclass
class TermRow:
    term: dict[str, Any]
    mine: Rating | None
    others: list[tuple[Party, Rating | None]]
    # What the party sent when the save was refused, shown again instead of `mine`.
    typed: tuple[str, str] | None = None

    @property
    def shown_score(self) -> str:
        return self.typed[0] if self.typed else (self.mine.score if self.mine else "")

    @property
    def shown_comment(self) -> str:
        return self.typed[1] if self.typed else (self.mine.comment if self.mine else "")


@dataclass
class CheckInPage:
    """One check-in as `party` may see it. Others' reflections are loaded only when they
    are shared, and shown only to the parties they were revealed to; others' ratings
    only once the viewer rated. A check-in completed before the viewer joined shows
    them neither."""

    checkin: CheckIn
    party: Party
    parties: list[Party]
    rows: list[TermRow]
    my_reflection: CheckInReflection | None
    shared: list[CheckInReflection] = field(default_factory=list)
    rated_party_ids: set[int] = field(default_factory=set)
    revealed_to: set[int] = field(default_factory=set)
    # Names of everyone who was ever a party, for reflections of someone who left since.
    names: dict[int, str] = field(default_factory=dict)

    @property
    def takes_part(self) -> bool:
        """Whether the check-in waits on, or was completed with, the viewer."""
        return self.checkin.completed_at is None or self.i_rated

    @property
    def participants(self) -> list[Party]:
        """The parties now here whom the check-in waits on or was completed with."""
        if self.checkin.completed_at is None:
            return self.parties
        return [p for p in self.parties if p.pk in self.rated_party_ids]

    @property
    def revealed(self) -> bool:
        return self.party.pk in self.revealed_to

    @property
    def revealed_reflections(self) -> list[tuple[str, CheckInReflection]]:
        """The reflections revealed together, each with its author's name."""
        if not self.revealed:
            return []
        return [
            (self.names.get(r.party_id, ""), r)
            for r in self.shared
            if r.party_id in self.revealed_to
        ]

    @property
    def shared_count(self) -> int:
        waited_on = {p.pk for p in self.participants}
        return sum(1 for r in self.shared if r.party_id in waited_on)

    @property
    def i_rated(self) -> bool:
        return self.party.pk in self.rated_party_ids

    @property
    def waiting_for(self) -> list[Party]:
        if self.checkin.completed_at is not None:
            return []
        return [p for p in self.parties if p.pk not in self.rated_party_ids]


def checkin_page(*, party: Party, checkin_id: int) -> CheckInPage | None:
    checkin = (
        CheckIn.objects.select_related("version")
        .filter(pk=checkin_id, alliance_id=party.alliance_id)
        .first()
    )
    if checkin is None:
        return None
    everyone = list(Party.everyone.filter(alliance_id=party.alliance_id).select_related("user"))
    # Those who rate: designing parties now here, never an observer.
    parties = [p for p in everyone if p.left_at is None and not p.is_observer]
    ratings = list(checkin.ratings.all())
    rated = {r.party_id for r in ratings}
    reflections = list(
        CheckInReflection.objects.filter(checkin=checkin).filter(
            Q(party=party) | Q(shared_at__isnull=False)
        )
    )
    # Others' ratings leave this function only for a viewer who gave their own.
    by_key = {(r.party_id, r.term_id): r for r in ratings if party.pk in rated}
    rows = [
        TermRow(
            term=term,
            mine=by_key.get((party.pk, term["id"])),
            others=[(p, by_key.get((p.pk, term["id"]))) for p in parties if p.pk != party.pk],
        )
        for term in checkin.version.snapshot["terms"]
    ]
    return CheckInPage(
        checkin=checkin,
        party=next(p for p in parties if p.pk == party.pk),
        parties=parties,
        rows=rows,
        my_reflection=next((r for r in reflections if r.party_id == party.pk), None),
        shared=[r for r in reflections if r.shared_at is not None],
        rated_party_ids=rated,
        revealed_to=set(checkin.revealed_to.values_list("pk", flat=True)),
        names={p.pk: p.user.name for p in everyone},
    )


# Health timeline
#
# The chart is drawn in CSS pixels with no viewBox: the time axis is laid out in percent
# of the chart's width, everything else in pixels. So on a phone the picture narrows
# while its words keep their size, and each term's name sits on its own line above its
# dots rather than beside them, cut short by the browser where the width ends.

# Worst first: a term's dot at a check-in shows the lowest rating anyone gave it.
SCORE_ORDER = [Score.TENDING, Score.OKAY, Score.WELL]
LANE_HEIGHT = 58  # a line for the term's name, then its dots
DOT_Y = 40  # from the top of a lane
TOP = 40  # the row of version labels
BOTTOM = 36  # the row of dates
# The time axis runs from 3% to 97% of the width, so marks at either end stay whole.
AXIS_START, AXIS_SPAN = 3.0, 94.0
# Version labels closer than this (percent of the width) share one label ("v2-v3"): on
# a 320 px wide phone that is the width of a label.
VERSION_LABEL_GAP = 12.0


@dataclass
class Chart:
    height: int
    lanes: list[dict[str, Any]]
    points: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    version_labels: list[dict[str, Any]]
    ticks: list[dict[str, Any]]
    checkin_count: int


def _day(at: datetime) -> str:
    return formats.date_format(timezone.localtime(at), "j M Y")


def _anchor(x: float) -> str:
    """Where a label at `x` percent hangs from, so that it stays inside the chart."""
    if x < AXIS_START + 8:
        return "start"
    if x > AXIS_START + AXIS_SPAN - 8:
        return "end"
    return "middle"


def _version_labels(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One label per group of versions ratified close together, so none overprints."""
    groups: list[list[dict[str, Any]]] = []
    for version in versions:
        if groups and version["x"] - groups[-1][0]["x"] < VERSION_LABEL_GAP:
            groups[-1].append(version)
        else:
            groups.append([version])
    labels = []
    for group in groups:
        first, last = group[0], group[-1]
        text = first["label"] if first is last else f"{first['label']}-{last['label']}"
        x = round((first["x"] + last["x"]) / 2, 2)
        labels.append({"x": x, "text": text, "anchor": _anchor(x)})
    return labels


def rated_checkins(alliance: Alliance, viewer: Party) -> list[CheckIn]:
    """The check-ins `viewer` rated in, oldest first, with their ratings and version: the
    ones whose ratings they may read, as on the check-in page (nobody reads the others'
    ratings before giving their own, and a check-in completed before the viewer joined
    stays with those who rated it)."""
    return [
        checkin
        for checkin in alliance.checkins.filter(ratings__isnull=False)
        .distinct()
        .select_related("version")
        .order_by("opened_at", "id")
        .prefetch_related("ratings")
        if any(rating.party_id == viewer.pk for rating in checkin.ratings.all())
    ]


def lowest_score(ratings: list[Rating]) -> Score:
    """The worst of some ratings of one term: one "needs tending" is never averaged away."""
    return min((Score(r.score) for r in ratings), key=SCORE_ORDER.index)


def health_chart(alliance: Alliance, viewer: Party) -> Chart:
    """Ratings of every term at every check-in, with tending signals and ratified versions,
    laid out on one time line (five queries however long the history).

    A term's dot shows the lowest rating it got at that check-in, so one "needs
    tending" is never averaged away; its title and the table name each person's rating.
    A check-in shows only once `viewer` has rated in it, as on the check-in page: nobody
    reads the others' ratings before giving their own, and a check-in completed before
    the viewer joined stays with those who rated it.
    """
    versions = list(alliance.versions.order_by("number"))
    checkins = rated_checkins(alliance, viewer)
    signals = list(alliance.signals.order_by("raised_at", "id"))
    parties = list(
        Party.everyone.filter(alliance=alliance).select_related("user").order_by("joined_at")
    )
    names = {p.pk: p.user.name for p in parties}
    seat = {p.pk: index for index, p in enumerate(parties)}

    labels: dict[int | None, str] = {None: _("The alliance as a whole")}
    for version in versions:
        for term in version.snapshot["terms"]:
            labels[term["id"]] = term["text"]  # the latest wording wins
    lane_of = {term_id: index for index, term_id in enumerate(labels)}

    moments = [v.ratified_at for v in versions] + [c.opened_at for c in checkins]
    moments += [s.raised_at for s in signals]
    start = min(moments, default=alliance.created_at)
    today = now()
    # At least a week wide, so a young alliance's first marks do not pile onto each other.
    end = max([*moments, today, start + timedelta(days=7)])
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        """Percent of the chart's width."""
        return round(AXIS_START + AXIS_SPAN * (at - start).total_seconds() / span, 2)

    def lane_top(term_id: int | None) -> int:
        return TOP + LANE_HEIGHT * lane_of.get(term_id, 0)

    points = []
    for checkin in checkins:
        by_term: dict[int, list[Rating]] = {}
        for rating in sorted(checkin.ratings.all(), key=lambda r: seat.get(r.party_id, 0)):
            by_term.setdefault(rating.term_id, []).append(rating)
        for term_id, ratings in by_term.items():
            if term_id not in lane_of:
                continue
            lowest = lowest_score(ratings)
            each = ", ".join(
                _("%(name)s: %(rating)s")
                % {"name": names.get(r.party_id, "?"), "rating": Score(r.score).label.lower()}
                for r in ratings
            )
            day = _day(checkin.opened_at)
            points.append(
                {
                    "x": x(checkin.opened_at),
                    "y": lane_top(term_id) + DOT_Y,
                    "css": lowest.value,
                    "title": _("%(day)s: lowest %(lowest)s (%(each)s)")
                    % {"day": day, "lowest": lowest.label.lower(), "each": each},
                    "day": day,
                    "term": labels[term_id],
                    "lowest": lowest.label.lower(),
                    "each": each,
                }
            )
    height = TOP + LANE_HEIGHT * len(labels) + BOTTOM
    version_marks = [
        {
            "x": x(v.ratified_at),
            "label": _("v%(number)d") % {"number": v.number},
            "title": _("Version %(number)d") % {"number": v.number},
        }
        for v in versions
    ]
    return Chart(
        height=height,
        lanes=[{"top": lane_top(term_id), "label": text} for term_id, text in labels.items()],
        points=points,
        signals=[
            {
                "x": x(s.raised_at),
                "y": lane_top(s.term_id if s.term_id in lane_of else None) + DOT_Y,
                "title": _("Tending signal, %(day)s (%(state)s): %(note)s")
                % {"day": _day(s.raised_at), "state": s.get_state_display(), "note": s.note},
            }
            for s in signals
        ],
        versions=version_marks,
        version_labels=_version_labels(version_marks),
        ticks=[
            {"x": AXIS_START, "y": height - 10, "label": _day(start), "anchor": "start"},
            {
                "x": AXIS_START + AXIS_SPAN,
                "y": height - 10,
                "label": _("now") if end == today else _day(end),
                "anchor": "end",
            },
        ],
        checkin_count=len(checkins),
    )


def _current_checkins() -> QuerySet[CheckIn]:
    """For a query over parties: check-ins of the version in force of the party's alliance."""
    return CheckIn.objects.filter(
        alliance_id=OuterRef("alliance_id"), version_id=OuterRef("alliance__current_version_id")
    )


def needs_tending_condition() -> Q:
    """For a query over parties: an open signal, or a check-in of the version in force that
    asked for a redesign (the SQL twin of `Care.needs_tending`)."""
    signalled = Signal.objects.filter(alliance_id=OuterRef("alliance_id")).exclude(
        state=SignalState.RESOLVED
    )
    return Q(Exists(signalled)) | Q(Exists(_current_checkins().filter(outcome=Outcome.REDESIGN)))


def checkin_due_condition() -> Q:
    """For a query over parties: a check-in is open, or the planned one has come (the SQL
    twin of `Care.checkin_due`); never in a closed alliance."""
    due = Q(Exists(_current_checkins().filter(closed_at__isnull=True))) | Q(
        alliance__rhythm__next_at__lte=Moment()
    )
    return due & Q(alliance__closed_at__isnull=True)


def checkin_awaits_party() -> Exists:
    """For a query over parties: the open check-in waits on the party's ratings."""
    rated = Rating.objects.filter(checkin_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk")))
    return Exists(
        _current_checkins().filter(
            ~Exists(rated), closed_at__isnull=True, completed_at__isnull=True
        )
    )


# Reminders

# The local day of a check-in begins less than 25 hours before it (24, or 25 on the day
# the clocks go back), whatever the time zone.
LOCAL_DAY = timedelta(hours=25)


@dataclass(frozen=True)
class ReminderWindow:
    """Rhythms whose next check-in falls in (`after`, `until`] are near enough to owe the
    `kind` reminder to parties matching `parties`."""

    after: datetime
    until: datetime
    kind: str
    parties: Q | None = None

    @property
    def rhythms(self) -> QuerySet[Rhythm]:
        return Rhythm.objects.filter(next_at__gt=self.after, next_at__lte=self.until)


def reminder_windows(at: datetime) -> list[ReminderWindow]:
    """Where reminders may be owed at `at`, each a range of the `next_at` index.

    The day-of reminder can be due only when the check-in is less than a local day away;
    the one before only within the days a person asked for, plus a local day. Those who
    asked for more days than the default are looked for further ahead. It is a superset:
    time zones and preferences are then weighed in the service, a chunk at a time.
    """
    default_ahead = at + timedelta(days=DEFAULT_REMINDER_DAYS) + LOCAL_DAY
    windows = [
        ReminderWindow(at, at + LOCAL_DAY, ReminderKind.DAY_OF),
        ReminderWindow(at + LOCAL_DAY, default_ahead, ReminderKind.BEFORE),
    ]
    longest = NotificationPreferences.objects.aggregate(days=Max("checkin_reminder_days"))
    if (longest["days"] or 0) > DEFAULT_REMINDER_DAYS:
        windows.append(
            ReminderWindow(
                default_ahead,
                at + timedelta(days=longest["days"]) + LOCAL_DAY,
                ReminderKind.BEFORE,
                Q(user__notification_preferences__checkin_reminder_days__gt=DEFAULT_REMINDER_DAYS),
            )
        )
    return windows


def rhythm_ids_awaiting_reminder(
    at: datetime, *, after: datetime | None = None, swept: SweptSlice | None = None
) -> Iterator[list[int]]:
    """The rhythms that may owe a current party a reminder at `at`, in chunks.

    A whole sweep (`after` is None) reads every window of `reminder_windows`, without
    what was sent already (NOT EXISTS), each by one query, a step of the worker (an empty
    list when it owes nothing, so that the worker sends mail between windows). One set
    query per window is the cheapest way through it: at a million alliances a window
    holds up to 300,000 check-ins, which a hash join reads in about a second, where
    reading it in slices of the index costs twice as long in all
    (bench/periodic_scale.py).

    Every other pass reads only what may owe a reminder it did not owe at `after`, the
    previous pass (`rhythm_ids_owing_since`): one step; then it sweeps the alliances of
    `swept`, its slice of the rolling sweep (see `alliance.outbox.marks`), a step per
    window, as a whole sweep does.
    """
    if after is not None:
        owed = rhythm_ids_owing_since(after, at)
        yield from chunked(sorted(owed)) if owed else [[]]
        if swept is None or swept.empty:
            return
        for window in reminder_windows(at):
            rhythms = window.rhythms.filter(swept.condition("alliance_id"))
            in_slice = sorted(
                set(rhythms_owing_reminder(rhythms, window.kind, window.parties)) - owed
            )
            yield from chunked(in_slice) if in_slice else [[]]
        return
    for window in reminder_windows(at):
        owed_now = list(rhythms_owing_reminder(window.rhythms, window.kind, window.parties))
        yield from chunked(owed_now) if owed_now else [[]]


def rhythm_ids_owing_since(after: datetime, at: datetime) -> set[int]:
    """The rhythms that may owe someone a reminder at `at` that was not owed at `after`.

    A reminder falls due when a local day begins: the check-in's day, or the day `days`
    before it. So only people in a time zone where a day began since `after` can owe a
    new one (none in most passes a minute long; the zones of one UTC offset at the turn
    of an hour), and only for check-ins on that day or `days` later. The rest that can
    change what is owed is a line of history (a rhythm set or moved, a check-in kept,
    someone joined or came back, an alliance reopened) or a person choosing how early
    reminders come; a move to another time zone is weighed as it happens (see
    `services.reminders_after_move`).
    """
    since = after - PASS_OVERLAP
    later = Rhythm.objects.filter(next_at__gt=at)
    chose = NotificationPreferences.objects.filter(updated_at__gt=since).values("user_id")
    # Each from its own index, the few rows that changed first (an OR of the two would
    # read every rhythm).
    owing = set(
        later.filter(
            alliance_id__in=Event.objects.filter(created_at__gt=since).values("alliance_id")
        ).values_list("pk", flat=True)
    )
    owing.update(
        later.filter(
            alliance_id__in=Party.objects.filter(user_id__in=chose).values("alliance_id")
        ).values_list("pk", flat=True)
    )
    # A local midnight is a moment computed, not a row written: no overlap for it.
    begun = local_days_begun(after, at)
    if not begun:
        return owing
    chosen_leads = set(
        NotificationPreferences.objects.exclude(checkin_reminder_days=DEFAULT_REMINDER_DAYS)
        .filter(checkin_reminder_days__gt=0)
        .order_by()
        .values_list("checkin_reminder_days", flat=True)
        .distinct()
    )
    default_lead = Q(user__notification_preferences__isnull=True) | Q(
        user__notification_preferences__checkin_reminder_days=DEFAULT_REMINDER_DAYS
    )
    for day_begun in begun:
        in_zones = Party.objects.filter(
            alliance_id=OuterRef("alliance_id"), user__time_zone__in=day_begun.zones
        )
        # Everyone's reminder on the day itself, and the one before for those who never
        # chose how early.
        on_the_day = later.filter(day_begun.check_ins(), Exists(in_zones))
        ahead = later.filter(
            day_begun.check_ins(DEFAULT_REMINDER_DAYS), Exists(in_zones.filter(default_lead))
        )
        owing.update(on_the_day.values_list("pk", flat=True))
        owing.update(ahead.values_list("pk", flat=True))
        # Those who chose: from their choices (a small part of everyone), in one query.
        if chosen_leads:
            lead = "alliance__parties__user__notification_preferences__checkin_reminder_days"
            chosen = later.filter(
                reduce(
                    operator.or_,
                    (day_begun.check_ins(days) & Q(**{lead: days}) for days in chosen_leads),
                ),
                alliance__parties__user__time_zone__in=day_begun.zones,
            )
            owing.update(chosen.values_list("pk", flat=True))
    return owing


@dataclass(frozen=True)
class DayBegun:
    """A local `day` that began, in every one of `zones` at the same instant."""

    day: date
    zones: list[str]

    def check_ins(self, days_later: int = 0) -> Q:
        """For a query over rhythms: the next check-in falls `days_later` days after the
        day in one of the zones (their clocks may change on different days since)."""
        day = self.day + timedelta(days=days_later)
        zones = [_zones()[name] for name in self.zones]
        start = min(day_start(day, zone) for zone in zones)
        end = max(day_start(day + timedelta(days=1), zone) for zone in zones)
        return Q(next_at__gte=start, next_at__lt=end)


def local_days_begun(after: datetime, at: datetime) -> list[DayBegun]:
    """The local days that began in (`after`, `at`], the zones where each began at the
    same instant together; in a pass a minute long, mostly none."""
    begun: dict[tuple[date, datetime], list[str]] = {}
    for name, zone in _zones().items():
        day, last = after.astimezone(zone).date(), at.astimezone(zone).date()
        while day <= last:
            midnight = day_start(day, zone)
            if after < midnight <= at:
                begun.setdefault((day, midnight), []).append(name)
            day += timedelta(days=1)
    return [DayBegun(day, zones) for (day, _midnight), zones in sorted(begun.items())]


@cache
def _zones() -> dict[str, ZoneInfo]:
    """Every zone a person may choose, loaded once (`ZoneInfo` keeps only a few of those
    nobody holds on to)."""
    return {name: ZoneInfo(name) for name in time_zone_names()}


def rhythms_owing_reminder(
    rhythms: QuerySet[Rhythm], kind: str, parties: Q | None = None
) -> QuerySet[Rhythm, int]:
    """The ids of `rhythms` with a current party (matching `parties`) who has not had the
    `kind` reminder of its next check-in."""
    sent = ReminderSent.objects.filter(
        alliance_id=OuterRef("alliance_id"),
        user_id=OuterRef("user_id"),
        due_at=OuterRef(OuterRef("next_at")),
        kind=kind,
    )
    owed = Party.objects.filter(parties or Q(), alliance_id=OuterRef("alliance_id")).filter(
        ~Exists(sent)
    )
    # A closed alliance reminds nobody of anything.
    return rhythms.filter(Exists(owed), alliance__closed_at__isnull=True).values_list(
        "pk", flat=True
    )


# The dashboard: health at a glance, and the check-ins of the weeks ahead


def last_rated_checkin() -> Subquery:
    """For a query over parties: the latest
    completed check-in of the party's alliance in which the party rated, so nobody reads
    how a check-in went before they rated, nor one completed before they joined."""
    rated = Rating.objects.filter(checkin_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk")))
    return Subquery(
        CheckIn.objects.filter(
            Exists(rated), alliance_id=OuterRef("alliance_id"), completed_at__isnull=False
        )
        .order_by("-completed_at", "-id")
        .values("pk")[:1]
    )


@dataclass(frozen=True)
class Health:
    """How the last completed check-in went: when, and how many of the terms rated came
    out working well for everyone who rated them."""

    completed_at: datetime
    terms: int
    working_well: int


def last_health_rows(parties: QuerySet[Party]) -> QuerySet[CheckIn, tuple[Any, ...]]:
    """How the last check-in each of `parties` rated in went, one row per alliance: its
    id, when the check-in was completed, how many terms were rated and how many of them
    not working well for someone (`health_by_alliance` reads them)."""
    last = parties.annotate(checkin=last_rated_checkin()).values("checkin")
    return (
        CheckIn.objects.filter(pk__in=last, completed_at__isnull=False)
        .annotate(
            terms=Count("ratings__term_id", distinct=True),
            # A term works well only when nobody rated it lower.
            not_well=Count("ratings__term_id", distinct=True, filter=~Q(ratings__score=Score.WELL)),
        )
        .values_list("alliance_id", "completed_at", "terms", "not_well")
    )


def health_by_alliance(rows: Iterable[tuple[Any, ...]]) -> dict[int, Health]:
    """The rows of `last_health_rows` by alliance id."""
    return {
        alliance_id: Health(completed_at=completed_at, terms=terms, working_well=terms - not_well)
        for alliance_id, completed_at, terms, not_well in rows
    }


def checkins_planned_between(
    alliance_ids: QuerySet[Any], start: datetime | Expression, end: datetime | Expression
) -> QuerySet[Rhythm, tuple[Any, ...]]:
    """The planned check-ins of `alliance_ids` from `start` to before `end`, soonest
    first (through the `next_at` index), each as its time, its alliance's id and its
    alliance's title. `start` and `end` may be a prepared query's slots."""
    return (
        Rhythm.objects.filter(alliance_id__in=alliance_ids, next_at__gte=start, next_at__lt=end)
        .order_by("next_at", "pk")
        .values_list("next_at", "alliance_id", "alliance__title")
    )


def health_summary(alliance_id: int, rated_by: Party | None = None) -> list[Health]:
    """Per completed check-in, oldest first, counted in the database: not one rating,
    comment or reflection is loaded. With `rated_by`, only the check-ins that party rated
    in (a party reads how a check-in went once they rated in it; an observer with the
    health grant reads every one's counts)."""
    checkins = CheckIn.objects.filter(alliance_id=alliance_id, completed_at__isnull=False)
    if rated_by is not None:
        checkins = checkins.filter(
            Exists(Rating.objects.filter(checkin_id=OuterRef("pk"), party_id=rated_by.pk))
        )
    rows = (
        checkins.annotate(
            rated_terms=Count("ratings__term_id", distinct=True),
            not_well=Count(
                "ratings__term_id",
                filter=Q(ratings__score__in=[Score.OKAY, Score.TENDING]),
                distinct=True,
            ),
        )
        .order_by("completed_at", "id")
        .values_list("completed_at", "rated_terms", "not_well")
    )
    return [
        Health(completed_at=at, working_well=terms - not_well, terms=terms)
        for at, terms, not_well in rows
        if at is not None
    ]
