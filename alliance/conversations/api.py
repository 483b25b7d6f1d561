"""Conversations through the API: stakes and their times, groundwork, prompts, my own
reflections, the others' once revealed, and common ground.

Every read goes through `selectors.conversation_for`, as the conversation page does, so a
party's unshared reflection never reaches anyone else here either. Observers, like on the
pages, get 404: they see when a conversation is (on the alliance), never what is in it.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime

from alliance.alliances.models import Party
from alliance.alliances.services import AllianceClosed
from alliance.api.access import answers, party, writer
from alliance.api.pagination import Page, PageQuery, cursor_page
from alliance.api.problems import ApiProblem
from alliance.api.texts import StorableText
from alliance.conversations import selectors, services
from alliance.conversations.library import THEME_LABELS, THEMES
from alliance.conversations.models import (
    AlliancePrompt,
    Reflection,
    Reveal,
    Stake,
    StakeKind,
    StakeState,
)
from alliance.conversations.selectors import Conversation, PromptBoard, SeenReflection
from alliance.lib.dates import EARLIEST, LATEST
from alliance.lib.forms import MAX_ID
from alliance.terms.models import Category
from alliance.terms.services import AlreadyProposed

router = Router(tags=["conversations"])

T = TypeVar("T")

REVISION = Field(ge=1, le=2**31 - 1, description="The `revision` you read.")


def _url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def _within_reach(value: datetime) -> datetime:
    """An instant every calendar can hold: refused, not failed on, far outside."""
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise ValueError(_("This time is out of range."))
    return moment


# A time with its offset (`2026-03-02T10:00:00+01:00`): a time without one would be read
# in some time zone the caller cannot see.
Moment = Annotated[AwareDatetime, AfterValidator(_within_reach)]


def _on_field(field: str, write: Callable[[], T]) -> T:
    """Run `write`, naming `field` in what it refuses without naming a field itself (the
    services speak to a form, which shows such refusals above its fields)."""
    try:
        return write()
    except AllianceClosed:
        raise
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({field: error.messages}) from error


# Schemas -----------------------------------------------------------------------------------


class AnswerState(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SHARED = "shared"
    SKIPPED = "skipped"


class ConversationPartyOut(Schema):
    id: int
    name: str
    role_label: str
    left: bool = Field(description="Has left the alliance since.")


def party_out(p: Party) -> ConversationPartyOut:
    return ConversationPartyOut(
        id=p.pk, name=p.user.name, role_label=p.role_label, left=p.left_at is not None
    )


class AlliancePromptOut(Schema):
    id: int
    theme: str = Field(json_schema_extra={"enum": [key for key, _label in THEMES]})
    theme_label: str
    category: Category
    text: str
    builtin: bool
    hidden: bool = Field(description="Hidden prompts are asked in no conversation.")
    url: str


def prompt_out(prompt: AlliancePrompt) -> AlliancePromptOut:
    return AlliancePromptOut(
        id=prompt.pk,
        theme=prompt.theme,
        theme_label=str(THEME_LABELS.get(prompt.theme, prompt.theme)),
        category=Category(prompt.category),
        text=prompt.text,
        builtin=prompt.is_builtin,
        hidden=prompt.hidden,
        url=_url("prompt_detail", alliance_id=prompt.alliance_id, prompt_id=prompt.pk),
    )


class StakeOut(Schema):
    id: int
    kind: StakeKind
    state: StakeState
    proposed_by: ConversationPartyOut
    starts_at: datetime | None = Field(description="Once scheduled.")
    duration_minutes: int
    location: str
    note: str
    includes_observers: bool
    times_offered: int
    created_at: datetime
    url: str


def stake_out(stake: Stake) -> StakeOut:
    return StakeOut(
        id=stake.pk,
        kind=StakeKind(stake.kind),
        state=StakeState(stake.state),
        proposed_by=party_out(stake.proposed_by),
        starts_at=stake.starts_at,
        duration_minutes=stake.duration_minutes,
        location=stake.location,
        note=stake.note,
        includes_observers=stake.includes_observers,
        times_offered=len(stake.candidates.all()),
        created_at=stake.created_at,
        url=_url("stake_detail", alliance_id=stake.alliance_id, stake_id=stake.pk),
    )


class StakeTimeAnswerOut(Schema):
    party: ConversationPartyOut
    works: bool | None = Field(description="Null: not answered yet.")


class StakeTimeOut(Schema):
    id: int
    starts_at: datetime
    offered_by: ConversationPartyOut | None = Field(
        description="Who offered it, when not whoever proposed the conversation."
    )
    mine: bool | None = Field(description="Whether it suits me; null: not answered yet.")
    suits_everyone: bool
    answers: list[StakeTimeAnswerOut]


class StakePromptOut(Schema):
    """One prompt of the conversation as the caller stands with it."""

    prompt: AlliancePromptOut
    revealed: bool
    closed_to_me: bool = Field(
        description="Revealed before I joined: nothing of it to read, nothing to answer."
    )
    waits_on_me: bool
    answered: int = Field(description="How many of those it waits on have answered.")
    waits_on: int
    my_state: AnswerState
    reflection_url: str
    reflections_url: str


def board_out(stake: Stake, board: PromptBoard) -> StakePromptOut:
    ids = {"alliance_id": stake.alliance_id, "stake_id": stake.pk, "prompt_id": board.prompt.pk}
    return StakePromptOut(
        prompt=prompt_out(board.prompt),
        revealed=board.revealed,
        closed_to_me=board.closed_to_me,
        waits_on_me=board.waits_on_me,
        answered=board.answered_count,
        waits_on=len(board.answers),
        my_state=AnswerState(board.mine.state if board.mine else AnswerState.NONE),
        reflection_url=_url("reflection_mine", **ids),
        reflections_url=_url("reflections_revealed", **ids),
    )


class StakeDetailOut(StakeOut):
    groundwork: str
    groundwork_revision: int
    waits_on: list[ConversationPartyOut] = Field(
        description="The designing parties the conversation waits on."
    )
    times: list[StakeTimeOut] = Field(description="While it looks for a time.")
    may_schedule: bool = Field(description="Whether I confirm a time that suits everyone.")
    prompts: list[StakePromptOut]


def stake_detail_out(c: Conversation) -> StakeDetailOut:
    stake = c.stake
    return StakeDetailOut(
        **stake_out(stake).model_dump(),
        groundwork=stake.groundwork,
        groundwork_revision=stake.groundwork_revision,
        waits_on=[party_out(p) for p in c.parties],
        times=[
            StakeTimeOut(
                id=option.candidate.pk,
                starts_at=option.candidate.starts_at,
                offered_by=party_out(option.offered_by) if option.offered_by else None,
                mine=option.mine,
                suits_everyone=option.suits_everyone,
                answers=[
                    StakeTimeAnswerOut(party=party_out(p), works=w) for p, w in option.answers
                ],
            )
            for option in c.times
        ],
        may_schedule=stake.state == StakeState.PROPOSED and c.may_schedule,
        prompts=[board_out(stake, board) for board in c.boards],
    )


# Lookups -----------------------------------------------------------------------------------


def _stake(me: Party, stake_id: int) -> Stake:
    """The conversation, 404 when it is not this alliance's (as on the page)."""
    stake = selectors.stake_for(me, stake_id)
    stake.alliance = me.alliance
    return stake


