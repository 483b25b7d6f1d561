"""Writes for tending: the rhythm, check-ins, tending signals, reminders, calendar feeds.

Functions that change an alliance lock its row first (as the term services do), so
check-ins and signals of one alliance change one after another.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased, on_time_zone_changed
from alliance.alliances.models import Alliance, Kind, Party
from alliance.alliances.reactions import on_party_leave, on_party_return
from alliance.alliances.services import event_record, team_setting_check
from alliance.lib.chunks import chunked
from alliance.lib.clock import now
from alliance.lib.dates import day_start, day_text, horizon_last_day, zone_or_utc
from alliance.lib.mail import send_templated
from alliance.lib.tokens import hash_token, new_token
from alliance.outbox.marks import pass_done, pass_plan
from alliance.outbox.models import DEFAULT_REMINDER_DAYS, EmailKind
from alliance.outbox.services import reminder_days_of
from alliance.tending.models import (
    CalendarFeed,
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
    TendingEvent,
)
from alliance.tending.reactions import checkin_reminded
from alliance.tending.rhythms import first_occurrence, occurrence_after, rule_describe
from alliance.tending.selectors import rhythm_ids_awaiting_reminder
from alliance.terms.models import Version

TEXT_LIMIT = 2000
REFLECTION_LIMIT = 5000
# A check-in is complete, and its reflections revealed, only among two parties at least:
# one person alone is not a conversation, and a newcomer must not find it closed to them.
MIN_AUDIENCE = 2

logger = logging.getLogger(__name__)

# The check-in reminders' mark (see `alliance.outbox.marks`).
REMINDERS_JOB = "check-in reminders"


def _lock_alliance(party: Party) -> Alliance:
    return (
        Alliance.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=party.alliance_id)
    )


def _alliance_url(alliance: Alliance) -> str:
    return settings.BASE_URL + reverse("alliance_detail", kwargs={"alliance_id": alliance.pk})


def rhythm_next(rhythm: Rhythm, after: datetime) -> datetime | None:
    return occurrence_after(
        rule=rhythm.rule,
        starts_on=rhythm.starts_on,
        at_time=rhythm.at_time,
        time_zone=rhythm.time_zone,
        after=after,
    )


# Rhythm


@transaction.atomic
def rhythm_set(*, party: Party, starts_on: date, at_time: time, rule: str) -> Rhythm:
    """Set when the alliance next checks in and how often, in `party`'s own time zone.

    The rhythm applies to the whole team: once the alliance has leads, only they set it."""
    user = party.user
    zone = zone_or_utc(user.time_zone)
    _check_window(starts_on, zone)
    alliance = _lock_alliance(party)
    team_setting_check(party=party)
    time_zone = str(zone)
    starts_on = first_occurrence(
        rule=rule, starts_on=starts_on, at_time=at_time, time_zone=time_zone
    )
    rhythm = Rhythm.objects.filter(alliance=alliance).first() or Rhythm(alliance=alliance)
    rhythm.starts_on = starts_on
    rhythm.at_time = at_time
    rhythm.time_zone = time_zone
    rhythm.rule = rule
    rhythm.set_by = user
    rhythm.updated_at = now()
    # The first check-in itself counts: look from just before it.
    first = datetime.combine(starts_on, at_time, tzinfo=ZoneInfo(time_zone))
    if first <= now():
        raise ValidationError({"starts_on": _("Choose a date and time still to come.")})
    rhythm.next_at = rhythm_next(rhythm, first - timedelta(seconds=1))
    rhythm.save()
    event_record(
        alliance=alliance,
        actor=user,
        kind=TendingEvent.RHYTHM_SET,
        text=f"{formats.date_format(starts_on, 'j M Y')}, {at_time:%H:%M} "
        f"({time_zone}), {rule_describe(rule)}",
    )
    return rhythm


def _check_window(starts_on: date, zone: ZoneInfo) -> None:
    """Refuse a first check-in before today or beyond the horizon, in the setter's zone."""
    at = now()
    if starts_on < at.astimezone(zone).date():
        raise ValidationError({"starts_on": _("Choose a date and time still to come.")})
    last = horizon_last_day(at, zone)
    if starts_on > last:
        raise ValidationError(
            {
                "starts_on": _(
                    "Choose a date up to %(days)d days ahead, by %(last)s at the latest."
                )
                % {"days": settings.DATE_HORIZON_DAYS, "last": day_text(last)}
            }
        )


