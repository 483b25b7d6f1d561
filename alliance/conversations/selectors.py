"""Reads for the design conversation. Privacy lives here: a party's unshared reflection
never leaves these functions for anyone but its author."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from alliance.alliances.models import Alliance, Party
from alliance.conversations.commonground import Ground, common_ground
from alliance.conversations.library import CLOSING_THEME, THEME_LABELS, THEMES
from alliance.conversations.models import (
    AlliancePrompt,
    CandidateTime,
    Reflection,
    ReflectionState,
    Reveal,
    Stake,
    StakeKind,
    StakeState,
    TermOrigin,
    TimeAnswer,
)
from alliance.lib import prepared
from alliance.lib.clock import now
from alliance.lib.dates import LATEST
from alliance.lib.prepared import Moment, Slot

ANSWERED = (ReflectionState.SHARED, ReflectionState.SKIPPED)

# How long after it began a scheduled conversation still counts among the open ones a
# dashboard reads (`open_stakes_prefetch`): its reflections may still wait on someone.
RECENTLY_SCHEDULED = timedelta(days=14)


def stake_for(party: Party, stake_id: int) -> Stake:
    stake = (
        Stake.objects.select_related("proposed_by__user")
        .filter(pk=stake_id, alliance_id=party.alliance_id)
        .first()
    )
    if stake is None:
        raise Http404("No such conversation.")
    return stake


def stake_kind(party: Party, stake_id: int) -> str:
    """The kind of the conversation with this id in `party`'s alliance (404 for any
    other): what a page whose content is kept needs of it, for its title. A prepared
    query (`alliance.lib.prepared`)."""
    rows = prepared.run(
        ("stake kind",), _stake_kind, {"stake": stake_id, "alliance": party.alliance_id}
    )
    if not rows:
        raise Http404("No such conversation.")
    [(kind,)] = rows
    return str(kind)


def _stake_kind() -> QuerySet[Any]:
    return Stake.objects.filter(
        pk=Slot("stake", models.BigIntegerField()),
        alliance_id=Slot("alliance", models.BigIntegerField()),
    ).values_list("kind")


def stakes_of(alliance: Alliance) -> QuerySet[Stake]:
    return (
        Stake.objects.filter(alliance=alliance)
        .select_related("proposed_by__user")
        .prefetch_related("candidates")
    )


def prompts_of(
    alliance: Alliance, include_hidden: bool = False, stake_kind: str | None = None
) -> list[AlliancePrompt]:
    """The alliance's prompts in their order; for a conversation of `stake_kind`, only the
    ones it asks (a closing conversation its own theme, the others every other theme)."""
    prompts = AlliancePrompt.objects.filter(alliance=alliance)
    if stake_kind == StakeKind.CLOSING:
        prompts = prompts.filter(theme=CLOSING_THEME)
    elif stake_kind is not None:
        prompts = prompts.exclude(theme=CLOSING_THEME)
    if not include_hidden:
        prompts = prompts.filter(hidden=False)
    order = {theme: i for i, (theme, _) in enumerate(THEMES)}
    return sorted(prompts, key=lambda p: (order.get(p.theme, 99), p.position, p.pk))


def reflection_visible_to(party: Party, reflection_id: int) -> Reflection | None:
    """The reflection if `party` may read it: their own, or a shared one on a prompt
    revealed to both of them (the rule of the conversation page)."""
    reflection = (
        Reflection.objects.select_related("prompt", "party__user", "stake")
        .filter(pk=reflection_id, stake__alliance_id=party.alliance_id)
        .first()
    )
    if reflection is None:
        return None
    if reflection.party_id == party.pk:
        return reflection
    if reflection.state != ReflectionState.SHARED:
        return None
    audience = Reveal.parties.through.objects.filter(
        reveal__stake_id=reflection.stake_id, reveal__prompt_id=reflection.prompt_id
    ).values_list("party_id", flat=True)
    return reflection if {party.pk, reflection.party_id} <= set(audience) else None


def reveal_audiences(stake: Stake) -> dict[int, set[int]]:
    """For each revealed prompt of `stake`, the parties it was revealed to (one query)."""
    audiences: dict[int, set[int]] = {}
    rows = Reveal.parties.through.objects.filter(reveal__stake=stake).values_list(
        "reveal__prompt_id", "party_id"
    )
    for prompt_id, party_id in rows:
        audiences.setdefault(prompt_id, set()).add(party_id)
    return audiences


@dataclass
class SeenReflection:
    """A reflection as one viewer may see it. `text` is empty unless the viewer wrote it
    or the prompt is revealed."""

    party: Party
    state: str
    text: str = ""
    pk: int | None = None
    segments: list[tuple[str, bool]] = field(default_factory=list)
    terms: int = 0


@dataclass
class PromptBoard:
    prompt: AlliancePrompt
    mine: Reflection | None
    answers: list[SeenReflection]  # one per party it waits on or was revealed to
    revealed: bool
    # What the parties share on a revealed prompt, and what only one of them raised.
    ground: Ground[Party] | None = None
    # Revealed before the viewer joined: nothing of it to read, nothing to answer.
    closed_to_me: bool = False

    @property
    def theme_label(self) -> str:
        return str(THEME_LABELS.get(self.prompt.theme, self.prompt.theme))

    @property
    def answered_count(self) -> int:
        return sum(1 for a in self.answers if a.state in ANSWERED)

    @property
    def waits_on_me(self) -> bool:
        return (
            not self.revealed
            and not self.closed_to_me
            and (self.mine is None or self.mine.state not in ANSWERED)
        )


@dataclass
class TimeOption:
    candidate: CandidateTime
    answers: list[tuple[Party, bool | None]]
    mine: bool | None
    suits_everyone: bool
    # Who offered it, when someone other than whoever proposed the conversation did.
    offered_by: Party | None = None


@dataclass
class ProposalStep:
    """One turn in finding a time: the times one person offered together, and the times
    offered before that they declined (none for the first proposal)."""

    party: Party | None
    at: datetime
    proposed: list[datetime]
    declined: list[datetime]


@dataclass
class Conversation:
    stake: Stake
    party: Party
    parties: list[Party]
    boards: list[PromptBoard]
    times: list[TimeOption]
    # Shown once someone declined the times and proposed others.
    thread: list[ProposalStep] = field(default_factory=list)
    # What common ground never lists (see `party_names`).
    names: list[str] = field(default_factory=list)

    @property
    def may_schedule(self) -> bool:
        """The proposer confirms the time; anyone may once the proposer has left."""
        proposer_here = any(p.pk == self.stake.proposed_by_id for p in self.parties)
        return self.party.pk == self.stake.proposed_by_id or not proposer_here

    def board(self, prompt_id: int | None) -> PromptBoard | None:
        """The board the page shows, its common ground found: `prompt_id`'s, or by
        default the first prompt still waiting on the viewer, else the first open to them."""
        if not self.boards:
            return None
        if prompt_id is None:
            shown = next(
                (b for b in self.boards if b.waits_on_me),
                next((b for b in self.boards if not b.closed_to_me), self.boards[0]),
            )
        else:
            found = next((b for b in self.boards if b.prompt.pk == prompt_id), None)
            if found is None:
                return None
            shown = found
        if shown.revealed:
            _find_common_ground(shown, self.names)
        return shown


def conversation_for(party: Party, stake: Stake) -> Conversation:
    """Everything the conversation page shows `party`, in a fixed number of queries.

    A prompt not yet revealed waits on every current party. A revealed one shows the
    answers of the parties it was revealed to (someone who left since included), and only
    to them: a party who joined later sees that it was revealed before them, nothing more.
    """
    alliance = party.alliance
    everyone = {p.pk: p for p in Party.everyone.filter(alliance=alliance).select_related("user")}
    # Those the conversation waits on: designing parties now here, never an observer.
    parties = [p for p in everyone.values() if p.left_at is None and not p.is_observer]
    prompts = prompts_of(alliance, stake_kind=stake.kind)
    audiences = reveal_audiences(stake)
    # Only the viewer's own reflections and the others' shared or skipped ones leave the
    # database; an unshared draft of someone else is never even loaded.
    reflections = list(
        Reflection.objects.filter(stake=stake)
        .filter(Q(party=party) | Q(state__in=ANSWERED))
        .prefetch_related(Prefetch("terms", queryset=TermOrigin.objects.only("id", "reflection")))
    )
    by_key = {(r.prompt_id, r.party_id): r for r in reflections}
    boards = []
    names = party_names(everyone.values())
    for prompt in prompts:
        audience = audiences.get(prompt.pk)
        mine = by_key.get((prompt.pk, party.pk))
        if audience is not None and party.pk not in audience:
            # Nothing of the others; the viewer's own earlier answer (someone who left
            # before the reveal and came back) stays theirs to read.
            own = [_seen(mine, party, party, False)] if mine is not None else []
            boards.append(
                PromptBoard(
                    prompt=prompt, mine=mine, answers=own, revealed=False, closed_to_me=True
                )
            )
            continue
        revealed = audience is not None
        shown = (
            sorted((everyone[pk] for pk in audience or ()), key=_joined) if revealed else parties
        )
        answers = [_seen(by_key.get((prompt.pk, p.pk)), p, party, revealed) for p in shown]
        board = PromptBoard(prompt=prompt, mine=mine, answers=answers, revealed=revealed)
        boards.append(board)
    candidates = list(
        stake.candidates.select_related("proposed_by__user").prefetch_related(
            Prefetch("answers", queryset=TimeAnswer.objects.all())
        )
    )
    thread = proposal_thread(candidates)
    return Conversation(
        stake=stake,
        party=party,
        parties=parties,
        boards=boards,
        times=_time_options(stake, candidates, parties, party),
        thread=thread if len(thread) > 1 else [],
        names=names,
    )


def party_names(parties: Iterable[Party]) -> list[str]:
    """What common ground never lists: each party's name, address before the @ and role."""
    return [
        text
        for p in parties
        for text in (p.user.name, p.user.email.split("@")[0], p.role_label)
        if text
    ]


