"""Keeping the alliance alive through the API: the check-in rhythm, check-ins (rate each
term, reflect, decide), tending signals and health, on the same services and selectors
as the pages, with the same rules of who sees what."""

from datetime import date, datetime, time
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from alliance.alliances.models import Kind, ObserverGrant, Party
from alliance.alliances.selectors import observer_may_see, team_setting_refusal
from alliance.api.access import answers, party, writer
from alliance.api.pagination import Page, PageQuery, cursor_page
from alliance.api.texts import StorableText
from alliance.lib.forms import MAX_ID
from alliance.tending import selectors, services
from alliance.tending.models import CheckIn, Outcome, Rhythm, Score, Signal, SignalState
from alliance.tending.rhythms import rule_build, rule_describe, rule_fields
from alliance.tending.services import REFLECTION_LIMIT, TEXT_LIMIT

router = Router(tags=["tending"])

# The largest list of ratings one answer carries: far more terms than any version has.
MAX_TERMS = 500


def _url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


# Rhythm ----------------------------------------------------------------------------------


class Repeat(StrEnum):
    WEEKS = "weeks"
    WEEKDAY = "weekday"
    MONTHDAY = "monthday"
    MONTHEND = "monthend"
    NONE = "none"


class Weekday(StrEnum):
    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"


class Ordinal(IntEnum):
    FIRST = 1
    SECOND = 2
    THIRD = 3
    FOURTH = 4
    LAST = -1


class RhythmFromTermsOut(Schema):
    term_text: str = Field(description="The ratified term the rhythm was read from.")
    description: str


class RhythmOut(Schema):
    is_set: bool
    starts_on: date | None = Field(description="Local date of the first check-in.")
    at_time: str | None = Field(description="Local time of day of every check-in, `HH:MM`.")
    time_zone: str | None
    rule: str | None = Field(description="The RFC 5545 RRULE, without `RRULE:`; empty: once.")
    repeat: Repeat | None
    interval: int | None
    ordinal: Ordinal | None
    weekday: Weekday | None
    monthday: int | None
    description: str | None
    next_at: datetime | None = Field(description="The next check-in; null once none is left.")
    set_by: str | None
    updated_at: datetime | None
    may_change: bool
    refusal: str | None = Field(description="Why the caller may not change it, if so.")
    from_terms: RhythmFromTermsOut | None = Field(
        description="A rhythm the version in force agreed in words, when it differs."
    )
    url: str


E = TypeVar("E", bound=Enum)


def _member(enum: type[E], value: object) -> E | None:
    """`value` as a member of `enum`; None for a rule the form could not have made (one
    edited by hand), whose fields the form does not offer either."""
    try:
        return enum(value)
    except ValueError:
        return None