# Check-ins


@transaction.atomic
def checkin_start(*, party: Party, extra: bool = False) -> CheckIn:
    """Open a check-in of the version in force, or return the one already open.

    It answers the rhythm's next scheduled check-in, so closing it moves the rhythm on to
    the date after that one; early, `extra` makes it one more check-in instead, and the
    next scheduled one stays where it is. Once that one is due, a check-in answers it
    whatever `extra` says.
    """
    alliance = _lock_alliance(party)
    if alliance.current_version is None:
        raise ValidationError(_("Ratify a first version before checking in on it."))
    current = CheckIn.objects.filter(alliance=alliance, closed_at__isnull=True).first()
    if current is not None:
        return current
    rhythm = Rhythm.objects.filter(alliance=alliance).first()
    next_at = rhythm.next_at if rhythm else None
    extra = extra and next_at is not None and next_at > now()
    checkin = CheckIn.objects.create(
        alliance=alliance,
        version=alliance.current_version,
        due_at=None if extra else next_at,
        opened_by=party.user,
    )
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=TendingEvent.CHECKIN_STARTED,
        version=alliance.current_version.number,
        **({"extra": True} if extra else {}),
    )
    return checkin


def _open_checkin(alliance: Alliance, checkin_id: int) -> CheckIn:
    checkin = (
        CheckIn.objects.select_related("version").filter(pk=checkin_id, alliance=alliance).first()
    )
    if checkin is None:
        raise ValidationError(_("That check-in does not exist."))
    if not checkin.is_open:
        raise ValidationError(_("That check-in is closed."))
    return checkin


@transaction.atomic
def checkin_answer(
    *,
    party: Party,
    checkin_id: int,
    ratings: dict[int, tuple[str, str]],
    reflection: str = "",
    share: bool = False,
) -> CheckIn:
    """Save `party`'s rating of every term ({term id: (score, comment)}) and their overall
    reflection, private unless `share`. A shared reflection no longer changes."""
    alliance = _lock_alliance(party)
    checkin = _open_checkin(alliance, checkin_id)
    _ensure_takes_part(party, checkin)
    term_ids = [t["id"] for t in checkin.version.snapshot["terms"]]
    # By field, so that every caller can say where: the page lists them, the API names them.
    errors: dict[str, list[str]] = {}
    for term_id in term_ids:
        score, comment = ratings.get(term_id, ("", ""))
        if score not in Score.values:
            errors["ratings"] = [_("Rate every term: working well, okay, or needs tending.")]
            break
        if len(comment.strip()) > TEXT_LIMIT:
            errors["ratings"] = [
                _("Keep each comment under %(limit)d characters.") % {"limit": TEXT_LIMIT}
            ]
            break
    reflection = reflection.strip()
    if len(reflection) > REFLECTION_LIMIT:
        errors.setdefault("reflection", []).append(
            _("Keep the reflection under %(limit)d characters.") % {"limit": REFLECTION_LIMIT}
        )
    if share and not reflection:
        errors.setdefault("reflection", []).append(_("Write your reflection before sharing it."))
    mine = CheckInReflection.objects.filter(checkin=checkin, party=party).first()
    if mine is not None and mine.shared_at is not None and reflection != mine.text:
        errors.setdefault("reflection", []).append(
            _("You already shared your reflection; it stays as you shared it.")
        )
    shared_already = mine is not None and mine.shared_at is not None
    if share and not shared_already and checkin.reflections_revealed_at is not None:
        errors.setdefault("share", []).append(
            _(
                "The reflections of this check-in were revealed while you were away; "
                "yours stays private to you."
            )
        )
    if errors:
        raise ValidationError(errors)

    Rating.objects.filter(checkin=checkin, party=party).delete()
    Rating.objects.bulk_create(
        Rating(
            checkin=checkin,
            party=party,
            term_id=term_id,
            score=ratings[term_id][0],
            comment=ratings[term_id][1].strip(),
        )
        for term_id in term_ids
    )
    if mine is None:
        mine = CheckInReflection(checkin=checkin, party=party)
    if mine.shared_at is None:
        mine.text = reflection
        mine.updated_at = now()
        if share:
            mine.shared_at = now()
        mine.save()

    _complete_if_everyone_rated(alliance, checkin, actor=party)
    _reveal_if_everyone_shared(alliance, checkin)
    checkin.refresh_from_db()
    return checkin


