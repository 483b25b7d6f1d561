"""Reads for the design conversation. Privacy lives here: a party's unshared reflection
never leaves these functions for anyone but its author."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from alliance.alliances.models import Alliance, Party
from alliance.conversations.commonground import common_words, highlight, words_by_party
from alliance.conversations.library import THEME_LABELS, THEMES
from alliance.conversations.models import (
    AlliancePrompt,
    CandidateTime,
    Reflection,
    ReflectionState,
    Stake,
    StakeState,
    TermOrigin,
    TimeAnswer,
)
from alliance.lib.clock import now

ANSWERED = (ReflectionState.SHARED, ReflectionState.SKIPPED)


def stake_for(party: Party, stake_id: int) -> Stake:
    stake = (
        Stake.objects.select_related("proposed_by__user")
        .filter(pk=stake_id, alliance_id=party.alliance_id)
        .first()
    )
    if stake is None:
        raise Http404("No such conversation.")
    return stake


def stakes_of(alliance: Alliance) -> QuerySet[Stake]:
    return (
        Stake.objects.filter(alliance=alliance)
        .select_related("proposed_by__user")
        .prefetch_related("candidates")
    )


def prompts_of(alliance: Alliance, include_hidden: bool = False) -> list[AlliancePrompt]:
    prompts = AlliancePrompt.objects.filter(alliance=alliance)
    if not include_hidden:
        prompts = prompts.filter(hidden=False)
    order = {theme: i for i, (theme, _) in enumerate(THEMES)}
    return sorted(prompts, key=lambda p: (order.get(p.theme, 99), p.position, p.pk))


def reflection_visible_to(party: Party, reflection_id: int) -> Reflection | None:
    """The reflection if `party` may read it: their own, or a revealed shared one."""
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
    parties = Party.objects.filter(alliance_id=party.alliance_id)
    answered = Reflection.objects.filter(
        stake=reflection.stake, prompt=reflection.prompt, party__in=parties, state__in=ANSWERED
    ).count()
    return reflection if answered == parties.count() else None


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
    answers: list[SeenReflection]  # one per party, in party order
    revealed: bool
    shared_words: list[str] = field(default_factory=list)

    @property
    def theme_label(self) -> str:
        return THEME_LABELS.get(self.prompt.theme, self.prompt.theme)

    @property
    def answered_count(self) -> int:
        return sum(1 for a in self.answers if a.state in ANSWERED)


@dataclass
class TimeOption:
    candidate: CandidateTime
    answers: list[tuple[Party, bool | None]]
    mine: bool | None
    suits_everyone: bool


@dataclass
class Conversation:
    stake: Stake
    party: Party
    parties: list[Party]
    boards: list[PromptBoard]
    times: list[TimeOption]
    everyone_raised: list[str]
    only_one_raised: list[tuple[str, list[str]]]

    @property
    def may_schedule(self) -> bool:
        """The proposer confirms the time; anyone may once the proposer has left."""
        proposer_here = any(p.pk == self.stake.proposed_by_id for p in self.parties)
        return self.party.pk == self.stake.proposed_by_id or not proposer_here

    def board(self, prompt_id: int | None) -> PromptBoard | None:
        if not self.boards:
            return None
        if prompt_id is None:
            # The first prompt still waiting on the viewer, else the first one.
            return next(
                (b for b in self.boards if b.mine is None or b.mine.state not in ANSWERED),
                self.boards[0],
            )
        return next((b for b in self.boards if b.prompt.pk == prompt_id), None)


def conversation_for(party: Party, stake: Stake) -> Conversation:
    """Everything the conversation page shows `party`, in a fixed number of queries."""
    alliance = party.alliance
    parties = list(alliance.parties.select_related("user"))
    prompts = prompts_of(alliance)
    # Only the viewer's own reflections and the others' shared or skipped ones leave the
    # database; an unshared draft of someone else is never even loaded.
    reflections = list(
        Reflection.objects.filter(stake=stake)
        .filter(Q(party=party) | Q(state__in=ANSWERED))
        .prefetch_related(Prefetch("terms", queryset=TermOrigin.objects.only("id", "reflection")))
    )
    by_key = {(r.prompt_id, r.party_id): r for r in reflections}
    boards = []
    revealed_texts: dict[str, list[str]] = {p.user.name: [] for p in parties}
    for prompt in prompts:
        states = {
            p.pk: by_key[(prompt.pk, p.pk)].state if (prompt.pk, p.pk) in by_key else None
            for p in parties
        }
        revealed = all(states[p.pk] in ANSWERED for p in parties)
        answers = []
        for p in parties:
            r = by_key.get((prompt.pk, p.pk))
            state = r.state if r is not None else "none"
            if r is not None and p.pk != party.pk and r.state == ReflectionState.DRAFT:
                state = "none"
            seen = SeenReflection(party=p, state=state)
            if r is not None and (
                p.pk == party.pk or (revealed and r.state == ReflectionState.SHARED)
            ):
                seen.text = r.text
                seen.pk = r.pk
                seen.terms = len(r.terms.all())
            answers.append(seen)
        board = PromptBoard(
            prompt=prompt,
            mine=by_key.get((prompt.pk, party.pk)),
            answers=answers,
            revealed=revealed,
        )
        if revealed:
            # Only shared words make common ground: the viewer's own skipped draft is
            # visible to them but was never said to the others.
            texts = {
                a.party.user.name: a.text
                for a in answers
                if a.text and a.state == ReflectionState.SHARED
            }
            for name, text in texts.items():
                revealed_texts[name].append(text)
            shared = common_words(list(texts.values())) if len(texts) > 1 else set()
            board.shared_words = sorted(shared)
            for a in answers:
                a.segments = highlight(a.text, shared) if a.state == ReflectionState.SHARED else []
        boards.append(board)
    everyone, only_one = words_by_party(revealed_texts)
    return Conversation(
        stake=stake,
        party=party,
        parties=parties,
        boards=boards,
        times=_time_options(stake, parties, party),
        everyone_raised=everyone,
        only_one_raised=only_one,
    )


def _time_options(stake: Stake, parties: Sequence[Party], viewer: Party) -> list[TimeOption]:
    if stake.state != StakeState.PROPOSED:
        return []
    candidates = list(
        stake.candidates.prefetch_related(Prefetch("answers", queryset=TimeAnswer.objects.all()))
    )
    options = []
    for c in candidates:
        given = {a.party_id: a.works for a in c.answers.all()}
        options.append(
            TimeOption(
                candidate=c,
                answers=[(p, given.get(p.pk)) for p in parties],
                mine=given.get(viewer.pk),
                suits_everyone=all(given.get(p.pk) for p in parties),
            )
        )
    return options


def open_stakes_prefetch(prefix: str = "") -> Prefetch:
    """Conversations still looking for a time or scheduled recently or ahead, with what the
    dashboard needs to say what waits on whom (four queries for any number of alliances)."""
    recent = now() - timedelta(days=14)
    return Prefetch(
        f"{prefix}stakes",
        queryset=Stake.objects.filter(
            Q(state=StakeState.PROPOSED) | Q(state=StakeState.SCHEDULED, starts_at__gte=recent)
        )
        .select_related("proposed_by__user")
        .prefetch_related(
            Prefetch("candidates", queryset=CandidateTime.objects.prefetch_related("answers")),
            Prefetch(
                "reflections",
                queryset=Reflection.objects.filter(state__in=ANSWERED).only(
                    "id", "stake_id", "prompt_id", "party_id", "state"
                ),
                to_attr="answered_reflections",
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


def conversation_waits(
    party: Party, parties: Sequence[Party], stakes: Sequence[Stake]
) -> list[Waiting]:
    """What `party`'s conversations wait on, from `open_stakes_prefetch` data (no queries)."""
    waits = []
    party_ids = {p.pk for p in parties}
    for stake in stakes:
        if stake.state == StakeState.PROPOSED:
            candidates = list(stake.candidates.all())
            answers = {
                (a.candidate_id, a.party_id): a.works for c in candidates for a in c.answers.all()
            }
            if not any(party.pk == who for _, who in answers):
                waits.append(Waiting(stake, "times"))
            elif (
                stake.proposed_by_id == party.pk or stake.proposed_by_id not in party_ids
            ) and any(all(answers.get((c.pk, pid)) for pid in party_ids) for c in candidates):
                waits.append(Waiting(stake, "schedule"))
        elif stake.starts_at is not None and stake.starts_at >= now():
            waits.append(Waiting(stake, "upcoming"))
        answered = {(r.prompt_id, r.party_id) for r in stake.answered_reflections}  # type: ignore[attr-defined]
        shared_by_others = {
            prompt for prompt, who in answered if who != party.pk and who in party_ids
        }
        awaiting = [prompt for prompt in shared_by_others if (prompt, party.pk) not in answered]
        if awaiting:
            waits.append(Waiting(stake, "reflections", len(awaiting)))
    return waits