def _bounded(value: object, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and low <= value <= high else None


def _rhythm_out(me: Party) -> RhythmOut:
    rhythm: Rhythm | None = selectors.care_for(me.alliance).rhythm
    read = selectors.rhythm_from_terms(me.alliance)
    if (
        read is not None
        and rhythm is not None
        and read.suggestion.matches(rhythm.rule, rhythm.at_time)
    ):
        read = None
    fields = rule_fields(rhythm.rule) if rhythm else {}
    refusal = team_setting_refusal(me)
    return RhythmOut(
        is_set=rhythm is not None,
        starts_on=rhythm.starts_on if rhythm else None,
        at_time=f"{rhythm.at_time:%H:%M}" if rhythm else None,
        time_zone=rhythm.time_zone if rhythm else None,
        rule=rhythm.rule if rhythm else None,
        repeat=_member(Repeat, fields.get("repeat")),
        interval=_bounded(fields.get("interval"), 1, 52),
        ordinal=_member(Ordinal, fields.get("ordinal")),
        weekday=_member(Weekday, fields.get("weekday")),
        monthday=_bounded(fields.get("monthday"), 1, 31),
        description=rule_describe(rhythm.rule) if rhythm else None,
        next_at=rhythm.next_at if rhythm else None,
        set_by=rhythm.set_by.name if rhythm else None,
        updated_at=rhythm.updated_at if rhythm else None,
        may_change=refusal is None and me.alliance.closed_at is None,
        refusal=refusal,
        from_terms=RhythmFromTermsOut(
            term_text=read.term_text, description=read.suggestion.describe()
        )
        if read
        else None,
        url=_url("rhythm_detail", alliance_id=me.alliance_id),
    )


@router.get(
    "/alliances/{id:alliance_id}/rhythm",
    response=RhythmOut,
    summary="The check-in rhythm",
    openapi_extra=answers("parties"),
)
def rhythm_detail(request: HttpRequest, alliance_id: int) -> RhythmOut:
    """When the alliance next checks in and how often, and whether the caller may change
    it (in a team with leads, only a lead may)."""
    return _rhythm_out(party(request, alliance_id))


# A local time of day, `HH:MM` (seconds allowed): no time zone, since the caller's own
# applies. (OpenAPI's `format: time` is RFC 3339's, which carries an offset.)
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
ORDINALS = (1, 2, 3, 4, -1)


def _ordinal(value: int) -> int:
    if value not in ORDINALS:
        raise ValueError(_("Choose 1, 2, 3, 4 or -1 (the last)."))
    return value


class RhythmIn(Schema):
    starts_on: date = Field(description="Local date of the next check-in, in your time zone.")
    at_time: str = Field(
        max_length=8,
        pattern=LOCAL_TIME,
        description="Local time of day, `HH:MM`, in your own time zone.",
    )
    repeat: Repeat = Field(description="How it repeats, as the rhythm form offers.")
    interval: int = Field(
        6, ge=1, le=52, strict=True, description="For `weeks`: every how many weeks."
    )
    ordinal: Annotated[int, AfterValidator(_ordinal)] = Field(
        1,
        strict=True,
        json_schema_extra={"enum": list(ORDINALS)},
        description="For `weekday`: which one (-1: the last).",
    )
    weekday: Weekday = Field(Weekday.TU, description="For `weekday`: which day.")
    monthday: int = Field(
        1, ge=1, le=31, strict=True, description="For `monthday`: the day of the month."
    )


@router.put(
    "/alliances/{id:alliance_id}/rhythm",
    response=RhythmOut,
    summary="Set the check-in rhythm",
    openapi_extra=answers("parties"),
)
def rhythm_set(request: HttpRequest, alliance_id: int, payload: RhythmIn) -> RhythmOut:
    """Set the next check-in and how often the alliance checks in, in the caller's own
    time zone; everyone is reminded by email and in their calendar feed."""
    me = writer(request, alliance_id)
    services.rhythm_set(
        party=me,
        starts_on=payload.starts_on,
        at_time=time.fromisoformat(payload.at_time),
        rule=rule_build(
            repeat=payload.repeat.value,
            interval=payload.interval,
            ordinal=payload.ordinal,
            weekday=payload.weekday.value,
            monthday=payload.monthday,
        ),
    )
    return _rhythm_out(party(request, alliance_id))


# Check-ins -------------------------------------------------------------------------------


class CheckInOut(Schema):
    id: int
    version: int = Field(description="The number of the version it reviews.")
    opened_at: datetime
    due_at: datetime | None = Field(description="The planned check-in it answers, if any.")
    completed_at: datetime | None = Field(description="When the last party rated.")
    reflections_revealed_at: datetime | None
    closed_at: datetime | None
    outcome: Outcome | None = Field(description="What the parties chose when they closed it.")
    is_open: bool
    url: str


def _checkin_fields(checkin: CheckIn) -> dict[str, object]:
    return {
        "id": checkin.pk,
        "version": checkin.version.number,
        "opened_at": checkin.opened_at,
        "due_at": checkin.due_at,
        "completed_at": checkin.completed_at,
        "reflections_revealed_at": checkin.reflections_revealed_at,
        "closed_at": checkin.closed_at,
        "outcome": checkin.outcome or None,
        "is_open": checkin.is_open,
        "url": _url("checkin_detail", alliance_id=checkin.alliance_id, checkin_id=checkin.pk),
    }


@router.get(
    "/alliances/{id:alliance_id}/checkins",
    response=Page[CheckInOut],
    summary="Check-ins",
    openapi_extra=answers("parties"),
)
def checkin_list(
    request: HttpRequest, alliance_id: int, query: Query[PageQuery]
) -> Page[CheckInOut]:
    """Every check-in of the alliance, newest first."""
    me = party(request, alliance_id)
    items, next_cursor = cursor_page(
        selectors.checkins_of(me.alliance),
        cursor=query.cursor,
        limit=query.limit,
        newest_first=True,
    )
    return Page[CheckInOut](
        items=[CheckInOut(**_checkin_fields(c)) for c in items],  # type: ignore[arg-type]
        next_cursor=next_cursor,
    )


class CheckInWhen(StrEnum):
    REPLACE = "replace"
    EXTRA = "extra"


class CheckInStartIn(Schema):
    when: CheckInWhen | None = Field(
        None,
        description=(
            "Needed only before the next planned check-in: `replace` makes this one take "
            "its place, `extra` comes on top of it (the next one stays)."
        ),
    )


class CheckInPartyOut(Schema):
    party_id: int
    name: str


class MyRatingOut(Schema):
    score: Score
    comment: str


class OtherRatingOut(Schema):
    party_id: int
    name: str
    score: Score
    comment: str


class CheckInTermOut(Schema):
    term_id: int
    category: str
    text: str
    mine: MyRatingOut | None
    others: list[OtherRatingOut] = Field(
        description="The others' ratings, once you have given yours."
    )


class MyCheckInReflectionOut(Schema):
    text: str
    shared_at: datetime | None = Field(description="Null: a draft only you see.")


class RevealedCheckInReflectionOut(Schema):
    name: str
    text: str


class CheckInDetailOut(CheckInOut):
    takes_part: bool = Field(description="False for a check-in completed before you joined.")
    i_rated: bool
    waiting_for: list[CheckInPartyOut]
    shared_count: int = Field(description="How many who take part have shared.")
    participant_count: int
    terms: list[CheckInTermOut]
    my_reflection: MyCheckInReflectionOut | None
    reflections: list[RevealedCheckInReflectionOut] | None = Field(
        description="Everyone's shared reflections, side by side; null until revealed to you."
    )


def _checkin_detail_out(me: Party, checkin_id: int) -> CheckInDetailOut:
    page = selectors.checkin_page(party=me, checkin_id=checkin_id)
    if page is None:
        raise Http404
    mine = page.my_reflection
    return CheckInDetailOut(
        **_checkin_fields(page.checkin),  # type: ignore[arg-type]
        takes_part=page.takes_part,
        i_rated=page.i_rated,
        waiting_for=[CheckInPartyOut(party_id=p.pk, name=p.user.name) for p in page.waiting_for],
        shared_count=page.shared_count,
        participant_count=len(page.participants),
        terms=[
            CheckInTermOut(
                term_id=row.term["id"],
                category=row.term.get("category", ""),
                text=row.term.get("text", ""),
                mine=MyRatingOut(score=Score(row.mine.score), comment=row.mine.comment)
                if row.mine
                else None,
                others=[
                    OtherRatingOut(
                        party_id=other.pk,
                        name=other.user.name,
                        score=Score(rating.score),
                        comment=rating.comment,
                    )
                    for other, rating in row.others
                    if rating is not None
                ],
            )
            for row in page.rows
        ],
        my_reflection=MyCheckInReflectionOut(text=mine.text, shared_at=mine.shared_at)
        if mine is not None and (mine.text or mine.shared_at)
        else None,
        reflections=[
            RevealedCheckInReflectionOut(name=name, text=reflection.text)
            for name, reflection in page.revealed_reflections
        ]
        if page.revealed
        else None,
    )


@router.post(
    "/alliances/{id:alliance_id}/checkins",
    response={200: CheckInDetailOut, 201: CheckInDetailOut},
    summary="Start a check-in",
    openapi_extra=answers("parties"),
)
def checkin_start(
    request: HttpRequest, alliance_id: int, payload: CheckInStartIn
) -> Status[CheckInDetailOut]:
    """Open a check-in of the version in force (201), or answer with the one already open
    (200). Send `{}`; before the next planned check-in, say in `when` whether this one
    takes its place or comes on top of it."""
    me = writer(request, alliance_id)
    care = selectors.care_for(me.alliance)
    if care.checkin_early and payload.when is None and care.next_at is not None:
        when = formats.date_format(localtime(care.next_at), "l j F Y, H:i")
        raise ValidationError(
            {
                "when": _(
                    "The next check-in is planned for %(when)s: say whether this one takes "
                    "its place (replace) or comes on top of it (extra)."
                )
                % {"when": when}
            }
        )
    already = care.open_checkin
    checkin = services.checkin_start(party=me, extra=payload.when == CheckInWhen.EXTRA)
    created = already is None or already.pk != checkin.pk
    return Status(201 if created else 200, _checkin_detail_out(me, checkin.pk))


@router.get(
    "/alliances/{id:alliance_id}/checkins/{id:checkin_id}",
    response=CheckInDetailOut,
    summary="One check-in",
    openapi_extra=answers("parties"),
)
def checkin_detail(request: HttpRequest, alliance_id: int, checkin_id: int) -> CheckInDetailOut:
    """One check-in as the caller may see it: their own ratings and reflection; the
    others' ratings once they rated too; the others' reflections once everyone shared."""
    return _checkin_detail_out(party(request, alliance_id), checkin_id)


class RatingIn(Schema):
    term_id: int = Field(ge=1, le=MAX_ID, strict=True)
    score: Score
    comment: StorableText = Field("", max_length=TEXT_LIMIT)


class CheckInAnswerIn(Schema):
    ratings: list[RatingIn] = Field(
        max_length=MAX_TERMS, description="One for each term of the version."
    )
    reflection: StorableText = Field(
        "", max_length=REFLECTION_LIMIT, description="Private to you until you share it."
    )
    share: bool = Field(
        False, strict=True, description="Share the reflection: it no longer changes."
    )


@router.put(
    "/alliances/{id:alliance_id}/checkins/{id:checkin_id}/answer",
    response=CheckInDetailOut,
    summary="Rate the terms and reflect",
    openapi_extra=answers("parties"),
)
def checkin_answer(
    request: HttpRequest, alliance_id: int, checkin_id: int, payload: CheckInAnswerIn
) -> CheckInDetailOut:
    """Rate every term of the version (working well, okay, needs tending, with an optional
    comment) and write your overall reflection. Sending again replaces your ratings, and
    your reflection until you share it. When everyone has rated, the check-in is complete;
    when everyone has shared, the reflections are revealed side by side."""
    me = writer(request, alliance_id)
    page = selectors.checkin_page(party=me, checkin_id=checkin_id)
    if page is None:
        raise Http404
    term_ids = {row.term["id"] for row in page.rows}
    sent = [rating.term_id for rating in payload.ratings]
    if len(set(sent)) != len(sent) or not set(sent) <= term_ids:
        raise ValidationError(
            {
                "ratings": _("Rate each term of version %(number)d once, by its id.")
                % {"number": page.checkin.version.number}
            }
        )
    services.checkin_answer(
        party=me,
        checkin_id=checkin_id,
        ratings={r.term_id: (r.score.value, r.comment) for r in payload.ratings},
        reflection=payload.reflection,
        share=payload.share,
    )
    return _checkin_detail_out(me, checkin_id)


class CheckInCloseIn(Schema):
    outcome: Outcome = Field(description="`kept`: keep the version; `redesign`: redesign it.")


@router.post(
    "/alliances/{id:alliance_id}/checkins/{id:checkin_id}/close",
    response=CheckInDetailOut,
    summary="Decide: keep or redesign",
    openapi_extra=answers("parties"),
)
def checkin_close(
    request: HttpRequest, alliance_id: int, checkin_id: int, payload: CheckInCloseIn
) -> CheckInDetailOut:
    """Once everyone has rated, record what you chose together: keep the alliance as it is
    (the rhythm moves on to the next check-in), or redesign it (the terms rated "needs
    tending" are marked in the draft)."""
    me = writer(request, alliance_id)
    if not selectors.checkins_of(me.alliance).filter(pk=checkin_id).exists():
        raise Http404
    services.checkin_close(party=me, checkin_id=checkin_id, outcome=payload.outcome.value)
    return _checkin_detail_out(me, checkin_id)


# Tending signals -------------------------------------------------------------------------


class SignalOut(Schema):
    id: int
    state: SignalState
    raised_at: datetime
    anonymous: bool
    raised_by: str | None = Field(description="Null for a signal raised without a name.")
    term_id: int | None = Field(description="The term it is about; null: the whole alliance.")
    term_text: str
    note: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str
    resolved_version: int | None


def _signal_out(signal: Signal) -> SignalOut:
    # An anonymous signal keeps no raiser; `raiser_name` would say "Someone", which is
    # for people: here it is null.
    raiser = None if signal.anonymous or signal.raised_by is None else signal.raised_by.name
    return SignalOut(
        id=signal.pk,
        state=SignalState(signal.state),
        raised_at=signal.raised_at,
        anonymous=signal.anonymous,
        raised_by=raiser,
        term_id=signal.term_id,
        term_text=signal.term_text,
        note=signal.note,
        acknowledged_at=signal.acknowledged_at,
        acknowledged_by=signal.acknowledged_by.name if signal.acknowledged_by else None,
        resolved_at=signal.resolved_at,
        resolved_by=signal.resolved_by.name if signal.resolved_by else None,
        resolution=signal.resolution,
        resolved_version=signal.resolved_version.number if signal.resolved_version else None,
    )


def _signal(me: Party, signal_id: int) -> Signal:
    signal = selectors.signals_of(me.alliance).filter(pk=signal_id).first()
    if signal is None:
        raise Http404
    return signal


@router.get(
    "/alliances/{id:alliance_id}/signals",
    response=Page[SignalOut],
    summary="Tending signals",
    openapi_extra=answers("parties"),
)
def signal_list(request: HttpRequest, alliance_id: int, query: Query[PageQuery]) -> Page[SignalOut]:
    """Every tending signal of the alliance, newest first. A signal raised without a name
    names nobody, to anyone."""
    me = party(request, alliance_id)
    items, next_cursor = cursor_page(
        selectors.signals_of(me.alliance), cursor=query.cursor, limit=query.limit, newest_first=True
    )
    return Page[SignalOut](items=[_signal_out(s) for s in items], next_cursor=next_cursor)


class SignalIn(Schema):
    note: StorableText = Field(max_length=TEXT_LIMIT, description="What needs attention, from “I”.")
    term_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        strict=True,
        description="A term of the version in force; null: the whole.",
    )
    anonymous: bool = Field(
        False, strict=True, description="Without your name: only in a team that allows it."
    )