def _ensure_takes_part(party: Party, checkin: CheckIn) -> None:
    """A check-in completed before `party` joined was never waiting on them: it is
    rated, and decided, by the parties who were there."""
    if checkin.completed_at is not None and not checkin.ratings.filter(party=party).exists():
        raise ValidationError(
            _(
                "This check-in was completed before you joined, by the parties who were "
                "there then; you will rate the next one."
            )
        )


def _reveal_if_everyone_shared(alliance: Alliance, checkin: CheckIn) -> None:
    """Reveal the reflections once every party still here who rated the completed
    check-in has shared, to exactly those parties. Fixed from then on: nobody who joins
    or leaves later closes it again, and a newcomer (who does not rate it) is not waited
    for. Called with the alliance locked."""
    checkin.refresh_from_db(fields=["completed_at", "reflections_revealed_at"])
    if checkin.completed_at is None or checkin.reflections_revealed_at is not None:
        return
    raters = set(
        checkin.ratings.filter(party__in=alliance.parties.all()).values_list("party_id", flat=True)
    )
    shared = set(
        checkin.reflections.filter(shared_at__isnull=False).values_list("party_id", flat=True)
    )
    if len(raters) >= MIN_AUDIENCE and raters <= shared:
        checkin.reflections_revealed_at = now()
        checkin.save(update_fields=["reflections_revealed_at"])
        checkin.revealed_to.set(raters)


def _complete_if_everyone_rated(alliance: Alliance, checkin: CheckIn, actor: Party) -> None:
    """Complete the check-in once every party now here (two at least: a check-in is a
    conversation) has rated every term."""
    rated = set(Rating.objects.filter(checkin=checkin).values_list("party_id", flat=True))
    everyone = set(alliance.parties.values_list("pk", flat=True))
    if (
        len(everyone) >= MIN_AUDIENCE
        and everyone <= rated
        and CheckIn.objects.filter(pk=checkin.pk, completed_at__isnull=True).update(
            completed_at=now()
        )
        == 1
    ):
        event_record(
            alliance=alliance,
            actor=actor.user,
            kind=TendingEvent.CHECKIN_COMPLETED,
            version=checkin.version.number,
        )


@on_account_erased
def tending_of_erased_delete(user: User) -> None:
    """What was an erased person's alone goes: check-in reflections nobody else read (not
    shared, or shared but never revealed with them), their calendar feed and the record
    of reminders sent to them. Their ratings stay: the others read them once they had
    rated too."""
    revealed_with_them = CheckIn.revealed_to.through.objects.filter(
        checkin_id=OuterRef("checkin_id"), party_id=OuterRef("party_id")
    )
    CheckInReflection.objects.filter(party__user=user).exclude(
        Exists(revealed_with_them), shared_at__isnull=False
    ).delete()
    CalendarFeed.objects.filter(user=user).delete()
    ReminderSent.objects.filter(user=user).delete()