def _find_common_ground(board: PromptBoard, names: list[str]) -> None:
    """Find what a revealed board's people share: done only for the board a page shows,
    not for every prompt of the conversation. Only shared words make common ground: the
    viewer's own skipped draft is visible to them but was never said to the others."""
    texts = {a.party: a.text for a in board.answers if a.text and a.state == ReflectionState.SHARED}
    board.ground = common_ground(texts, names=names, prompt=board.prompt.text)
    for a in board.answers:
        a.segments = board.ground.segments.get(a.party, [])


def _joined(party: Party) -> tuple[object, int]:
    return (party.joined_at, party.pk)


def _seen(r: Reflection | None, author: Party, viewer: Party, revealed: bool) -> SeenReflection:
    """One answer as `viewer` may see it. The viewer reads their own in any state; the
    others' text only once revealed, and never a draft (a skip turned back into a draft
    after the reveal reads as the skip it was)."""
    if r is None:
        return SeenReflection(party=author, state="none")
    if author.pk == viewer.pk:
        return SeenReflection(
            party=author, state=r.state, text=r.text, pk=r.pk, terms=len(r.terms.all())
        )
    if r.state == ReflectionState.DRAFT:
        return SeenReflection(party=author, state="skipped" if revealed else "none")
    seen = SeenReflection(party=author, state=r.state)
    if revealed and r.state == ReflectionState.SHARED:
        seen.text = r.text
        seen.pk = r.pk
        seen.terms = len(r.terms.all())
    return seen