@router.post(
    "/alliances/{id:alliance_id}/signals",
    response={201: SignalOut},
    summary="Raise a tending signal",
    openapi_extra=answers("parties"),
)
def signal_raise(request: HttpRequest, alliance_id: int, payload: SignalIn) -> Status[SignalOut]:
    """Flag that the alliance, or one of its terms, needs attention; the others are emailed
    at once. Without a name (a team that allows it), it is stored with no raiser at all
    and everyone, you too, is emailed alike."""
    me = writer(request, alliance_id)
    if payload.anonymous and not services.anonymous_signals_allowed(me.alliance):
        raise ValidationError(
            {"anonymous": _("This alliance does not take signals without a name.")}
        )
    signal = services.signal_raise(
        party=me, note=payload.note, term_id=payload.term_id, anonymous=payload.anonymous
    )
    return Status(201, _signal_out(_signal(me, signal.pk)))


@router.post(
    "/alliances/{id:alliance_id}/signals/{id:signal_id}/acknowledge",
    response=SignalOut,
    summary="Acknowledge a signal",
    openapi_extra=answers("parties"),
)
def signal_acknowledge(request: HttpRequest, alliance_id: int, signal_id: int) -> SignalOut:
    """Say you have read someone's signal; the others are told."""
    me = writer(request, alliance_id)
    _signal(me, signal_id)
    services.signal_acknowledge(party=me, signal_id=signal_id)
    return _signal_out(_signal(me, signal_id))