def _detail(me: Party, stake_id: int) -> StakeDetailOut:
    stake = _stake(me, stake_id)
    return stake_detail_out(selectors.conversation_for(me, stake))


def _board(me: Party, stake_id: int, prompt_id: int) -> tuple[Stake, PromptBoard]:
    """The prompt as the conversation page shows it to `me`: 404 for a prompt the
    conversation does not ask (hidden, of another kind of conversation, or none)."""
    stake = _stake(me, stake_id)
    board = selectors.conversation_for(me, stake).board(prompt_id)
    if board is None:
        raise Http404("No such prompt in this conversation.")
    return stake, board


def _asked(me: Party, stake: Stake, prompt_id: int) -> AlliancePrompt:
    """A prompt this conversation asks, for writing to: 404 otherwise, as for reading."""
    prompt = next(
        (p for p in selectors.prompts_of(me.alliance, stake_kind=stake.kind) if p.pk == prompt_id),
        None,
    )
    if prompt is None:
        raise Http404("No such prompt in this conversation.")
    return prompt


# Stakes ------------------------------------------------------------------------------------


@router.get(
    "/alliances/{id:alliance_id}/conversations",
    response=Page[StakeOut],
    summary="Conversations",
    openapi_extra=answers("parties"),
)
def stake_list(request: HttpRequest, alliance_id: int, query: Query[PageQuery]) -> Page[StakeOut]:
    """The alliance's conversations (stakes), newest first: proposed, scheduled and
    cancelled ones."""
    me = party(request, alliance_id)
    stakes, next_cursor = cursor_page(
        selectors.stakes_of(me.alliance), cursor=query.cursor, limit=query.limit, newest_first=True
    )
    return Page[StakeOut](items=[stake_out(s) for s in stakes], next_cursor=next_cursor)


