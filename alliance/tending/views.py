from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.alliances.decorators import party_required
from alliance.alliances.models import Kind, Party
from alliance.alliances.selectors import team_setting_refusal
from alliance.feedback.hold import coach_holds
from alliance.lib.dates import zone_or_utc
from alliance.lib.web import attempt, back_to_alliance, flash_errors
from alliance.tending import feeds, selectors, services
from alliance.tending.forms import (
    CalendarFeedForm,
    CheckInForm,
    CloseForm,
    EarlyCheckInForm,
    PolicyForm,
    ResolveForm,
    RhythmForm,
    SignalForm,
)
from alliance.tending.models import Score
from alliance.tending.rhythms import rule_fields

FEED_URL_KEY = "tending_calendar_feed_url"


@party_required
def rhythm_edit(request: HttpRequest, party: Party) -> HttpResponse:
    rhythm = selectors.care_for(party.alliance).rhythm
    initial = RhythmForm.default_initial()
    suggested = other = None
    if rhythm is None or request.GET.get("from") == "terms":
        # The first rhythm, or asked for: offer the one the terms agreed, to confirm.
        initial, suggested = selectors.rhythm_form_initial(party.alliance, request.user, initial)
    if rhythm is not None and suggested is None:
        read = selectors.rhythm_from_terms(party.alliance)
        other = (
            None if read is None or read.suggestion.matches(rhythm.rule, rhythm.at_time) else read
        )
        # Offer the rhythm as it stands: its next date (the first may have passed) and
        # its own rule, so changing only the time keeps everything else.
        next_local = (
            rhythm.next_at.astimezone(zone_or_utc(rhythm.time_zone)).date()
            if rhythm.next_at
            else rhythm.starts_on
        )
        initial |= {
            "starts_on": next_local,
            "at_time": rhythm.at_time,
            **rule_fields(rhythm.rule),
        }
    form = RhythmForm(request.POST or None, initial=initial)
    # Whoever may not change it sees the rhythm and who may; the service has the rule.
    refusal = team_setting_refusal(party)
    if request.method == "POST" and form.is_valid():
        try:
            services.rhythm_set(
                party=party,
                starts_on=form.cleaned_data["starts_on"],
                at_time=form.cleaned_data["at_time"],
                rule=form.rule(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The next check-in is set. Everyone will be reminded."))
            return back_to_alliance(party)
    return render(
        request,
        "tending/rhythm.html",
        {
            "alliance": party.alliance,
            "form": form,
            "rhythm": rhythm,
            "refusal": refusal,
            "suggested": suggested,
            "other": other,
        },
        status=400 if form.errors else 200,
    )


@party_required
def checkin_start(request: HttpRequest, party: Party) -> HttpResponse:
    """Open a check-in. Before the next scheduled one, first ask whether this one takes
    its place or comes on top of it; once it is due, nothing is asked."""
    care = selectors.care_for(party.alliance)
    if request.method != "POST" and not care.checkin_early:
        if care.open_checkin is not None:
            return redirect(
                "checkin_detail", alliance_id=party.alliance_id, checkin_id=care.open_checkin.pk
            )
        return back_to_alliance(party)
    form = EarlyCheckInForm(request.POST if "when" in request.POST else None)
    if care.checkin_early and not form.is_valid():
        # Asked, or answered with neither choice: ask (again), nothing is opened.
        return render(
            request,
            "tending/checkin_early.html",
            {"alliance": party.alliance, "form": form, "next_at": care.next_at},
            status=400 if form.is_bound else 200,
        )
    extra = care.checkin_early and form.cleaned_data["when"] == "extra"
    try:
        checkin = services.checkin_start(party=party, extra=extra)
    except ValidationError as error:
        flash_errors(request, error)
        return back_to_alliance(party)
    if care.checkin_early and care.next_at is not None:
        when = formats.date_format(localtime(care.next_at), "l j F Y, H:i")
        if checkin.due_at is None:
            messages.success(
                request, _("An extra check-in: the next one stays on %(when)s.") % {"when": when}
            )
        else:
            messages.success(
                request,
                _("This check-in takes the place of the one on %(when)s.") % {"when": when},
            )
    return redirect("checkin_detail", alliance_id=party.alliance_id, checkin_id=checkin.pk)


@party_required
def checkin_detail(request: HttpRequest, party: Party, checkin_id: int) -> HttpResponse:
    page = selectors.checkin_page(party=party, checkin_id=checkin_id)
    if page is None:
        raise Http404("No such check-in.")
    if request.method == "POST":
        form = CheckInForm(request.POST, term_ids=[row.term["id"] for row in page.rows])
        refusal: ValidationError | CheckInForm | None = None if form.is_valid() else form
        held = refusal is None and coach_holds(request, *form.words_for_others())
        if refusal is None and not held:
            try:
                services.checkin_answer(
                    party=party,
                    checkin_id=checkin_id,
                    ratings=form.ratings(),
                    reflection=form.cleaned_data["reflection"],
                    share=form.cleaned_data["share"],
                )
            except ValidationError as error:
                refusal = error
        if refusal is not None or held:
            if refusal is not None:
                flash_errors(request, refusal)
            # Show the page again with what they typed, nothing saved.
            for row in page.rows:
                term_id = row.term["id"]
                row.typed = (
                    str(form.data.get(f"score-{term_id}", "")),
                    str(form.data.get(f"comment-{term_id}", "")),
                )
            return render(
                request,
                "tending/checkin.html",
                {
                    "alliance": party.alliance,
                    "p": page,
                    "scores": Score.choices,
                    "posted": request.POST,
                },
                status=200 if held else 400,
            )
        messages.success(request, _("Your check-in is saved."))
        return redirect("checkin_detail", alliance_id=party.alliance_id, checkin_id=checkin_id)
    return render(
        request,
        "tending/checkin.html",
        {"alliance": party.alliance, "p": page, "scores": Score.choices},
    )


@party_required
@require_POST
def checkin_close(request: HttpRequest, party: Party, checkin_id: int) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to keep the alliance or redesign it."))
        return redirect("checkin_detail", alliance_id=party.alliance_id, checkin_id=checkin_id)
    try:
        checkin = services.checkin_close(
            party=party, checkin_id=checkin_id, outcome=form.cleaned_data["outcome"]
        )
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("checkin_detail", alliance_id=party.alliance_id, checkin_id=checkin_id)
    if checkin.outcome == "redesign":
        messages.success(
            request, _("Redesign started: the terms that need tending are marked below the draft.")
        )
        response = back_to_alliance(party)
        response["Location"] += "#draft"
        return response
    messages.success(request, _("You keep the alliance as it is."))
    return back_to_alliance(party)


@party_required
def checkin_list(request: HttpRequest, party: Party) -> HttpResponse:
    return render(
        request,
        "tending/checkin_list.html",
        {"alliance": party.alliance, "checkins": selectors.checkin_list(party.alliance)},
    )


def _signal_form(request: HttpRequest, party: Party, bound: bool = True) -> SignalForm:
    version = party.alliance.current_version
    return SignalForm(
        (request.POST or None) if bound else None,
        terms=version.snapshot["terms"] if version else [],
        allow_anonymous=party.alliance.kind == Kind.TEAM
        and selectors.anonymous_allowed(party.alliance),
    )


@party_required
def signal_list(request: HttpRequest, party: Party) -> HttpResponse:
    form = _signal_form(request, party)
    if (
        request.method == "POST"
        and form.is_valid()
        and not coach_holds(request, form.cleaned_data["note"])
    ):
        try:
            services.signal_raise(
                party=party,
                note=form.cleaned_data["note"],
                term_id=form.cleaned_data["term_id"],
                anonymous=form.cleaned_data.get("anonymous", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your tending signal is raised; the others were emailed."))
            return back_to_alliance(party)
    return _signals_page(request, party, form)


def _signals_page(
    request: HttpRequest,
    party: Party,
    form: SignalForm,
    failed: tuple[int, ResolveForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The signals page; `failed` is a resolution that was refused, shown again as typed."""
    return render(
        request,
        "tending/signals.html",
        {
            "alliance": party.alliance,
            "form": form,
            "signals": selectors.signal_list(party.alliance),
            "resolve_form": ResolveForm(),
            "failed_signal_id": failed[0] if failed else None,
            "failed_form": failed[1] if failed else None,
            "is_team": party.alliance.kind == Kind.TEAM,
            "anonymous_allowed": selectors.anonymous_allowed(party.alliance),
            "policy_refusal": team_setting_refusal(party)
            if party.alliance.kind == Kind.TEAM
            else None,
        },
        status=status,
    )


@party_required
@require_POST
def signal_acknowledge(request: HttpRequest, party: Party, signal_id: int) -> HttpResponse:
    attempt(
        request,
        lambda: services.signal_acknowledge(party=party, signal_id=signal_id),
        "Acknowledged: the others see that you have read it.",
    )
    return back_to_alliance(party)


@party_required
@require_POST
def signal_resolve(request: HttpRequest, party: Party, signal_id: int) -> HttpResponse:
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.signal_resolve(party=party, signal_id=signal_id, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        return _signals_page(
            request, party, _signal_form(request, party, bound=False), (signal_id, form), 400
        )
    messages.success(request, _("The signal is resolved."))
    return back_to_alliance(party)


@party_required
@require_POST
def signal_policy(request: HttpRequest, party: Party) -> HttpResponse:
    form = PolicyForm(request.POST)
    form.is_valid()
    try:
        services.signal_policy_set(
            party=party, allow_anonymous=form.cleaned_data.get("allow_anonymous", False)
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Signal setting saved."))
    return redirect("signal_list", alliance_id=party.alliance_id)


@party_required
def health(request: HttpRequest, party: Party) -> HttpResponse:
    return render(
        request,
        "tending/health.html",
        {"alliance": party.alliance, "chart": selectors.health_chart(party.alliance, party)},
    )


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = CalendarFeedForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose whether to renew the feed or turn it off."))
        elif form.cleaned_data["action"] == "revoke":
            services.calendar_feed_revoke(user=user)  # type: ignore[arg-type]
            messages.success(request, _("Your calendar feed no longer works."))
        else:
            raw = services.calendar_feed_renew(user=user)  # type: ignore[arg-type]
            request.session[FEED_URL_KEY] = feeds.feed_url(raw)
            messages.success(
                request, _("Your calendar feed has a new address; any older one stopped working.")
            )
        return redirect("calendar_settings")
    return render(
        request,
        "tending/calendar.html",
        {
            "has_feed": hasattr(user, "calendar_feed"),
            "feed_url": request.session.pop(FEED_URL_KEY, None),
        },
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed behind a private URL: the token is the permission."""
    user = feeds.feed_owner(token)
    if user is None:
        raise Http404("No such calendar feed.")
    response = HttpResponse(feeds.feed_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