def proposal_thread(candidates: Sequence[CandidateTime]) -> list[ProposalStep]:
    """The turns of finding a time, oldest first, from a stake's candidate times.

    Whoever proposed times after the first proposal declined every time offered before
    (that is what proposing others records), so what each declined follows from when.
    """
    steps: dict[tuple[int | None, datetime], ProposalStep] = {}
    for c in sorted(candidates, key=lambda c: (c.proposed_at, c.starts_at)):
        key = (c.proposed_by_id, c.proposed_at)
        if key not in steps:
            declined = [e.starts_at for e in candidates if e.proposed_at < c.proposed_at]
            steps[key] = ProposalStep(
                party=c.proposed_by, at=c.proposed_at, proposed=[], declined=sorted(declined)
            )
        steps[key].proposed.append(c.starts_at)
    return list(steps.values())


def _time_options(
    stake: Stake, candidates: Sequence[CandidateTime], parties: Sequence[Party], viewer: Party
) -> list[TimeOption]:
    if stake.state != StakeState.PROPOSED:
        return []
    options = []
    for c in candidates:
        given = {a.party_id: a.works for a in c.answers.all()}
        options.append(
            TimeOption(
                candidate=c,
                answers=[(p, given.get(p.pk)) for p in parties],
                mine=given.get(viewer.pk),
                suits_everyone=all(given.get(p.pk) for p in parties),
                offered_by=c.proposed_by if c.proposed_by_id != stake.proposed_by_id else None,
            )
        )
    return options