class StakeIn(Schema):
    kind: StakeKind = StakeKind.DESIGN
    times: list[Moment] = Field(
        min_length=1,
        max_length=services.MAX_CANDIDATES,
        description="1 to 5 times that suit you, each with its offset, in the future.",
    )
    duration_minutes: int = Field(60, ge=15, le=480, strict=True)
    location: StorableText = Field(
        "", max_length=300, description="A room, or a video call's link."
    )
    note: StorableText = Field("", max_length=2000)
    groundwork: StorableText = Field(
        "",
        max_length=4000,
        description="How it opens; empty for the opening suited to the alliance and kind.",
    )
    includes_observers: bool = Field(
        False,
        description="The observers get the calendar entry, nothing else of it.",
        strict=True,
    )


@router.post(
    "/alliances/{id:alliance_id}/conversations",
    response={201: StakeDetailOut},
    summary="Plant a stake",
    openapi_extra=answers("parties"),
)
def stake_plant(request: HttpRequest, alliance_id: int, payload: StakeIn) -> Status[StakeDetailOut]:
    """Propose a conversation with times that suit you; the others are emailed and say
    which suit them."""
    me = writer(request, alliance_id)
    stake = _on_field(
        "times",
        lambda: services.stake_plant(
            party=me,
            kind=payload.kind,
            times=payload.times,
            duration_minutes=payload.duration_minutes,
            location=payload.location,
            note=payload.note,
            groundwork=payload.groundwork,
            includes_observers=payload.includes_observers,
        ),
    )
    return Status(201, _detail(me, stake.pk))


@router.get(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}",
    response=StakeDetailOut,
    summary="One conversation",
    openapi_extra=answers("parties"),
)
def stake_detail(request: HttpRequest, alliance_id: int, stake_id: int) -> StakeDetailOut:
    """The conversation with its groundwork, the times offered and who said which suit
    them, and where each prompt stands for me."""
    return _detail(party(request, alliance_id), stake_id)


class StakeTimesIn(Schema):
    works: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        max_length=services.MAX_TIMES_PER_STAKE,
        description="The ids of the offered times that suit me; none is an answer too.",
    )


@router.put(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/times",
    response=StakeDetailOut,
    summary="Say which times suit me",
    openapi_extra=answers("parties"),
)
def stake_answer(
    request: HttpRequest, alliance_id: int, stake_id: int, payload: StakeTimesIn
) -> StakeDetailOut:
    """Replace my answer about the offered times. With two parties, a time that suits
    both is scheduled at once and everyone gets the calendar invitation."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    _on_field(
        "works", lambda: services.stake_answer(party=me, stake_id=stake_id, works=payload.works)
    )
    return _detail(me, stake_id)


class StakeOtherTimesIn(Schema):
    times: list[Moment] = Field(min_length=1, max_length=services.MAX_CANDIDATES)


@router.post(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/other-times",
    response=StakeDetailOut,
    summary="Propose other times",
    openapi_extra=answers("parties"),
)
def stake_counter(
    request: HttpRequest, alliance_id: int, stake_id: int, payload: StakeOtherTimesIn
) -> StakeDetailOut:
    """None of the times suit me: decline them all and offer 1 to 5 others."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    _on_field(
        "times", lambda: services.stake_counter(party=me, stake_id=stake_id, times=payload.times)
    )
    return _detail(me, stake_id)


