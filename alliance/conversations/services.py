"""Writes for the design conversation: stakes, prompts, reflections, terms from reflections."""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased
from alliance.alliances.models import Alliance, Party
from alliance.alliances.reactions import on_party_leave, on_party_return
from alliance.alliances.services import alliance_open_check, event_record
from alliance.conversations.calendar import stake_ics
from alliance.conversations.library import CLOSING_THEME, PROMPTS, THEME_LABELS, groundwork_for
from alliance.conversations.models import (
    AlliancePrompt,
    CandidateTime,
    ConversationEvent,
    Reflection,
    ReflectionRevision,
    ReflectionState,
    Reveal,
    Stake,
    StakeKind,
    StakeState,
    TermOrigin,
    TimeAnswer,
)
from alliance.lib.clock import now
from alliance.lib.dates import day_text, horizon_end, horizon_last_day, zone_or_utc
from alliance.lib.mail import send_templated
from alliance.outbox.models import EmailKind
from alliance.terms.models import Category, Term
from alliance.terms.services import AlreadyProposed, term_propose

MAX_CANDIDATES = 5
# Times offered in one conversation, counter-proposals included: enough for a few rounds,
# not a way to fill the page or the others' inboxes.
MAX_TIMES_PER_STAKE = 20
REFLECTION_LIMIT = 5000
ANSWERED = (ReflectionState.SHARED, ReflectionState.SKIPPED)
# A prompt is revealed only among two parties at least: what one person wrote alone is
# not yet a reveal, and whoever joins next must still be able to answer it.
MIN_AUDIENCE = 2


class GroundworkConflict(Exception):
    """Another party saved the groundwork since it was opened."""

    def __init__(self, current: Stake) -> None:
        super().__init__("The groundwork changed since you opened it.")
        self.current = current


class ReflectionConflict(Exception):
    """The reflection was saved elsewhere (another tab or device) since it was opened."""

    def __init__(self, current: Reflection) -> None:
        super().__init__("The reflection changed since you opened it.")
        self.current = current


# Where an alliance brought an opening of its own (the template it was started from), a
# later app registers a source for it here, so that this app never imports that one. A
# source answers "" when it has nothing for this party and kind of conversation.
GroundworkSource = Callable[[Party, str], str]
_groundwork_sources: list[GroundworkSource] = []


def groundwork_source(source: GroundworkSource) -> GroundworkSource:
    """Register `source(party, stake_kind)` as a provider of default groundwork."""
    _groundwork_sources.append(source)
    return source


def default_groundwork(party: Party, stake_kind: str = StakeKind.DESIGN) -> str:
    """How a conversation `party` proposes opens by default, in their own voice."""
    for source in _groundwork_sources:
        text = source(party, stake_kind)
        if text:
            return text
    return groundwork_for(
        alliance_kind=party.alliance.kind, stake_kind=stake_kind, role=party.role_label
    )


def _groundwork_for_kind(party: Party, stake_kind: str, typed: str) -> str:
    """What the proposer kept in the groundwork box: their own words, or, when they left
    the default of another kind of conversation untouched, the default of this one."""
    text = typed.strip()
    defaults = {default_groundwork(party, kind) for kind in StakeKind.values}
    if not text or text in defaults:
        return default_groundwork(party, stake_kind)
    return text


# Prompts ---------------------------------------------------------------------------------


def prompts_ensure(alliance: Alliance) -> None:
    """Give the alliance its copy of the built-in prompts, worded for its kind. Idempotent.

    Once they are there (nearly always) this is one read and no transaction, so that a
    page or API call that lists the prompts takes no write lock.
    """
    have = AlliancePrompt.objects.filter(alliance=alliance).exclude(builtin_key="")
    if {p.key for p in PROMPTS} <= set(have.values_list("builtin_key", flat=True)):
        return
    _prompts_copy(alliance)


@transaction.atomic
def _prompts_copy(alliance: Alliance) -> None:
    """The alliance row is locked so that two parties opening the prompts at once for the
    first time do not both copy them."""
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    prompts = AlliancePrompt.objects.filter(alliance=alliance)
    have = set(prompts.exclude(builtin_key="").values_list("builtin_key", flat=True))
    missing = [p for p in PROMPTS if p.key not in have]
    if not missing:
        return
    start = (prompts.aggregate(m=Max("position"))["m"] or 0) + 1
    AlliancePrompt.objects.bulk_create(
        AlliancePrompt(
            alliance=alliance,
            builtin_key=p.key,
            theme=p.theme,
            category=p.category,
            text=p.text_for(alliance.kind),
            position=start + i,
        )
        for i, p in enumerate(missing)
    )