class SignalResolveIn(Schema):
    resolution: StorableText = Field(max_length=TEXT_LIMIT, description="How it was resolved.")
    version_number: int | None = Field(
        None, ge=1, le=MAX_ID, strict=True, description="The version that resolved it, if one did."
    )


@router.post(
    "/alliances/{id:alliance_id}/signals/{id:signal_id}/resolve",
    response=SignalOut,
    summary="Resolve a signal",
    openapi_extra=answers("parties"),
)
def signal_resolve(
    request: HttpRequest, alliance_id: int, signal_id: int, payload: SignalResolveIn
) -> SignalOut:
    """Close a signal with how it was resolved (and the version that did, if any); the
    others are told."""
    me = writer(request, alliance_id)
    _signal(me, signal_id)
    services.signal_resolve(
        party=me,
        signal_id=signal_id,
        resolution=payload.resolution,
        version_number=payload.version_number,
    )
    return _signal_out(_signal(me, signal_id))


class SignalPolicyIn(Schema):
    allow_anonymous: bool = Field(
        strict=True, description="Let team members raise signals without a name."
    )


class SignalPolicyOut(Schema):
    allow_anonymous: bool
    is_team: bool = Field(description="Only a team alliance may take signals without a name.")
    refusal: str | None = Field(description="Why the caller may not change it, if so.")


