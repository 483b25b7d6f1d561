from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_POST

from alliance.alliances.decorators import party_required
from alliance.alliances.models import Party
from alliance.alliances.selectors import alliance_stamp
from alliance.conversations import selectors, services
from alliance.conversations.calendar import stake_ics
from alliance.conversations.forms import (
    CounterForm,
    GroundworkForm,
    PromptActionForm,
    PromptForm,
    ReflectionForm,
    RescheduleForm,
    ScheduleForm,
    StakeForm,
    TimesForm,
)
from alliance.conversations.library import DISTRACTION_NOTE, THEMES
from alliance.conversations.models import StakeKind, StakeState
from alliance.core.fragments import render_kept_named, row_name
from alliance.feedback.hold import coach_holds
from alliance.lib.forms import id_param
from alliance.lib.web import attempt, back_to_alliance, flash_errors
from alliance.terms.forms import TermForm
from alliance.terms.services import AlreadyProposed


def _to_conversation(party: Party, stake_id: int, prompt_id: int | None = None) -> HttpResponse:
    url = reverse(
        "conversation_detail", kwargs={"alliance_id": party.alliance_id, "stake_id": stake_id}
    )
    return redirect(f"{url}?prompt={prompt_id}#reflect" if prompt_id else url)


@party_required
def conversation_list(request: HttpRequest, party: Party) -> HttpResponse:
    return render(
        request,
        "conversations/list.html",
        {"alliance": party.alliance, "stakes": selectors.stakes_of(party.alliance)},
    )