class StakeScheduleIn(Schema):
    time_id: int = Field(
        ge=1, le=MAX_ID, description="The id of a time that suits everyone.", strict=True
    )


@router.post(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/schedule",
    response=StakeDetailOut,
    summary="Schedule",
    openapi_extra=answers("parties"),
)
def stake_schedule(
    request: HttpRequest, alliance_id: int, stake_id: int, payload: StakeScheduleIn
) -> StakeDetailOut:
    """Whoever proposed the conversation (anyone, once they left) fixes a time that
    suits everyone; everyone gets the calendar invitation."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    _on_field(
        "time_id",
        lambda: services.stake_schedule(party=me, stake_id=stake_id, candidate_id=payload.time_id),
    )
    return _detail(me, stake_id)


class StakeRescheduleIn(Schema):
    starts_at: Moment


@router.post(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/reschedule",
    response=StakeDetailOut,
    summary="Move",
    openapi_extra=answers("parties"),
)
def stake_reschedule(
    request: HttpRequest, alliance_id: int, stake_id: int, payload: StakeRescheduleIn
) -> StakeDetailOut:
    """Move a scheduled conversation; everyone's calendar entry is updated."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    _on_field(
        "starts_at",
        lambda: services.stake_reschedule(party=me, stake_id=stake_id, starts_at=payload.starts_at),
    )
    return _detail(me, stake_id)


@router.post(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/cancel",
    response=StakeDetailOut,
    summary="Call off",
    openapi_extra=answers("parties"),
)
def stake_cancel(request: HttpRequest, alliance_id: int, stake_id: int) -> StakeDetailOut:
    """Call the conversation off: a scheduled one leaves everyone's calendar, a proposed
    one is withdrawn and the others are told. Calling off twice changes nothing."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    services.stake_cancel(party=me, stake_id=stake_id)
    return _detail(me, stake_id)


# Groundwork --------------------------------------------------------------------------------


class GroundworkOut(Schema):
    groundwork: str
    # Goes up with every change: send it back to change the groundwork.
    revision: int
    url: str


class GroundworkIn(Schema):
    groundwork: StorableText = Field(max_length=4000)
    revision: int = REVISION


def groundwork_out(stake: Stake) -> GroundworkOut:
    return GroundworkOut(
        groundwork=stake.groundwork,
        revision=stake.groundwork_revision,
        url=_url("groundwork_read", alliance_id=stake.alliance_id, stake_id=stake.pk),
    )


@router.get(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/groundwork",
    response=GroundworkOut,
    summary="Groundwork",
    openapi_extra=answers("parties"),
)
def groundwork_read(request: HttpRequest, alliance_id: int, stake_id: int) -> GroundworkOut:
    """How the conversation opens: why the parties are having it."""
    return groundwork_out(_stake(party(request, alliance_id), stake_id))


@router.put(
    "/alliances/{id:alliance_id}/conversations/{id:stake_id}/groundwork",
    response=GroundworkOut,
    summary="Reword the groundwork",
    openapi_extra=answers("parties"),
)
def groundwork_update(
    request: HttpRequest, alliance_id: int, stake_id: int, payload: GroundworkIn
) -> GroundworkOut:
    """Send the `revision` you read: if someone changed the groundwork since, nothing is
    written and the answer is 409 with the current text and yours."""
    me = writer(request, alliance_id)
    _stake(me, stake_id)
    try:
        stake = services.groundwork_update(
            party=me, stake_id=stake_id, groundwork=payload.groundwork, revision=payload.revision
        )
    except services.GroundworkConflict as conflict:
        raise ApiProblem(
            409,
            _("Someone changed the groundwork since revision %(revision)d.")
            % {"revision": payload.revision},
            current={
                "groundwork": conflict.current.groundwork,
                "revision": conflict.current.groundwork_revision,
            },
            sent={"groundwork": payload.groundwork},
        ) from conflict
    return groundwork_out(stake)


# Prompts -----------------------------------------------------------------------------------


def _prompt(me: Party, prompt_id: int) -> AlliancePrompt:
    prompt = AlliancePrompt.objects.filter(pk=prompt_id, alliance_id=me.alliance_id).first()
    if prompt is None:
        raise Http404("No such prompt.")
    return prompt


@router.get(
    "/alliances/{id:alliance_id}/prompts",
    response=list[AlliancePromptOut],
    summary="Prompts",
    openapi_extra=answers("parties"),
)
def prompt_list(request: HttpRequest, alliance_id: int) -> list[AlliancePromptOut]:
    """The alliance's prompts in the order conversations ask them, grouped by theme,
    hidden ones included (marked)."""
    me = party(request, alliance_id)
    services.prompts_ensure(me.alliance)
    return [prompt_out(p) for p in selectors.prompts_of(me.alliance, include_hidden=True)]


class AlliancePromptIn(Schema):
    theme: str = Field(max_length=20, json_schema_extra={"enum": [key for key, _label in THEMES]})
    text: StorableText = Field(max_length=500, description="The question everyone reflects on.")
    category: Category = Field(Category.OTHER, description="What terms from it usually concern.")


@router.post(
    "/alliances/{id:alliance_id}/prompts",
    response={201: AlliancePromptOut},
    summary="Add a prompt",
    openapi_extra=answers("parties"),
)
def prompt_add(
    request: HttpRequest, alliance_id: int, payload: AlliancePromptIn
) -> Status[AlliancePromptOut]:
    """A question of the parties' own, asked after the others of its theme."""
    me = writer(request, alliance_id)
    prompt = services.prompt_add(
        party=me, theme=payload.theme, text=payload.text, category=payload.category
    )
    return Status(201, prompt_out(prompt))