@router.put(
    "/alliances/{id:alliance_id}/signals/policy",
    response=SignalPolicyOut,
    summary="Who may signal without a name",
    openapi_extra=answers("parties"),
)
def signal_policy_set(
    request: HttpRequest, alliance_id: int, payload: SignalPolicyIn
) -> SignalPolicyOut:
    """In a team alliance, allow signals without a name, or not (once the team has
    leads, only they may change it). Nobody, not even an administrator, can then see
    who raised one."""
    me = writer(request, alliance_id)
    policy = services.signal_policy_set(party=me, allow_anonymous=payload.allow_anonymous)
    return SignalPolicyOut(
        allow_anonymous=policy.allow_anonymous,
        is_team=me.alliance.kind == Kind.TEAM,
        refusal=team_setting_refusal(me),
    )


# Health ----------------------------------------------------------------------------------


class HealthLineOut(Schema):
    completed_at: datetime
    terms: int = Field(description="How many terms were rated.")
    working_well: int = Field(description="How many of them everyone rated working well.")


class TermRatingOut(Schema):
    party_id: int
    name: str
    score: Score


class TermHealthOut(Schema):
    term_id: int
    text: str
    lowest: Score = Field(description="The lowest rating anyone gave it.")
    ratings: list[TermRatingOut]