@party_required
def stake_new(request: HttpRequest, party: Party) -> HttpResponse:
    alliance = party.alliance
    defaults: dict[str, str] = {
        kind: services.default_groundwork(party, kind) for kind in StakeKind
    }
    # A link may ask for a kind of conversation (the closing page: ?kind=closing).
    kind = request.GET.get("kind", StakeKind.DESIGN)
    kind = kind if kind in StakeKind.values else StakeKind.DESIGN
    form = StakeForm(
        request.POST or None,
        initial={"kind": kind, "groundwork": defaults[kind], "note": DISTRACTION_NOTE},
        offered=defaults.values(),
    )
    form.fields["groundwork"].widget.attrs.update(
        {f"data-default-{kind}": text for kind, text in defaults.items()}
    )
    if not Party.present.filter(alliance=alliance, is_observer=True).exists():
        # Offered only where there is someone to include.
        del form.fields["includes_observers"]
    if (
        request.method == "POST"
        and form.is_valid()
        and not coach_holds(request, form.cleaned_data["groundwork"], offered=form.offered)
    ):
        data = form.cleaned_data
        try:
            stake = services.stake_plant(
                party=party,
                kind=data["kind"],
                times=form.times(),
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                note=data["note"],
                groundwork=data["groundwork"],
                includes_observers=data.get("includes_observers", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Conversation proposed. The others choose the times that suit them.")
            )
            return _to_conversation(party, stake.pk)
    return render(
        request,
        "conversations/stake_form.html",
        {"alliance": alliance, "form": form},
        status=400 if form.errors else 200,
    )


def _prompt_param(request: HttpRequest) -> int | None:
    return id_param(request.GET, "prompt")


def _conversation_context(party: Party, stake_id: int, prompt_id: int | None) -> dict[str, Any]:
    stake = selectors.stake_for(party, stake_id)
    conversation = selectors.conversation_for(party, stake)
    board = conversation.board(prompt_id)
    if prompt_id is not None and board is None:
        raise Http404("No such prompt in this conversation.")
    return {"alliance": party.alliance, "c": conversation, "stake": stake, "board": board}


@party_required
def conversation_detail(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    """The conversation page. What it shows below the header is one piece kept under a
    name (`_kept_name`), as the alliance page's is. A visit that finds it reads only the
    conversation's kind, for the page's title."""
    kind = selectors.stake_kind(party, stake_id)
    prompt_id = _prompt_param(request)
    time_zone = request.user.time_zone  # type: ignore[union-attr]

    def build(chosen: list[int]) -> list[tuple[dict[str, Any], datetime | None]]:
        context = _detail_context(party, stake_id, request)
        return [({**context, "time_zone": time_zone}, None)]

    [page] = render_kept_named(
        PAGE_PIECE,
        [_kept_name(request, party, stake_id, prompt_id)],
        build,
        csrf_token=get_token(request),
    )
    return _around(request, party, str(StakeKind(kind).label), page)


def _kept_name(
    request: HttpRequest, party: Party, stake_id: int, prompt_id: int | None
) -> tuple[Any, ...]:
    """The name a conversation's page and live part are kept under (`render_kept_named`):
    the viewer's party row, the alliance's row and its stamp (`alliance.lib.stamps`), the
    conversation and prompt shown, and the viewer's time zone. The viewer's own unshared
    reflection is in the piece, and the name holds their party: the piece is theirs
    alone. A conversation of another alliance is never kept: building it is a 404. No
    part of the conversation changes by time alone."""
    return (
        row_name(party),
        row_name(party.alliance),
        alliance_stamp(party.alliance_id),
        stake_id,
        prompt_id,
        request.user.time_zone,  # type: ignore[union-attr]
    )


PAGE_PIECE = "conversations/_page.html"


def _around(
    request: HttpRequest, party: Party, kind: str, page: str, status: int = 200
) -> HttpResponse:
    """The conversation page around its piece, titled with the conversation's `kind`."""
    return render(
        request,
        "conversations/detail.html",
        {"alliance": party.alliance, "kind": kind, "page": page},
        status=status,
    )


def _shown_afresh(
    request: HttpRequest, party: Party, context: dict[str, Any], status: int
) -> HttpResponse:
    """The conversation page rendered afresh from `context`, never kept: a form sent back
    with its errors or a conflict is seen once, and what a person typed is not kept."""
    page = render_to_string(
        PAGE_PIECE,
        {
            **context,
            "time_zone": request.user.time_zone,  # type: ignore[union-attr]
            "csrf_token": get_token(request),
        },
    )
    return _around(request, party, context["stake"].get_kind_display(), page, status)


def _detail_context(party: Party, stake_id: int, request: HttpRequest) -> dict[str, Any]:
    """The conversation page with every form fresh."""
    context = _conversation_context(party, stake_id, _prompt_param(request))
    board = context["board"]
    mine = board.mine if board else None
    context["form"] = ReflectionForm(
        # A reflection not yet written starts at revision 1, so that a second device
        # saving it first is noticed.
        initial={"text": mine.text if mine else "", "revision": mine.revision if mine else 1}
    )
    context["reschedule_form"] = RescheduleForm()
    context["groundwork_form"] = GroundworkForm(
        initial={
            "groundwork": context["stake"].groundwork,
            "revision": context["stake"].groundwork_revision,
        }
    )
    context["counter_form"] = CounterForm()
    return context


@party_required
@cache_control(private=True, no_cache=True)
@conditional_page
def conversation_board(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    """The live part of the conversation page, fetched again by the page's script every
    few seconds, kept as the page is (`_kept_name`). Its ETag is a hash of what it shows,
    so while nothing changed the browser asks with If-None-Match and gets a bodiless 304
    Not Modified."""
    prompt_id = _prompt_param(request)
    # The live part holds no form: no CSRF token, and no cookie set by asking for one.
    [board] = render_kept_named(
        "conversations/_board.html",
        [_kept_name(request, party, stake_id, prompt_id)],
        lambda chosen: [(_conversation_context(party, stake_id, prompt_id), None)],
    )
    return HttpResponse(board)


@party_required
@require_POST
def reflection_submit(
    request: HttpRequest, party: Party, stake_id: int, prompt_id: int
) -> HttpResponse:
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        return _reflection_error(request, party, stake_id, prompt_id, form)
    data = form.cleaned_data
    action = data["action"] or "save"
    try:
        if action == "skip":
            services.reflection_skip(party=party, stake_id=stake_id, prompt_id=prompt_id)
            messages.info(request, _("Skipped. It counts as your answer for the reveal."))
            return _to_conversation(party, stake_id)
        elif action == "share":
            if coach_holds(request, data["text"]):
                return _reflection_error(request, party, stake_id, prompt_id, form, status=200)
            services.reflection_share(
                party=party,
                stake_id=stake_id,
                prompt_id=prompt_id,
                text=data["text"],
                revision=data["revision"],
            )
            messages.success(request, _("Shared. The others see it once everyone has shared."))
            return _to_conversation(party, stake_id)
        else:
            services.reflection_save(
                party=party,
                stake_id=stake_id,
                prompt_id=prompt_id,
                text=data["text"],
                revision=data["revision"],
            )
            messages.success(request, _("Saved. Only you can see this draft."))
    except services.ReflectionConflict as conflict:
        return _reflection_error(
            request,
            party,
            stake_id,
            prompt_id,
            form,
            conflict=conflict.current.text,
            revision=conflict.current.revision,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _reflection_error(request, party, stake_id, prompt_id, form)
    return _to_conversation(party, stake_id, prompt_id)


def _reflection_error(
    request: HttpRequest,
    party: Party,
    stake_id: int,
    prompt_id: int,
    form: ReflectionForm,
    conflict: str | None = None,
    revision: int | None = None,
    status: int | None = None,
) -> HttpResponse:
    """Show the conversation again with the person's own words still in the box: refused
    (400), in conflict (409), or held back by the feedback coach (``status=200``)."""
    context = _conversation_context(party, stake_id, prompt_id)
    if revision is not None:
        form = ReflectionForm({**form.data.dict(), "revision": str(revision)})  # type: ignore[attr-defined]
        form.is_valid()
    context.update(
        form=form,
        conflict=conflict,
        reschedule_form=RescheduleForm(),
        counter_form=CounterForm(),
        groundwork_form=GroundworkForm(
            initial={
                "groundwork": context["stake"].groundwork,
                "revision": context["stake"].groundwork_revision,
            }
        ),
    )
    if status is None:
        status = 409 if conflict is not None else 400
    return _shown_afresh(request, party, context, status)


@party_required
@require_POST
def stake_answer(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    form = TimesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose among the times offered."))
        return _to_conversation(party, stake_id)
    try:
        stake = services.stake_answer(
            party=party, stake_id=stake_id, works=form.cleaned_data["works"]
        )
    except ValidationError as error:
        flash_errors(request, error)
        return _to_conversation(party, stake_id)
    if stake.state == StakeState.SCHEDULED:
        messages.success(
            request, _("A time suits everyone: it is scheduled and in everyone's calendar.")
        )
    else:
        messages.success(request, _("Thank you. Your answer is recorded."))
    return _to_conversation(party, stake_id)


@party_required
@require_POST
def stake_counter(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    """None of the times suit the person: they decline them all and propose others."""
    form = CounterForm(request.POST)
    if form.is_valid():
        try:
            services.stake_counter(party=party, stake_id=stake_id, times=form.times())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your times are proposed. The others are told and choose among them."),
            )
            return _to_conversation(party, stake_id)
    context = _detail_context(party, stake_id, request)
    if context["stake"].state != StakeState.PROPOSED:
        # The times are settled (or the proposal withdrawn): there is no form to go back to.
        flash_errors(request, form)
        return _to_conversation(party, stake_id)
    # Show the page again with the typed times still in their boxes.
    context.update(counter_form=form, counter_open=True)
    return _shown_afresh(request, party, context, 400)


@party_required
@require_POST
def stake_schedule(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the times."))
        return _to_conversation(party, stake_id)
    attempt(
        request,
        lambda: services.stake_schedule(
            party=party, stake_id=stake_id, candidate_id=form.cleaned_data["candidate"]
        ),
        "Scheduled. Everyone receives a calendar invitation.",
    )
    return _to_conversation(party, stake_id)


@party_required
@require_POST
def stake_reschedule(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return _to_conversation(party, stake_id)
    attempt(
        request,
        lambda: services.stake_reschedule(
            party=party, stake_id=stake_id, starts_at=form.cleaned_data["starts_at"]
        ),
        "Moved. Everyone's calendar entry is updated.",
    )
    return _to_conversation(party, stake_id)


@party_required
def stake_cancel(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    """GET asks "are you sure", saying who will be told; POST calls the conversation off."""
    if request.method != "POST":
        stake = selectors.stake_for(party, stake_id)
        if stake.state == StakeState.CANCELLED:
            return _to_conversation(party, stake_id)
        return render(
            request,
            "conversations/stake_cancel_confirm.html",
            {"alliance": party.alliance, "stake": stake},
        )
    attempt(
        request,
        lambda: services.stake_cancel(party=party, stake_id=stake_id),
        "Cancelled. Everyone's calendar entry is removed.",
    )
    return _to_conversation(party, stake_id)


@party_required
@require_POST
def groundwork_edit(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    form = GroundworkForm(request.POST, offered=[selectors.stake_for(party, stake_id).groundwork])
    conflict = None
    if form.is_valid() and not coach_holds(
        request, form.cleaned_data["groundwork"], offered=form.offered
    ):
        try:
            services.groundwork_update(
                party=party,
                stake_id=stake_id,
                groundwork=form.cleaned_data["groundwork"],
                revision=form.cleaned_data["revision"],
            )
        except services.GroundworkConflict as error:
            # Keep their words and offer them again against what is saved now.
            conflict = error.current.groundwork
            form = GroundworkForm(
                {
                    "groundwork": form.cleaned_data["groundwork"],
                    "revision": error.current.groundwork_revision,
                },
                offered=[conflict],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Groundwork updated."))
            return _to_conversation(party, stake_id)
    # Show the page again with the edited groundwork still in its box.
    context = _conversation_context(party, stake_id, _prompt_param(request))
    mine = context["board"].mine if context["board"] else None
    context.update(
        form=ReflectionForm(
            initial={"text": mine.text if mine else "", "revision": mine.revision if mine else 1}
        ),
        reschedule_form=RescheduleForm(),
        counter_form=CounterForm(),
        groundwork_form=form,
        groundwork_open=True,
        groundwork_conflict=conflict,
    )
    status = 409 if conflict is not None else 400 if form.errors else 200
    return _shown_afresh(request, party, context, status)


@party_required
def stake_invitation(request: HttpRequest, party: Party, stake_id: int) -> HttpResponse:
    """The calendar file of a scheduled conversation, to import by hand."""
    stake = selectors.stake_for(party, stake_id)
    if stake.starts_at is None:
        raise Http404("This conversation has no time yet.")
    method = "CANCEL" if stake.state == StakeState.CANCELLED else "REQUEST"
    parties = list(party.alliance.parties.select_related("user"))
    response = HttpResponse(
        stake_ics(stake, parties, method=method, observers=services.stake_observers(stake)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="conversation-{stake.pk}.ics"'
    return response


@party_required
def reflection_to_term(request: HttpRequest, party: Party, reflection_id: int) -> HttpResponse:
    reflection = selectors.reflection_visible_to(party, reflection_id)
    if reflection is None:
        raise Http404("No such reflection.")
    form = TermForm(
        request.POST or None,
        initial={"category": reflection.prompt.category, "text": reflection.text},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and not coach_holds(request, form.cleaned_data["note"], offered=form.offered)
    ):
        data = form.cleaned_data
        try:
            term = services.term_from_reflection(
                party=party,
                reflection_id=reflection.pk,
                category=data["category"],
                text=data["text"],
                note=data["note"],
            )
        except AlreadyProposed as already:
            messages.info(request, str(already))
            return back_to_alliance(party, f"term-{already.term.pk}")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Term proposed from the reflection. Everyone is asked for consent.")
            )
            return back_to_alliance(party, f"term-{term.pk}")
    return render(
        request,
        "conversations/reflection_term.html",
        {"alliance": party.alliance, "form": form, "reflection": reflection},
    )


@party_required
def prompt_library(request: HttpRequest, party: Party) -> HttpResponse:
    services.prompts_ensure(party.alliance)
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.prompt_add(party=party, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Prompt added."))
            return redirect("prompt_library", alliance_id=party.alliance_id)
    prompts = selectors.prompts_of(party.alliance, include_hidden=True)
    grouped = [(label, [p for p in prompts if p.theme == key]) for key, label in THEMES]
    return render(
        request,
        "conversations/prompts.html",
        {"alliance": party.alliance, "grouped": grouped, "form": form},
    )


@party_required
@require_POST
def prompt_change(request: HttpRequest, party: Party, prompt_id: int) -> HttpResponse:
    form = PromptActionForm(request.POST)
    action = form.cleaned_data["action"] if form.is_valid() else None
    try:
        if action in ("hide", "show"):
            services.prompt_set_hidden(party=party, prompt_id=prompt_id, hidden=action == "hide")
        elif action in ("up", "down"):
            services.prompt_move(party=party, prompt_id=prompt_id, up=action == "up")
        else:
            messages.error(request, _("Choose what to do with the prompt."))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(
        reverse("prompt_library", kwargs={"alliance_id": party.alliance_id})
        + f"#prompt-{prompt_id}"
    )