def _prompt(party: Party, prompt_id: int) -> AlliancePrompt:
    prompt = AlliancePrompt.objects.filter(pk=prompt_id, alliance_id=party.alliance_id).first()
    if prompt is None:
        raise ValidationError(_("That prompt is not part of this alliance."))
    return prompt


@transaction.atomic
def prompt_add(*, party: Party, theme: str, text: str, category: str = "") -> AlliancePrompt:
    text = " ".join(text.split())
    if theme not in THEME_LABELS:
        raise ValidationError({"theme": _("Choose a theme for the prompt.")})
    if not text:
        raise ValidationError({"text": _("Write the question you want everyone to reflect on.")})
    if len(text) > 500:
        raise ValidationError({"text": _("Keep a prompt under 500 characters.")})
    if category and category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
    prompts_ensure(alliance)
    prompts = AlliancePrompt.objects.filter(alliance=alliance)
    last_in_theme = prompts.filter(theme=theme).aggregate(m=Max("position"))["m"]
    position = (last_in_theme or 0) + 1
    prompts.filter(position__gte=position).update(position=F("position") + 1)
    prompt = AlliancePrompt.objects.create(
        alliance=alliance,
        theme=theme,
        category=category or Category.OTHER,
        text=text,
        position=position,
        added_by=party,
    )
    event_record(
        alliance=alliance, actor=party.user, kind=ConversationEvent.PROMPT_ADDED, text=text
    )
    return prompt


@transaction.atomic
def prompt_set_hidden(*, party: Party, prompt_id: int, hidden: bool) -> AlliancePrompt:
    alliance_open_check(party.alliance_id)
    prompt = _prompt(party, prompt_id)
    prompt.hidden = hidden
    prompt.save(update_fields=["hidden"])
    return prompt


@transaction.atomic
def prompt_move(*, party: Party, prompt_id: int, up: bool) -> None:
    """Swap the prompt with its neighbour above or below."""
    alliance_open_check(party.alliance_id)
    prompt = _prompt(party, prompt_id)
    siblings = AlliancePrompt.objects.select_for_update().filter(alliance_id=party.alliance_id)
    neighbour = (
        siblings.filter(position__lt=prompt.position).order_by("-position", "-id").first()
        if up
        else siblings.filter(position__gt=prompt.position).order_by("position", "id").first()
    )
    if neighbour is None:
        return
    prompt.position, neighbour.position = neighbour.position, prompt.position
    prompt.save(update_fields=["position"])
    neighbour.save(update_fields=["position"])


# Stakes ----------------------------------------------------------------------------------


def _parties(alliance_id: int) -> list[Party]:
    return list(Party.objects.filter(alliance_id=alliance_id).select_related("user"))


def _stake(party: Party, stake_id: int, lock: bool = True) -> Stake:
    stakes = Stake.objects.select_related("alliance", "proposed_by__user")
    if lock:
        stakes = stakes.select_for_update(of=("self",))
    stake = stakes.filter(pk=stake_id, alliance_id=party.alliance_id).first()
    if stake is None:
        raise ValidationError(_("That conversation does not exist."))
    return stake


def _clean_times(times: Iterable[datetime | None], party: Party) -> list[datetime]:
    chosen = sorted({t for t in times if t is not None})
    if not chosen:
        raise ValidationError(_("Offer at least one time."))
    if len(chosen) > MAX_CANDIDATES:
        raise ValidationError(_("Offer at most %(max)d times.") % {"max": MAX_CANDIDATES})
    at = now()
    if any(t <= at for t in chosen):
        raise ValidationError(_("Every time you offer must lie in the future."))
    if any(t > horizon_end(at) for t in chosen):
        last = horizon_last_day(at, zone_or_utc(party.user.time_zone))
        raise ValidationError(
            _("Choose a time up to %(days)d days ahead, by %(last)s at the latest.")
            % {"days": settings.DATE_HORIZON_DAYS, "last": day_text(last)}
        )
    return chosen