class CheckInHealthOut(Schema):
    checkin_id: int
    version: int
    opened_at: datetime
    completed_at: datetime | None
    url: str
    terms: list[TermHealthOut]


class HealthOut(Schema):
    summary: list[HealthLineOut] = Field(
        description="Per completed check-in, oldest first: how many terms work well."
    )
    checkins: list[CheckInHealthOut] | None = Field(
        description="Each term's ratings at each check-in you rated in; null for observers."
    )


@router.get(
    "/alliances/{id:alliance_id}/health",
    response=HealthOut,
    summary="Health over time",
    openapi_extra=answers("observers"),
)
def health_detail(request: HttpRequest, alliance_id: int) -> HealthOut:
    """How the terms fared at each check-in. A party sees the check-ins they rated in,
    term by term and person by person. An observer sees, only if every designing party
    lets them, the summary: per completed check-in, how many terms work well."""
    me = party(request, alliance_id, observers=True)
    if me.is_observer:
        if not observer_may_see(me, ObserverGrant.HEALTH):
            raise PermissionDenied(
                _("The parties have not let observers see the health of this alliance.")
            )
        lines = selectors.health_summary(me.alliance_id)
        return HealthOut(summary=[HealthLineOut(**vars(h)) for h in lines], checkins=None)
    lines = selectors.health_summary(me.alliance_id, rated_by=me)
    names = {
        p.pk: p.user.name
        for p in Party.everyone.filter(alliance_id=me.alliance_id).select_related("user")
    }
    checkins = []
    for checkin in selectors.rated_checkins(me.alliance, me):
        ratings = list(checkin.ratings.all())
        terms = []
        for term in checkin.version.snapshot["terms"]:
            given = [r for r in ratings if r.term_id == term["id"]]
            if not given:
                continue
            terms.append(
                TermHealthOut(
                    term_id=term["id"],
                    text=term.get("text", ""),
                    lowest=selectors.lowest_score(given),
                    ratings=[
                        TermRatingOut(
                            party_id=r.party_id,
                            name=names.get(r.party_id, ""),
                            score=Score(r.score),
                        )
                        for r in given
                    ],
                )
            )
        checkins.append(
            CheckInHealthOut(
                checkin_id=checkin.pk,
                version=checkin.version.number,
                opened_at=checkin.opened_at,
                completed_at=checkin.completed_at,
                url=_url("checkin_detail", alliance_id=me.alliance_id, checkin_id=checkin.pk),
                terms=terms,
            )
        )
    return HealthOut(summary=[HealthLineOut(**vars(h)) for h in lines], checkins=checkins)