@router.get(
    "/alliances/{id:alliance_id}/prompts/{id:prompt_id}",
    response=AlliancePromptOut,
    summary="One prompt",
    openapi_extra=answers("parties"),
)
def prompt_detail(request: HttpRequest, alliance_id: int, prompt_id: int) -> AlliancePromptOut:
    """One of the alliance's prompts, hidden or not."""
    return prompt_out(_prompt(party(request, alliance_id), prompt_id))


class AlliancePromptChangeIn(Schema):
    hidden: bool | None = Field(
        None, description="Hide it from conversations, or show it.", strict=True
    )
    move: Literal["up", "down"] | None = Field(None, description="Swap it with a neighbour.")


@router.patch(
    "/alliances/{id:alliance_id}/prompts/{id:prompt_id}",
    response=AlliancePromptOut,
    summary="Hide, show or move a prompt",
    openapi_extra=answers("parties"),
)
def prompt_change(
    request: HttpRequest, alliance_id: int, prompt_id: int, payload: AlliancePromptChangeIn
) -> AlliancePromptOut:
    """As on the prompts page: a prompt is hidden rather than removed (reflections on it
    stay), and moves one place at a time. Its words do not change once others may have
    answered them."""
    me = writer(request, alliance_id)
    _prompt(me, prompt_id)
    if payload.hidden is not None:
        services.prompt_set_hidden(party=me, prompt_id=prompt_id, hidden=payload.hidden)
    if payload.move is not None:
        services.prompt_move(party=me, prompt_id=prompt_id, up=payload.move == "up")
    return prompt_out(_prompt(me, prompt_id))


# Reflections -------------------------------------------------------------------------------


class MyReflectionOut(Schema):
    """My own reflection on a prompt of a conversation: only I ever read it here."""

    prompt: AlliancePromptOut
    state: AnswerState = Field(description="`none` until I write; a draft is mine alone.")
    text: str
    # Send it back to write: a reflection not yet written is at revision 1.
    revision: int
    updated_at: datetime | None
    shared_at: datetime | None
    revealed: bool = Field(description="The shared reflections on it are side by side.")
    closed_to_me: bool
    url: str