@transaction.atomic
def stake_plant(
    *,
    party: Party,
    kind: str,
    times: Sequence[datetime | None],
    duration_minutes: int,
    location: str = "",
    note: str = "",
    groundwork: str = "",
    includes_observers: bool = False,
) -> Stake:
    """Propose a conversation with candidate times; the others say which suit them. With
    `includes_observers`, the alliance's observers get its calendar entry once it is
    scheduled; they never choose its time."""
    if kind not in StakeKind.values:
        raise ValidationError({"kind": _("Choose the kind of conversation.")})
    if not 15 <= duration_minutes <= 480:
        raise ValidationError({"duration_minutes": _("A conversation lasts 15 to 480 minutes.")})
    chosen = _clean_times(times, party)
    alliance = party.alliance
    stake = Stake.objects.create(
        alliance=alliance,
        kind=kind,
        proposed_by=party,
        proposer_time_zone=party.user.time_zone,
        duration_minutes=duration_minutes,
        location=location.strip()[:300],
        note=note.strip(),
        groundwork=_groundwork_for_kind(party, kind, groundwork),
        includes_observers=includes_observers,
    )
    candidates = CandidateTime.objects.bulk_create(
        CandidateTime(stake=stake, starts_at=t, proposed_by=party, proposed_at=stake.created_at)
        for t in chosen
    )
    TimeAnswer.objects.bulk_create(
        TimeAnswer(candidate=c, party=party, works=True)
        for c in CandidateTime.objects.filter(stake=stake)
    )
    prompts_ensure(alliance)
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=ConversationEvent.STAKE_PLANTED,
        stake=stake.pk,
        what=stake.get_kind_display(),
    )
    _tell_the_others(
        stake,
        party,
        "stake_proposed",
        proposer=party.user.name,
        times=[c.starts_at for c in candidates],
    )
    return stake


def times_suiting_everyone(stake: Stake, parties: Sequence[Party]) -> list[CandidateTime]:
    party_ids = {p.pk for p in parties}
    suiting = []
    for candidate in stake.candidates.prefetch_related("answers"):
        yes = {a.party_id for a in candidate.answers.all() if a.works}
        if party_ids <= yes:
            suiting.append(candidate)
    return suiting


@transaction.atomic
def stake_answer(*, party: Party, stake_id: int, works: Iterable[int]) -> Stake:
    """Record which candidate times suit `party`. With two parties, a time that suits both
    is scheduled at once; with more, the proposer confirms."""
    stake = _stake(party, stake_id)
    if stake.state != StakeState.PROPOSED:
        raise ValidationError(_("This conversation is no longer looking for a time."))
    chosen = set(works)
    candidates = list(stake.candidates.all())
    unknown = chosen - {c.pk for c in candidates}
    if unknown:
        raise ValidationError(_("Those times are not offered for this conversation."))
    for candidate in candidates:
        TimeAnswer.objects.update_or_create(
            candidate=candidate,
            party=party,
            defaults={"works": candidate.pk in chosen, "answered_at": now()},
        )
    event_record(alliance=stake.alliance, actor=party.user, kind=ConversationEvent.TIMES_ANSWERED)
    parties = _parties(stake.alliance_id)
    suiting = times_suiting_everyone(stake, parties)
    if suiting and len(parties) == 2:
        _schedule(stake, suiting[0].starts_at, parties, actor=party)
    elif party.pk != stake.proposed_by_id and any(p.pk == stake.proposed_by_id for p in parties):
        send_templated(
            EmailKind.CONVERSATION,
            template="stake_answered",
            to=stake.proposed_by.user,
            context={
                "stake": stake,
                "viewer": stake.proposed_by.user,
                "who": party.user.name,
                "suiting": len(suiting),
            },
        )
    return stake