@on_party_leave
@on_party_return
def checkins_settle(party: Party) -> None:
    """Someone left or came back: an open check-in that now has every party's ratings is
    complete, and its reflections revealed once every rater has shared. A completed one
    whose raters have all left is closed: nobody who took part remains to decide it, and
    the parties now here start the next one."""
    alliance = party.alliance
    for checkin in CheckIn.objects.filter(alliance=alliance, closed_at__isnull=True):
        if (
            checkin.completed_at is not None
            and not checkin.ratings.filter(party__in=alliance.parties.all()).exists()
        ):
            CheckIn.objects.filter(pk=checkin.pk).update(closed_at=now())
            event_record(
                alliance=alliance,
                actor=party.user,
                kind=TendingEvent.CHECKIN_LAPSED,
                version=checkin.version.number,
            )
            continue
        _complete_if_everyone_rated(alliance, checkin, actor=party)
        _reveal_if_everyone_shared(alliance, checkin)


@transaction.atomic
def checkin_close(*, party: Party, checkin_id: int, outcome: str) -> CheckIn:
    """Record what the parties chose: keep the version as it is, or redesign it.

    Either way the rhythm moves on to the first check-in after the one this answered (an
    extra check-in answered none and leaves the next where it is). A redesign leaves
    the draft as it is; the terms rated "needs tending" are marked until the next version.
    """
    alliance = _lock_alliance(party)
    checkin = _open_checkin(alliance, checkin_id)
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose whether to keep the alliance or redesign it."))
    _ensure_takes_part(party, checkin)
    if checkin.completed_at is None:
        raise ValidationError(_("Every party rates every term before you decide together."))
    closed = CheckIn.objects.filter(pk=checkin.pk, closed_at__isnull=True).update(
        closed_at=now(), outcome=outcome
    )
    if closed != 1:
        raise ValidationError(_("Someone closed this check-in just now."))
    rhythm = Rhythm.objects.filter(alliance=alliance).first()
    # A check-in that answered no scheduled date (an extra one) leaves the next one where
    # it is, unless that date has passed meanwhile.
    keeps_next = (
        checkin.due_at is None
        and rhythm is not None
        and rhythm.next_at is not None
        and rhythm.next_at > now()
    )
    if rhythm is not None and not keeps_next:
        rhythm.next_at = rhythm_next(rhythm, max(now(), checkin.due_at or now()))
        rhythm.save(update_fields=["next_at"])
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=(
            TendingEvent.CHECKIN_KEPT if outcome == Outcome.KEPT else TendingEvent.REDESIGN_STARTED
        ),
        version=checkin.version.number,
    )
    checkin.refresh_from_db()
    return checkin


# Tending signals


def anonymous_signals_allowed(alliance: Alliance) -> bool:
    return (
        alliance.kind == Kind.TEAM
        and SignalPolicy.objects.filter(alliance=alliance, allow_anonymous=True).exists()
    )


@transaction.atomic
def signal_policy_set(*, party: Party, allow_anonymous: bool) -> SignalPolicy:
    """Allow signals without a name, or not. A setting of the whole team: once the
    alliance has leads, only they change it."""
    alliance = _lock_alliance(party)
    team_setting_check(party=party)
    if allow_anonymous and alliance.kind != Kind.TEAM:
        raise ValidationError(_("Only a team alliance can take signals without a name."))
    policy, _created = SignalPolicy.objects.update_or_create(
        alliance=alliance, defaults={"allow_anonymous": allow_anonymous}
    )
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=TendingEvent.SIGNAL_POLICY,
        text="signals may be raised without a name"
        if allow_anonymous
        else "every signal carries its raiser's name",
    )
    return policy