def my_reflection_out(
    stake: Stake,
    prompt: AlliancePrompt,
    mine: Reflection | None,
    *,
    revealed: bool,
    closed_to_me: bool,
) -> MyReflectionOut:
    return MyReflectionOut(
        prompt=prompt_out(prompt),
        state=AnswerState(mine.state if mine else AnswerState.NONE),
        text=mine.text if mine else "",
        revision=mine.revision if mine else 1,
        updated_at=mine.updated_at if mine else None,
        shared_at=mine.shared_at if mine else None,
        revealed=revealed,
        closed_to_me=closed_to_me,
        url=_url(
            "reflection_mine", alliance_id=stake.alliance_id, stake_id=stake.pk, prompt_id=prompt.pk
        ),
    )


def _written(me: Party, stake: Stake, prompt: AlliancePrompt, mine: Reflection) -> MyReflectionOut:
    """My reflection after a write, with where its prompt now stands for me."""
    audience = set(
        Reveal.parties.through.objects.filter(
            reveal__stake_id=stake.pk, reveal__prompt_id=prompt.pk
        ).values_list("party_id", flat=True)
    )
    return my_reflection_out(stake, prompt, mine, revealed=me.pk in audience, closed_to_me=False)


REFLECTION_PATH = "/alliances/{id:alliance_id}/conversations/{id:stake_id}/prompts/{id:prompt_id}"


@router.get(
    f"{REFLECTION_PATH}/reflection",
    response=MyReflectionOut,
    summary="My reflection",
    openapi_extra=answers("parties"),
)
def reflection_mine(
    request: HttpRequest, alliance_id: int, stake_id: int, prompt_id: int
) -> MyReflectionOut:
    """My draft, or what I shared or skipped, with its `revision`."""
    me = party(request, alliance_id)
    stake, board = _board(me, stake_id, prompt_id)
    return my_reflection_out(
        stake, board.prompt, board.mine, revealed=board.revealed, closed_to_me=board.closed_to_me
    )


class ConversationReflectionIn(Schema):
    text: StorableText = Field(max_length=services.REFLECTION_LIMIT)
    revision: int = REVISION


def _reflection_write(
    request: HttpRequest,
    alliance_id: int,
    stake_id: int,
    prompt_id: int,
    payload: ConversationReflectionIn,
    write: Callable[..., Reflection],
) -> MyReflectionOut:
    me = writer(request, alliance_id)
    stake = _stake(me, stake_id)
    prompt = _asked(me, stake, prompt_id)
    try:
        mine = write(
            party=me,
            stake_id=stake_id,
            prompt_id=prompt_id,
            text=payload.text,
            revision=payload.revision,
        )
    except services.ReflectionConflict as conflict:
        raise ApiProblem(
            409,
            _(
                "Your reflection was saved elsewhere since revision %(revision)d; nothing "
                "was written. Both texts are here."
            )
            % {"revision": payload.revision},
            current={
                "text": conflict.current.text,
                "revision": conflict.current.revision,
                "state": conflict.current.state,
            },
            sent={"text": payload.text},
        ) from conflict
    return _written(me, stake, prompt, mine)


@router.put(
    f"{REFLECTION_PATH}/reflection",
    response=MyReflectionOut,
    summary="Write my reflection",
    openapi_extra=answers("parties"),
)
def reflection_save(
    request: HttpRequest,
    alliance_id: int,
    stake_id: int,
    prompt_id: int,
    payload: ConversationReflectionIn,
) -> MyReflectionOut:
    """Keep a private draft (nobody else sees it), or revise what I shared (the earlier
    text is kept). Send the `revision` you read: if it was saved elsewhere since, nothing
    is written and the answer is 409 with both texts."""
    return _reflection_write(
        request, alliance_id, stake_id, prompt_id, payload, services.reflection_save
    )


