from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.alliances.decorators import open_when_closed, party_required
from alliance.alliances.models import Party
from alliance.closing import selectors, services
from alliance.closing.forms import ProposalChoiceForm, ProposalForm
from alliance.feedback.hold import coach_holds
from alliance.lib.web import flash_errors


def _to_closing(party: Party) -> HttpResponse:
    return redirect("closing_detail", alliance_id=party.alliance_id)


def _page(
    request: HttpRequest, party: Party, form: ProposalForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "closing/detail.html",
        {"alliance": party.alliance, "state": selectors.closing_state(party), "form": form},
        status=status,
    )


@party_required
def closing_detail(request: HttpRequest, party: Party) -> HttpResponse:
    return _page(request, party, ProposalForm())


@party_required
@require_POST
@open_when_closed
def closing_propose(request: HttpRequest, party: Party) -> HttpResponse:
    """Propose to close the alliance, or, once it is closed, to reopen it."""
    form = ProposalForm(request.POST)
    if not form.is_valid() or coach_holds(request, form.cleaned_data["note"]):
        return _page(request, party, form, status=400 if form.errors else 200)
    reopening = party.alliance.closed_at is not None
    propose = services.reopening_propose if reopening else services.closing_propose
    try:
        propose(party=party, note=form.cleaned_data["note"])
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, party, form, status=409)
    messages.success(
        request,
        _("You proposed to reopen the alliance. It reopens when everyone agrees.")
        if reopening
        else _("You proposed to close the alliance. The others have been told."),
    )
    return _to_closing(party)


def _on_proposal(
    request: HttpRequest, party: Party, act: Callable[..., object], done: str
) -> HttpResponse:
    """Agree to, or withdraw, the proposal the form names: both answer the same way."""
    form = ProposalChoiceForm(request.POST)
    if not form.is_valid():
        flash_errors(request, ValidationError(_("That proposal is no longer open.")))
        return _to_closing(party)
    try:
        act(party=party, proposal_id=form.cleaned_data["proposal"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, done)
    return _to_closing(party)


@party_required
@require_POST
@open_when_closed
def closing_agree(request: HttpRequest, party: Party) -> HttpResponse:
    return _on_proposal(request, party, services.proposal_agree, _("You agreed."))


@party_required
@require_POST
@open_when_closed
def closing_withdraw(request: HttpRequest, party: Party) -> HttpResponse:
    return _on_proposal(
        request, party, services.proposal_withdraw, _("You withdrew your proposal.")
    )