@transaction.atomic
def signal_raise(
    *, party: Party, note: str, term_id: int | None = None, anonymous: bool = False
) -> Signal:
    """Flag that the alliance, or one of its ratified terms, needs attention, and tell the
    other parties at once. An anonymous signal stores no raiser anywhere."""
    alliance = _lock_alliance(party)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say in a few words what needs attention.")})
    if len(note) > TEXT_LIMIT:
        raise ValidationError(
            {"note": _("Keep the note under %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    if anonymous and not anonymous_signals_allowed(alliance):
        raise ValidationError(_("This alliance does not take signals without a name."))
    term_text = ""
    if term_id is not None:
        terms = alliance.current_version.snapshot["terms"] if alliance.current_version else []
        term = next((t for t in terms if t["id"] == term_id), None)
        if term is None:
            raise ValidationError({"term_id": _("Choose a term of the version in force.")})
        term_text = term["text"]
    signal = Signal.objects.create(
        alliance=alliance,
        raised_by=None if anonymous else party.user,
        anonymous=anonymous,
        term_id=term_id,
        term_text=term_text,
        note=note,
    )
    event_record(
        alliance=alliance,
        actor=None if anonymous else party.user,
        kind=TendingEvent.SIGNAL_RAISED,
        signal=signal.pk,
        text=note,
    )
    # An anonymous signal goes to everyone, the raiser too: a list of recipients that
    # lacks one person would name them.
    recipients = alliance.parties.select_related("user")
    if not anonymous:
        recipients = recipients.exclude(pk=party.pk)
    for other in recipients:
        send_templated(
            "tending_signal",
            to=other.user,
            context={
                "alliance": alliance,
                "raiser": None if anonymous else party.user.name,
                "note": note,
                "term_text": term_text,
                "url": _alliance_url(alliance),
            },
        )
    return signal


def _signal_for_update(alliance: Alliance, signal_id: int) -> Signal:
    signal = Signal.objects.select_for_update().filter(pk=signal_id, alliance=alliance).first()
    if signal is None:
        raise ValidationError(_("That tending signal does not exist."))
    return signal


@transaction.atomic
def signal_acknowledge(*, party: Party, signal_id: int) -> Signal:
    alliance = _lock_alliance(party)
    signal = _signal_for_update(alliance, signal_id)
    if signal.state != SignalState.OPEN:
        raise ValidationError(_("This signal was already acknowledged."))
    # The others acknowledge what someone raised. (Who raised an anonymous signal is
    # known to nobody, so anyone may acknowledge it.)
    if signal.raised_by_id is not None and signal.raised_by_id == party.user_id:
        raise ValidationError(_("You raised this signal: the others acknowledge it."))
    signal.state = SignalState.ACKNOWLEDGED
    signal.acknowledged_at = now()
    signal.acknowledged_by = party.user
    signal.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=TendingEvent.SIGNAL_ACKNOWLEDGED,
        signal=signal.pk,
        text=signal.note,
    )
    _signal_progress_tell(alliance, party, signal, "signal_acknowledged")
    return signal


@transaction.atomic
def signal_resolve(
    *, party: Party, signal_id: int, resolution: str, version_number: int | None = None
) -> Signal:
    """Close a signal with a note on how it was resolved, and optionally the version that
    resolved it."""
    alliance = _lock_alliance(party)
    signal = _signal_for_update(alliance, signal_id)
    if signal.state == SignalState.RESOLVED:
        raise ValidationError(_("This signal is already resolved."))
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    if len(resolution) > TEXT_LIMIT:
        raise ValidationError(
            {"resolution": _("Keep the note under %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    version = None
    if version_number is not None:
        version = Version.objects.filter(alliance=alliance, number=version_number).first()
        if version is None:
            raise ValidationError(
                {
                    "version_number": _("There is no version %(number)d.")
                    % {"number": version_number}
                }
            )
    signal.state = SignalState.RESOLVED
    signal.resolved_at = now()
    signal.resolved_by = party.user
    signal.resolution = resolution
    signal.resolved_version = version
    signal.save(
        update_fields=["state", "resolved_at", "resolved_by", "resolution", "resolved_version"]
    )
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=TendingEvent.SIGNAL_RESOLVED,
        signal=signal.pk,
        text=resolution,
    )
    _signal_progress_tell(
        alliance,
        party,
        signal,
        "signal_resolved",
        resolution=resolution,
        version_number=version.number if version else None,
    )
    return signal


def _signal_progress_tell(
    alliance: Alliance, party: Party, signal: Signal, template: str, **context: Any
) -> None:
    """Mail every other designing party that `party` moved the signal on."""
    url = settings.BASE_URL + reverse("signal_list", kwargs={"alliance_id": alliance.pk})
    for other in alliance.parties.exclude(pk=party.pk).select_related("user"):
        send_templated(
            EmailKind.SIGNAL_PROGRESS,
            template=template,
            to=other.user,
            context={
                "alliance": alliance,
                "actor": party.user.name,
                "note": signal.note,
                "url": url,
                **context,
            },
        )


# Reminders


@dataclass(frozen=True)
class Reminder:
    alliance: Alliance
    user: User
    due_at: datetime
    kind: str


def _useful_reminder(*, due_at: datetime, time_zone: str, days: int, at: datetime) -> str | None:
    """Which reminder still helps someone in `time_zone` at instant `at`: on the day of
    the check-in (in their own time zone), `days` days before it, or none once it has
    begun."""
    if due_at <= at:
        return None
    zone = zone_or_utc(time_zone)
    due_day = due_at.astimezone(zone).date()
    if at >= day_start(due_day, zone):
        return ReminderKind.DAY_OF
    if days > 0 and at >= day_start(due_day - timedelta(days=days), zone):
        return ReminderKind.BEFORE
    return None


def checkin_reminders_due(at: datetime) -> list[Reminder]:
    """Send the check-in reminders that are still useful at `at`, each at most once, and
    return them. A worker that was down catches up with what still helps: reminders
    for check-ins that already began are dropped. Only current parties are reminded. A
    reminder that fails (a broken row) is logged and skipped; the others still go out, and
    the next pass tries it again. It is a pass of the worker's job: it reads what changed
    since the previous one, and moves the job's mark (see `alliance.outbox.marks`)."""
    return [reminder for chunk in checkin_reminders_in_chunks(at) for reminder in chunk]


def checkin_reminders_in_chunks(at: datetime | None = None) -> Iterator[list[Reminder]]:
    """`checkin_reminders_due`, one chunk of check-ins per step (the worker's way): only
    the check-ins near enough to owe a reminder are read, and each chunk's parties,
    preferences and reminders already sent come in one query each. A pass reads only
    what may owe a reminder it did not owe at the previous pass, and every check-in near
    enough in its slice of the alliances, so that each alliance is swept once a day (see
    `alliance.outbox.marks`).

    Without `at`, each chunk is weighed at the time it runs: chunks run between batches of
    mail, and a reminder must not go out once its check-in has begun. A window of
    check-ins that owes nothing is a step of its own (an empty list)."""
    started = at or now()
    plan = pass_plan(REMINDERS_JOB, started)
    failed = 0
    for rhythm_ids in rhythm_ids_awaiting_reminder(started, after=plan.after, swept=plan.swept):
        if not rhythm_ids:
            yield []
            continue
        sent, failures = _reminders_of_chunk(rhythm_ids, at or now())
        failed += failures
        yield sent
    if failed:
        logger.warning("%s check-in reminders failed; the next pass tries them again", failed)
    else:
        pass_done(REMINDERS_JOB, plan)


@on_time_zone_changed
def reminders_after_move(user: User) -> None:
    """Someone moved to another time zone: their local days moved too, so what falls due
    for them is weighed at once rather than when the rolling sweep reaches them."""
    rhythm_ids = list(
        Rhythm.objects.filter(
            alliance__parties__user=user, alliance__closed_at__isnull=True, next_at__gt=now()
        ).values_list("pk", flat=True)
    )
    for chunk in chunked(rhythm_ids):
        try:
            with transaction.atomic():
                _reminders_of_chunk(chunk, now())
        except Exception:
            # The move stands; the rolling sweep weighs these again within a day.
            logger.exception("Check-in reminders after a move of %s failed", user.pk)


def _reminders_of_chunk(rhythm_ids: list[int], at: datetime) -> tuple[list[Reminder], int]:
    """Weigh each current party of these rhythms from a few columns (time zone, days
    ahead, what was sent), then load and send only the reminders due. Returns those sent,
    and how many failed."""
    # Closed since the selection: it reminds nobody.
    parties = Party.objects.filter(
        alliance__rhythm__in=rhythm_ids, alliance__closed_at__isnull=True
    ).order_by()
    rows = list(
        parties.values_list(
            "alliance_id", "user_id", "user__time_zone", "alliance__rhythm__next_at"
        )
    )
    lead_days = reminder_days_of({user_id for _, user_id, _, _ in rows})
    sent = set(
        ReminderSent.objects.filter(
            alliance_id__in={alliance_id for alliance_id, _, _, _ in rows}, due_at__gt=at
        ).values_list("alliance_id", "user_id", "due_at", "kind")
    )
    due = []
    for alliance_id, user_id, time_zone, due_at in rows:
        if due_at is None:
            continue  # the series ended since the selection
        days = lead_days.get(user_id, DEFAULT_REMINDER_DAYS)
        kind = _useful_reminder(due_at=due_at, time_zone=time_zone, days=days, at=at)
        if kind is not None and (alliance_id, user_id, due_at, kind) not in sent:
            due.append((alliance_id, user_id, due_at, kind))
    if not due:
        return [], 0
    rhythms = Rhythm.objects.select_related("alliance").in_bulk(
        {alliance_id for alliance_id, _, _, _ in due}, field_name="alliance_id"
    )
    users = User.objects.in_bulk({user_id for _, user_id, _, _ in due})
    reminders = []
    failed = 0
    for alliance_id, user_id, due_at, kind in due:
        rhythm = rhythms[alliance_id]
        if rhythm.next_at != due_at:
            continue  # moved meanwhile (a line of history): the next pass weighs it again
        reminder = Reminder(rhythm.alliance, users[user_id], due_at, kind)
        try:
            if _reminder_send(reminder, rhythm, at):
                reminders.append(reminder)
        except Exception:
            # One broken row (a rhythm, a person's settings) costs only its own
            # reminder, never the other parties' and alliances' ones.
            logger.exception("Check-in reminder for alliance %s failed", alliance_id)
            failed += 1
    return reminders, failed


def _reminder_send(reminder: Reminder, rhythm: Rhythm, at: datetime) -> bool:
    user = reminder.user
    local = reminder.due_at.astimezone(zone_or_utc(user.time_zone))
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                alliance=reminder.alliance,
                user=user,
                due_at=reminder.due_at,
                kind=reminder.kind,
                sent_at=at,
            )
            checkin_reminded(reminder.alliance, user, reminder.due_at, reminder.kind)
            send_templated(
                "checkin_reminder",
                to=user,
                context={
                    "alliance": reminder.alliance,
                    "name": user.name,
                    "on_the_day": reminder.kind == ReminderKind.DAY_OF,
                    "when": formats.date_format(local, "l j F Y, H:i"),
                    "time_zone": str(local.tzinfo),
                    "rhythm": rule_describe(rhythm.rule),
                    "url": _alliance_url(reminder.alliance),
                },
            )
    except IntegrityError:
        # Another worker recorded this reminder first; it went out there.
        return False
    return True


# Calendar feed


@transaction.atomic
def calendar_feed_renew(*, user: User) -> str:
    """Make a new private feed URL token for `user`; any earlier one stops working.
    Returns the raw token, which is never stored."""
    raw = new_token()
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": hash_token(raw), "created_at": now()}
    )
    return raw


def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