@transaction.atomic
def stake_counter(*, party: Party, stake_id: int, times: Sequence[datetime | None]) -> Stake:
    """`party` declines every time offered so far and proposes 1 to 5 others.

    Their answer becomes "no" to every earlier time and "yes" to their own; everyone
    else's answers stay, and they are asked about the new times. Nothing is written when
    the times are refused.
    """
    stake = _stake(party, stake_id)
    if stake.state != StakeState.PROPOSED:
        raise ValidationError(_("This conversation is no longer looking for a time."))
    chosen = _clean_times(times, party)
    earlier = list(stake.candidates.all())
    if len(earlier) + len(chosen) > MAX_TIMES_PER_STAKE:
        raise ValidationError(
            _(
                "This conversation has %(count)d times on offer already; rather than more, "
                "withdraw it and propose a new one, or talk it over."
            )
            % {"count": len(earlier)}
        )
    taken = {c.starts_at for c in earlier} & set(chosen)
    if taken:
        raise ValidationError(
            _("%(time)s is offered already; tick it among the times above instead.")
            % {"time": _time_text(min(taken), party)}
        )
    at = now()
    for candidate in earlier:
        TimeAnswer.objects.update_or_create(
            candidate=candidate, party=party, defaults={"works": False, "answered_at": at}
        )
    CandidateTime.objects.bulk_create(
        CandidateTime(stake=stake, starts_at=t, proposed_by=party, proposed_at=at) for t in chosen
    )
    new = list(stake.candidates.filter(starts_at__in=chosen))
    TimeAnswer.objects.bulk_create(
        TimeAnswer(candidate=c, party=party, works=True, answered_at=at) for c in new
    )
    event_record(
        alliance=stake.alliance,
        actor=party.user,
        kind=ConversationEvent.TIMES_COUNTERED,
        stake=stake.pk,
        declined=len(earlier),
        proposed=len(new),
    )
    _tell_the_others(
        stake,
        party,
        "stake_countered",
        who=party.user.name,
        declined=len(earlier),
        times=[c.starts_at for c in new],
    )
    return stake


def _time_text(moment: datetime, party: Party) -> str:
    local = moment.astimezone(zone_or_utc(party.user.time_zone))
    return date_format(local, "D j M, H:i")


def _tell_the_others(stake: Stake, party: Party, template: str, **context: Any) -> None:
    """Mail every party of the stake's alliance but `party` about what they just did."""
    for other in _parties(stake.alliance_id):
        if other.pk != party.pk:
            send_templated(
                EmailKind.CONVERSATION,
                template=template,
                to=other.user,
                context={"stake": stake, "viewer": other.user, **context},
            )


def stake_observers(stake: Stake) -> list[Party]:
    """The observers a stake includes: those of its alliance now, when it includes them.
    They get its calendar entry and nothing else of it; nobody waits for them."""
    if not stake.includes_observers:
        return []
    return list(
        Party.present.filter(alliance_id=stake.alliance_id, is_observer=True).select_related("user")
    )


def _send_calendar(stake: Stake, parties: Sequence[Party], template: str, method: str) -> None:
    observers = stake_observers(stake)
    ics = stake_ics(stake, parties, method=method, observers=observers)
    for p in parties:
        send_templated(
            EmailKind.CALENDAR,
            template=template,
            to=p.user,
            context={"stake": stake, "viewer": p.user},
            attachments=[("invite.ics", ics, f"text/calendar; method={method}")],
        )
    if observers:
        observer_ics = stake_ics(stake, parties, method=method, observers=observers, observing=True)
        for observer in observers:
            send_templated(
                EmailKind.CONVERSATION,
                template=template,
                to=observer.user,
                context={"stake": stake, "viewer": observer.user, "observing": True},
                attachments=[("invite.ics", observer_ics, f"text/calendar; method={method}")],
            )


def _schedule(stake: Stake, starts_at: datetime, parties: Sequence[Party], actor: Party) -> None:
    rescheduling = stake.state == StakeState.SCHEDULED
    if rescheduling:
        stake.sequence += 1
    stake.state = StakeState.SCHEDULED
    stake.starts_at = starts_at
    stake.save(update_fields=["state", "starts_at", "sequence"])
    event_record(
        alliance=stake.alliance,
        actor=actor.user,
        kind=ConversationEvent.STAKE_RESCHEDULED
        if rescheduling
        else ConversationEvent.STAKE_SCHEDULED,
        stake=stake.pk,
        at=starts_at.isoformat(),
    )
    _send_calendar(
        stake, parties, "stake_updated" if rescheduling else "stake_scheduled", "REQUEST"
    )