def open_stakes_prefetch(prefix: str = "") -> Prefetch:
    """Conversations still looking for a time or scheduled recently or ahead, with what the
    dashboard needs to say what waits on whom (five queries for any number of alliances),
    in plain lists (`loaded_candidates`, and their `loaded_answers`), not a queryset for
    each. Who proposed each is loaded with it, whether they are still in the alliance
    or not."""
    recent = now() - RECENTLY_SCHEDULED
    return Prefetch(
        f"{prefix}stakes",
        queryset=Stake.objects.filter(
            Q(state=StakeState.PROPOSED) | Q(state=StakeState.SCHEDULED, starts_at__gte=recent)
        )
        .select_related("proposed_by__user")
        .prefetch_related(
            Prefetch(
                "candidates",
                queryset=CandidateTime.objects.select_related("proposed_by__user").prefetch_related(
                    Prefetch("answers", to_attr="loaded_answers")
                ),
                to_attr="loaded_candidates",
            ),
            Prefetch(
                "reflections",
                queryset=Reflection.objects.filter(state__in=ANSWERED).only(
                    "id", "stake_id", "prompt_id", "party_id", "state"
                ),
                to_attr="answered_reflections",
            ),
            Prefetch(
                "reveals",
                queryset=Reveal.objects.only("id", "stake_id", "prompt_id"),
                to_attr="prompt_reveals",
            ),
        )
        .order_by("created_at", "id"),
        to_attr="open_stakes",
    )


@dataclass
class Waiting:
    """One line on the dashboard about a conversation: what it waits on, or when it is."""

    stake: Stake
    kind: str  # "times", "schedule", "reflections" or "upcoming"
    count: int = 0
    # For "times": who offered the times still waiting on an answer.
    offered_by: Party | None = None


def conversation_waits(
    party: Party, parties: Sequence[Party], stakes: Sequence[Stake]
) -> list[Waiting]:
    """What `party`'s conversations wait on, from `open_stakes_prefetch` data (no queries)."""
    waits = []
    party_ids = {p.pk for p in parties}
    for stake in stakes:
        if stake.state == StakeState.PROPOSED:
            candidates = stake.loaded_candidates  # type: ignore[attr-defined]
            answers = {
                (a.candidate_id, a.party_id): a.works for c in candidates for a in c.loaded_answers
            }
            # Times offered after the party answered (someone declined and proposed
            # others) wait on them as the first ones did.
            unanswered = [c for c in candidates if (c.pk, party.pk) not in answers]
            if unanswered:
                latest = max(unanswered, key=lambda c: (c.proposed_at, c.pk))
                waits.append(Waiting(stake, "times", offered_by=latest.proposed_by))
            elif (
                stake.proposed_by_id == party.pk or stake.proposed_by_id not in party_ids
            ) and any(all(answers.get((c.pk, pid)) for pid in party_ids) for c in candidates):
                waits.append(Waiting(stake, "schedule"))
        elif stake.starts_at is not None and stake.starts_at >= now():
            waits.append(Waiting(stake, "upcoming"))
        answered = {(r.prompt_id, r.party_id) for r in stake.answered_reflections}  # type: ignore[attr-defined]
        revealed = {r.prompt_id for r in stake.prompt_reveals}  # type: ignore[attr-defined]
        shared_by_others = {
            prompt
            for prompt, who in answered
            if who != party.pk and who in party_ids and prompt not in revealed
        }
        awaiting = [prompt for prompt in shared_by_others if (prompt, party.pk) not in answered]
        if awaiting:
            waits.append(Waiting(stake, "reflections", len(awaiting)))
    return waits


def waits_change_at(stakes: Sequence[Stake]) -> list[datetime]:
    """The moments at which `conversation_waits` over `stakes` (loaded by
    `open_stakes_prefetch`) says something else by time alone: a scheduled
    conversation begins (it is no longer upcoming), and later leaves the open ones."""
    moments = []
    for stake in stakes:
        if stake.starts_at is None:
            continue
        moments.append(stake.starts_at)
        # One planned at the end of the calendar never leaves them.
        if stake.starts_at <= LATEST - RECENTLY_SCHEDULED:
            moments.append(stake.starts_at + RECENTLY_SCHEDULED)
    return moments