@router.post(
    f"{REFLECTION_PATH}/reflection/share",
    response=MyReflectionOut,
    summary="Share my reflection",
    openapi_extra=answers("parties"),
)
def reflection_share(
    request: HttpRequest,
    alliance_id: int,
    stake_id: int,
    prompt_id: int,
    payload: ConversationReflectionIn,
) -> MyReflectionOut:
    """Share `text`. The others read it only once everyone has shared or skipped the
    prompt: then all the reflections are revealed side by side."""
    return _reflection_write(
        request, alliance_id, stake_id, prompt_id, payload, services.reflection_share
    )


@router.post(
    f"{REFLECTION_PATH}/reflection/skip",
    response=MyReflectionOut,
    summary="Skip the prompt",
    openapi_extra=answers("parties"),
)
def reflection_skip(
    request: HttpRequest, alliance_id: int, stake_id: int, prompt_id: int
) -> MyReflectionOut:
    """Pass on the prompt: it counts as my answer for the reveal. A draft is kept, and
    stays mine alone."""
    me = writer(request, alliance_id)
    stake = _stake(me, stake_id)
    prompt = _asked(me, stake, prompt_id)
    mine = services.reflection_skip(party=me, stake_id=stake_id, prompt_id=prompt_id)
    return _written(me, stake, prompt, mine)


class GroundSegmentOut(Schema):
    text: str
    shared: bool = Field(description="Part of the common ground.")


class SeenReflectionOut(Schema):
    party: ConversationPartyOut
    state: AnswerState
    text: str | None = Field(description="Mine, or a shared one once revealed; else null.")
    reflection_id: int | None
    segments: list[GroundSegmentOut] = Field(description="The text, common ground marked.")
    terms_proposed: int


def seen_out(seen: SeenReflection) -> SeenReflectionOut:
    return SeenReflectionOut(
        party=party_out(seen.party),
        state=AnswerState(seen.state),
        text=seen.text or None,
        reflection_id=seen.pk if seen.text else None,
        segments=[GroundSegmentOut(text=piece, shared=shared) for piece, shared in seen.segments],
        terms_proposed=seen.terms,
    )


class PromptReflectionsOut(Schema):
    prompt: AlliancePromptOut
    revealed: bool
    closed_to_me: bool
    answers: list[SeenReflectionOut] = Field(
        description=(
            "Before the reveal, who has answered (no text but mine); after it, the "
            "reflections side by side, of those it was revealed to."
        )
    )


@router.get(
    f"{REFLECTION_PATH}/reflections",
    response=PromptReflectionsOut,
    summary="The reflections on a prompt",
    openapi_extra=answers("parties"),
)
def reflections_revealed(
    request: HttpRequest, alliance_id: int, stake_id: int, prompt_id: int
) -> PromptReflectionsOut:
    """Everyone's reflections on the prompt once all have shared or skipped it, side by
    side; until then only who has answered. A prompt revealed before I joined shows me
    nothing of the others."""
    me = party(request, alliance_id)
    board = _board(me, stake_id, prompt_id)[1]
    return PromptReflectionsOut(
        prompt=prompt_out(board.prompt),
        revealed=board.revealed,
        closed_to_me=board.closed_to_me,
        answers=[seen_out(seen) for seen in board.answers],
    )


class GroundQuoteOut(Schema):
    party: ConversationPartyOut
    said: str
    before: str
    after: str


class GroundSharedOut(Schema):
    label: str
    same_words: bool = Field(description="Everyone put it the same way.")
    quotes: list[GroundQuoteOut]


class GroundOnlyOut(Schema):
    party: ConversationPartyOut
    words: list[str]


class CommonGroundOut(Schema):
    prompt: AlliancePromptOut
    revealed: bool = Field(description="Common ground is found once the prompt is revealed.")
    shared: list[GroundSharedOut]
    only: list[GroundOnlyOut] = Field(description="What only one party mentioned.")