@transaction.atomic
def stake_schedule(*, party: Party, stake_id: int, candidate_id: int) -> Stake:
    """The proposer fixes a candidate time that suits everyone (anyone may, once the
    proposer has left the alliance)."""
    stake = _stake(party, stake_id)
    parties = _parties(stake.alliance_id)
    proposer_here = any(p.pk == stake.proposed_by_id for p in parties)
    if proposer_here and stake.proposed_by_id != party.pk:
        raise ValidationError(
            _("%(name)s proposed this; they confirm the time.")
            % {"name": stake.proposed_by.user.name}
        )
    if stake.state != StakeState.PROPOSED:
        raise ValidationError(_("This conversation is no longer looking for a time."))
    candidate = next(
        (c for c in times_suiting_everyone(stake, parties) if c.pk == candidate_id), None
    )
    if candidate is None:
        raise ValidationError(_("That time does not suit everyone yet."))
    _schedule(stake, candidate.starts_at, parties, actor=party)
    return stake


@transaction.atomic
def stake_reschedule(*, party: Party, stake_id: int, starts_at: datetime | None) -> Stake:
    """Move a scheduled conversation; everyone's calendar entry is updated."""
    stake = _stake(party, stake_id)
    if stake.state != StakeState.SCHEDULED:
        raise ValidationError(_("Only a scheduled conversation can be moved."))
    [new_time] = _clean_times([starts_at], party)
    if new_time == stake.starts_at:
        return stake
    _schedule(stake, new_time, _parties(stake.alliance_id), actor=party)
    return stake


@transaction.atomic
def stake_cancel(*, party: Party, stake_id: int) -> Stake:
    """Call a conversation off: a scheduled one leaves everyone's calendar (a CANCEL),
    a proposed one is withdrawn and the others are told."""
    stake = _stake(party, stake_id)
    if stake.state == StakeState.CANCELLED:
        return stake
    was_scheduled = stake.state == StakeState.SCHEDULED
    stake.state = StakeState.CANCELLED
    stake.sequence += 1
    stake.save(update_fields=["state", "sequence"])
    event_record(
        alliance=stake.alliance,
        actor=party.user,
        kind=ConversationEvent.STAKE_CANCELLED,
        stake=stake.pk,
    )
    parties = _parties(stake.alliance_id)
    if was_scheduled:
        _send_calendar(stake, parties, "stake_cancelled", "CANCEL")
    else:
        # A proposal reached the others as an email with its times (no calendar entry):
        # they hear it is off, so nobody keeps those times free for nothing.
        _tell_the_others(stake, party, "stake_withdrawn", actor=party.user.name)
    return stake


@transaction.atomic
def groundwork_update(*, party: Party, stake_id: int, groundwork: str, revision: int) -> Stake:
    """Reword the groundwork. Raises GroundworkConflict when someone else saved it since
    `revision` was read; nothing is written then."""
    alliance_open_check(party.alliance_id)
    stake = _stake(party, stake_id)
    if stake.groundwork_revision != revision:
        raise GroundworkConflict(stake)
    text = groundwork.strip()
    if not text:
        raise ValidationError(
            {"groundwork": _("Say in a few words why you are having this conversation.")}
        )
    if len(text) > 4000:
        raise ValidationError({"groundwork": _("Keep the groundwork under 4000 characters.")})
    stake.groundwork = text
    stake.groundwork_revision += 1
    stake.save(update_fields=["groundwork", "groundwork_revision"])
    return stake


# Reflections -----------------------------------------------------------------------------


def _prompt_event(kind: str, party: Party, stake: Stake, prompt: AlliancePrompt) -> None:
    """A history line about a prompt. It names the prompt, never what anyone wrote."""
    event_record(
        alliance=stake.alliance, actor=party.user, kind=kind, stake=stake.pk, prompt=prompt.text
    )


def _reflection_for_update(party: Party, stake: Stake, prompt: AlliancePrompt) -> Reflection:
    reflection, _created = Reflection.objects.select_for_update().get_or_create(
        stake=stake, prompt=prompt, party=party
    )
    return reflection


def _check(reflection: Reflection, revision: int | None) -> None:
    if revision is not None and reflection.revision != revision:
        raise ReflectionConflict(reflection)