def conversation_awaits_party() -> Q:
    """For a query over parties: one of the alliance's open conversations waits on the
    party, for times to answer, for a time to schedule, or for a reflection the others
    shared (the SQL twin of the "times", "schedule" and "reflections" lines of
    `conversation_waits`)."""
    answered = TimeAnswer.objects.filter(
        candidate_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk"))
    )
    times = CandidateTime.objects.filter(
        ~Exists(answered),
        stake__alliance_id=OuterRef("alliance_id"),
        stake__state=StakeState.PROPOSED,
    )
    mine = Reflection.objects.filter(
        stake_id=OuterRef("stake_id"),
        prompt_id=OuterRef("prompt_id"),
        party_id=OuterRef(OuterRef("pk")),
        state__in=ANSWERED,
    )
    revealed = Reveal.objects.filter(stake_id=OuterRef("stake_id"), prompt_id=OuterRef("prompt_id"))
    shared_by_others = Reflection.objects.filter(
        Q(stake__state=StakeState.PROPOSED)
        | Q(stake__state=StakeState.SCHEDULED, stake__starts_at__gte=Moment(-RECENTLY_SCHEDULED)),
        ~Exists(revealed),
        ~Exists(mine),
        stake__alliance_id=OuterRef("alliance_id"),
        state__in=ANSWERED,
        party__left_at__isnull=True,
    ).exclude(party_id=OuterRef("pk"))
    return Q(Exists(times)) | Q(Exists(_time_to_schedule())) | Q(Exists(shared_by_others))


def _time_to_schedule() -> QuerySet[CandidateTime]:
    """For a query over parties: a proposed time that every current party said suits them,
    in a conversation the party proposed (or whose proposer has left): theirs to confirm."""
    suits = TimeAnswer.objects.filter(
        candidate_id=OuterRef(OuterRef("pk")), party_id=OuterRef("pk"), works=True
    )
    not_yet_suiting = Party.objects.filter(
        ~Exists(suits), alliance_id=OuterRef("stake__alliance_id")
    )
    proposer_here = Party.everyone.filter(
        pk=OuterRef("stake__proposed_by_id"), left_at__isnull=True
    )
    return CandidateTime.objects.filter(
        Q(stake__proposed_by_id=OuterRef("pk")) | ~Exists(proposer_here),
        ~Exists(not_yet_suiting),
        stake__alliance_id=OuterRef("alliance_id"),
        stake__state=StakeState.PROPOSED,
    )


def observed_stakes(alliance_id: int) -> list[Stake]:
    """The scheduled conversations still ahead that include the alliance's observers,
    soonest first: only when, how long and where; never a prompt, groundwork or note."""
    return list(
        Stake.objects.filter(
            alliance_id=alliance_id,
            includes_observers=True,
            state=StakeState.SCHEDULED,
            starts_at__gt=now(),
        )
        .only("alliance_id", "kind", "starts_at", "duration_minutes", "location", "state")
        .order_by("starts_at", "id")
    )


def conversations_scheduled_between(
    alliance_ids: QuerySet[Any],
    start: datetime | Expression,
    end: datetime | Expression,
    observed_ids: QuerySet[Any],
) -> QuerySet[Stake, tuple[Any, ...]]:
    """The scheduled conversations of `alliance_ids`, and those of `observed_ids` that
    include the observers, from `start` to before `end`, soonest first, each as its time,
    its alliance's id and title, its kind, its id, and whether it is listed as observed.
    `start` and `end` may be a prepared query's slots."""
    observed = Q(alliance_id__in=observed_ids, includes_observers=True)
    mine = Q(alliance_id__in=alliance_ids)
    return (
        Stake.objects.filter(
            mine | observed,
            state=StakeState.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .annotate(
            observed_by_user=Case(
                When(mine, then=Value(False)), default=Value(True), output_field=BooleanField()
            )
        )
        .order_by("starts_at", "pk")
        .values_list(
            "starts_at", "alliance_id", "alliance__title", "kind", "pk", "observed_by_user"
        )
    )