@router.get(
    f"{REFLECTION_PATH}/common-ground",
    response=CommonGroundOut,
    summary="Common ground on a prompt",
    openapi_extra=answers("parties"),
)
def common_ground(
    request: HttpRequest, alliance_id: int, stake_id: int, prompt_id: int
) -> CommonGroundOut:
    """What every party said on a revealed prompt, grouped by meaning with where each
    said it, and what only one of them raised. Empty until the reveal."""
    me = party(request, alliance_id)
    board = _board(me, stake_id, prompt_id)[1]
    ground = board.ground if board.revealed else None
    return CommonGroundOut(
        prompt=prompt_out(board.prompt),
        revealed=board.revealed,
        shared=[
            GroundSharedOut(
                label=item.label,
                same_words=item.same_words,
                quotes=[
                    GroundQuoteOut(
                        party=party_out(q.who), said=q.said, before=q.before, after=q.after
                    )
                    for q in item.quotes
                ],
            )
            for item in (ground.shared if ground else [])
        ],
        only=[
            GroundOnlyOut(party=party_out(who), words=words)
            for who, words in (ground.only if ground else [])
        ],
    )


# One reflection, and terms from it ----------------------------------------------------------


class ConversationReflectionOut(Schema):
    """A reflection the caller may read: their own, or one revealed to them."""

    id: int
    stake_id: int
    prompt: AlliancePromptOut
    party: ConversationPartyOut
    mine: bool
    state: AnswerState
    text: str
    shared_at: datetime | None
    url: str


def _visible(me: Party, reflection_id: int) -> Reflection:
    reflection = selectors.reflection_visible_to(me, reflection_id)
    if reflection is None:
        raise Http404("No such reflection.")
    return reflection


@router.get(
    "/alliances/{id:alliance_id}/reflections/{id:reflection_id}",
    response=ConversationReflectionOut,
    summary="One reflection",
    openapi_extra=answers("parties"),
)
def reflection_detail(
    request: HttpRequest, alliance_id: int, reflection_id: int
) -> ConversationReflectionOut:
    """My own reflection, or someone's shared one on a prompt revealed to both of us;
    404 for any other, exactly as for none."""
    me = party(request, alliance_id)
    reflection = _visible(me, reflection_id)
    return ConversationReflectionOut(
        id=reflection.pk,
        stake_id=reflection.stake_id,
        prompt=prompt_out(reflection.prompt),
        party=party_out(reflection.party),
        mine=reflection.party_id == me.pk,
        state=AnswerState(reflection.state),
        text=reflection.text,
        shared_at=reflection.shared_at,
        url=_url("reflection_detail", alliance_id=me.alliance_id, reflection_id=reflection.pk),
    )


class TermFromReflectionIn(Schema):
    category: Category
    text: StorableText = Field(
        max_length=2000, description="The term, drafted from the reflection."
    )
    note: StorableText = Field("", max_length=2000, description="Why, for the others.")


class ReflectionTermOut(Schema):
    term_id: int
    category: Category
    text: str
    url: str = Field(description="The term in the API.")


def _term_url(alliance_id: int, term_id: int) -> str:
    # The terms' own router answers there (see the API's URL map).
    return f"{_url('alliance_detail', alliance_id=alliance_id)}/terms/{term_id}"


@router.post(
    "/alliances/{id:alliance_id}/reflections/{id:reflection_id}/term",
    response={201: ReflectionTermOut},
    summary="Propose a term from a reflection",
    openapi_extra=answers("parties"),
)
def reflection_term_propose(
    request: HttpRequest, alliance_id: int, reflection_id: int, payload: TermFromReflectionIn
) -> Status[ReflectionTermOut]:
    """Propose a term drafted from a reflection I may read; everyone is asked for
    consent, and the term remembers the reflection it came from. Proposing the very same
    term again is 409 naming the one in the draft (linked to this reflection too)."""
    me = writer(request, alliance_id)
    _visible(me, reflection_id)
    try:
        term = services.term_from_reflection(
            party=me,
            reflection_id=reflection_id,
            category=payload.category,
            text=payload.text,
            note=payload.note,
        )
    except AlreadyProposed as already:
        raise ApiProblem(
            409,
            str(already),
            term_id=already.term.pk,
            term_url=_term_url(me.alliance_id, already.term.pk),
        ) from already
    return Status(
        201,
        ReflectionTermOut(
            term_id=term.pk,
            category=Category(term.category),
            text=term.text,
            url=_term_url(me.alliance_id, term.pk),
        ),
    )