def _ensure_open_to(party: Party, stake: Stake, prompt: AlliancePrompt) -> None:
    """A prompt revealed before `party` joined is closed to them: answering it would
    neither be waited for nor be seen beside the others. The closing conversation's
    prompts are its own, and it has no others."""
    if (prompt.theme == CLOSING_THEME) != (stake.kind == StakeKind.CLOSING):
        raise ValidationError(_("That prompt belongs to another kind of conversation."))
    reveal = Reveal.objects.filter(stake=stake, prompt=prompt).first()
    if reveal is not None and not reveal.parties.filter(pk=party.pk).exists():
        raise ValidationError(
            _(
                "The reflections on this prompt were revealed before you joined; they stay "
                "with the people who were there. Choose another prompt."
            )
        )


def _clean_reflection(text: str) -> str:
    text = text.strip()
    if len(text) > REFLECTION_LIMIT:
        raise ValidationError(
            {
                "text": _("Keep a reflection under %(limit)d characters.")
                % {"limit": REFLECTION_LIMIT}
            }
        )
    return text


@transaction.atomic
def reflection_save(
    *, party: Party, stake_id: int, prompt_id: int, text: str, revision: int | None
) -> Reflection:
    """Keep a private draft; for a reflection already shared, revise it (the earlier
    text is kept in its history)."""
    # These record no history line, where a closed alliance is refused for the others.
    alliance_open_check(party.alliance_id)
    stake = _stake(party, stake_id)
    prompt = _prompt(party, prompt_id)
    _ensure_open_to(party, stake, prompt)
    reflection = _reflection_for_update(party, stake, prompt)
    _check(reflection, revision)
    text = _clean_reflection(text)
    if reflection.state == ReflectionState.SHARED:
        if not text:
            raise ValidationError(
                {"text": _("A shared reflection cannot be emptied; revise it instead.")}
            )
        if text != reflection.text:
            ReflectionRevision.objects.create(
                reflection=reflection, text=reflection.text, shared_at=reflection.shared_at or now()
            )
            reflection.shared_at = now()
    elif reflection.state == ReflectionState.SKIPPED:
        reflection.state = ReflectionState.DRAFT
    reflection.text = text
    reflection.revision += 1
    reflection.updated_at = now()
    reflection.save(update_fields=["text", "state", "revision", "updated_at", "shared_at"])
    return reflection


@transaction.atomic
def reflection_share(
    *, party: Party, stake_id: int, prompt_id: int, text: str, revision: int | None
) -> Reflection:
    """Commit the reflection. It stays hidden from the others until everyone has shared."""
    stake = _stake(party, stake_id)
    prompt = _prompt(party, prompt_id)
    _ensure_open_to(party, stake, prompt)
    reflection = _reflection_for_update(party, stake, prompt)
    _check(reflection, revision)
    text = _clean_reflection(text)
    if not text:
        raise ValidationError({"text": _("Write something before you share, or skip this prompt.")})
    # Events record changes of state: a revision is not a second sharing, and a prompt
    # is revealed once, when its last answer arrives.
    first_answer = reflection.state not in (ReflectionState.SHARED, ReflectionState.SKIPPED)
    became_shared = reflection.state != ReflectionState.SHARED
    if reflection.state == ReflectionState.SHARED:
        if text == reflection.text:
            return reflection
        _keep_earlier_text(reflection, party, stake, prompt)
    reflection.text = text
    reflection.state = ReflectionState.SHARED
    reflection.shared_at = now()
    reflection.revision += 1
    reflection.updated_at = now()
    reflection.save(update_fields=["text", "state", "revision", "updated_at", "shared_at"])
    if became_shared:
        _prompt_event(ConversationEvent.REFLECTION_SHARED, party, stake, prompt)
    if first_answer:
        _reveal_if_complete(stake, prompt, actor=party)
    return reflection


def _keep_earlier_text(
    reflection: Reflection, party: Party, stake: Stake, prompt: AlliancePrompt
) -> None:
    """Before a shared reflection changes, keep what it said, and say so in the history."""
    ReflectionRevision.objects.create(
        reflection=reflection, text=reflection.text, shared_at=reflection.shared_at or now()
    )
    _prompt_event(ConversationEvent.REFLECTION_REVISED, party, stake, prompt)


@transaction.atomic
def reflection_skip(*, party: Party, stake_id: int, prompt_id: int) -> Reflection:
    """Pass on a prompt. A skip counts as an answer for the reveal. A draft is kept."""
    stake = _stake(party, stake_id)
    prompt = _prompt(party, prompt_id)
    _ensure_open_to(party, stake, prompt)
    reflection = _reflection_for_update(party, stake, prompt)
    if reflection.state == ReflectionState.SHARED:
        raise ValidationError(_("You shared this one already; revise it instead of skipping."))
    first_answer = reflection.state != ReflectionState.SKIPPED
    reflection.state = ReflectionState.SKIPPED
    reflection.revision += 1
    reflection.updated_at = now()
    reflection.save(update_fields=["state", "revision", "updated_at"])
    _prompt_event(ConversationEvent.REFLECTION_SKIPPED, party, stake, prompt)
    if first_answer:
        _reveal_if_complete(stake, prompt, actor=party)
    return reflection


def _reveal_if_complete(stake: Stake, prompt: AlliancePrompt, actor: Party) -> bool:
    """Reveal the prompt if every party now in the alliance (two at least) has answered
    it. Called with the stake locked, so two last answers cannot both reveal it."""
    if Reveal.objects.filter(stake=stake, prompt=prompt).exists():
        return False
    parties = _parties(stake.alliance_id)
    answered = set(
        Reflection.objects.filter(
            stake=stake, prompt=prompt, party__in=parties, state__in=ANSWERED
        ).values_list("party_id", flat=True)
    )
    if len(parties) < MIN_AUDIENCE or answered != {p.pk for p in parties}:
        return False
    reveal = Reveal.objects.create(stake=stake, prompt=prompt)
    reveal.parties.set(parties)
    _prompt_event(ConversationEvent.PROMPT_REVEALED, actor, stake, prompt)
    return True


@on_party_leave
@on_party_return
def reveals_settle(party: Party) -> None:
    """Someone left or came back: a prompt that every party now here has answered is
    revealed, to them. Leaving settles what waited only on the leaver; a return settles
    what the returner had answered before they left. What a leaver had shared before such
    a reveal is not part of it."""
    stakes = Stake.objects.filter(alliance_id=party.alliance_id).exclude(state=StakeState.CANCELLED)
    answered = (
        Reflection.objects.filter(stake__in=stakes, state__in=ANSWERED)
        .values_list("stake_id", "prompt_id")
        .distinct()
    )
    revealed = set(Reveal.objects.filter(stake__in=stakes).values_list("stake_id", "prompt_id"))
    for stake_id, prompt_id in sorted(set(answered) - revealed):
        stake = Stake.objects.select_for_update().select_related("alliance").get(pk=stake_id)
        prompt = AlliancePrompt.objects.get(pk=prompt_id)
        _reveal_if_complete(stake, prompt, actor=party)


@on_account_erased
def reflections_of_erased_delete(user: User) -> None:
    """An erased person's reflections go with them, but for those revealed to them with
    the others: those the others read, and keep, under their pseudonym. A reflection they
    shared that was never revealed with them nobody ever read, and nobody ever will."""
    revealed_with_them = Reveal.objects.filter(
        stake_id=OuterRef("stake_id"), prompt_id=OuterRef("prompt_id"), parties=OuterRef("party")
    )
    Reflection.objects.filter(party__user=user).exclude(
        Exists(revealed_with_them), state=ReflectionState.SHARED
    ).delete()


@on_party_return
def answers_forget(party: Party) -> None:
    """A former party returns: their old answers to still open questions start afresh."""
    TimeAnswer.objects.filter(party=party, candidate__stake__state=StakeState.PROPOSED).delete()


def term_from_reflection(
    *, party: Party, reflection_id: int, category: str, text: str, note: str = ""
) -> Term:
    """Propose a term drafted from a reflection the proposer may see, and link the two.

    When the party proposed the very same term before (AlreadyProposed), the reflection is
    linked to that term all the same before the refusal is raised: drafting it from this
    reflection too is not lost.
    """
    from alliance.conversations.selectors import reflection_visible_to

    with transaction.atomic():
        reflection = reflection_visible_to(party, reflection_id)
        if reflection is None:
            raise ValidationError(_("That reflection is not visible to you."))
        try:
            term = term_propose(party=party, category=category, text=text, note=note)
        except AlreadyProposed as already:
            refusal: AlreadyProposed | None = already
            term = already.term
        else:
            refusal = None
        TermOrigin.objects.get_or_create(term=term, reflection=reflection)
    if refusal is not None:
        raise refusal
    return term
