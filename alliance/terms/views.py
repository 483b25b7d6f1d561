from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.alliances.decorators import observer_allowed, party_required, version_reader
from alliance.alliances.models import Party
from alliance.feedback.hold import coach_holds
from alliance.lib.web import back_to_alliance, flash_errors
from alliance.record import documents
from alliance.record import views as record_views
from alliance.record.verify import verify_versions
from alliance.terms import selectors, services
from alliance.terms.forms import CompareForm, ConsentForm, RevisionForm, TermForm
from alliance.terms.models import Decision, Term, TermStatus


@party_required
def term_new(request: HttpRequest, party: Party) -> HttpResponse:
    form = TermForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and not coach_holds(request, form.cleaned_data["note"], offered=form.offered)
    ):
        data = form.cleaned_data
        try:
            term = services.term_propose(
                party=party, category=data["category"], text=data["text"], note=data["note"]
            )
        except services.AlreadyProposed as already:
            messages.info(request, str(already))
            return back_to_alliance(party, f"term-{already.term.pk}")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Term proposed. The others will be asked for consent."))
            return back_to_alliance(party, f"term-{term.pk}")
    return render(request, "terms/term_form.html", {"form": form, "alliance": party.alliance})


def _active_term(party: Party, term_id: int) -> Term:
    term = selectors.term_for(party, term_id)
    if term.status != TermStatus.ACTIVE:
        raise Http404("No such term in the draft.")
    return term


@party_required
def term_edit(request: HttpRequest, party: Party, term_id: int) -> HttpResponse:
    term = _active_term(party, term_id)
    initial = {
        "category": term.category,
        "text": term.text,
        "note": term.note,
        "revision": term.revision,
    }
    form = TermForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and not coach_holds(request, form.cleaned_data["note"], offered=form.offered)
    ):
        data = form.cleaned_data
        try:
            services.term_edit(
                party=party,
                term_id=term.pk,
                revision=data["revision"] or 0,
                category=data["category"],
                text=data["text"],
                note=data["note"],
            )
        except services.EditConflict as conflict:
            # Keep the editor's words and offer them again against the new revision.
            mine = {**data, "revision": conflict.current.revision}
            return render(
                request,
                "terms/term_conflict.html",
                {
                    "alliance": party.alliance,
                    "current": conflict.current,
                    "mine": data,
                    "form": TermForm(initial=mine),
                },
                status=409,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Term changed. Everyone is asked to agree to it again."))
            return back_to_alliance(party, f"term-{term.pk}")
    return render(
        request, "terms/term_form.html", {"form": form, "alliance": party.alliance, "term": term}
    )


@party_required
def term_withdraw(request: HttpRequest, party: Party, term_id: int) -> HttpResponse:
    """GET asks "are you sure", saying what withdrawing does; POST withdraws."""
    if request.method != "POST":
        term = selectors.term_for(party, term_id)
        return render(
            request,
            "terms/term_withdraw_confirm.html",
            {
                "alliance": party.alliance,
                "term": term,
                "in_draft": term.status == TermStatus.ACTIVE,
                "in_force": selectors.term_in_force(party.alliance, term.pk),
            },
        )
    form = RevisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return back_to_alliance(party)
    try:
        term = services.term_withdraw(
            party=party, term_id=term_id, revision=form.cleaned_data["revision"]
        )
    except services.EditConflict:
        messages.error(request, _("Someone changed this term just now. Read it again first."))
        return back_to_alliance(party, f"term-{term_id}")
    except ValidationError as error:
        flash_errors(request, error)
        return back_to_alliance(party)
    if term.status == TermStatus.WITHDRAWN:
        messages.success(request, _("Term withdrawn. Its removal needs everyone's agreement."))
    else:
        messages.success(request, _("Term withdrawn from the draft."))
    return back_to_alliance(party)


@party_required
@require_POST
def consent(request: HttpRequest, party: Party, term_id: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you agree or ask for a change."))
        return back_to_alliance(party, f"term-{term_id}")
    data = form.cleaned_data
    item = selectors.draft_item(party.alliance, term_id)
    if item and data["decision"] == Decision.CHANGE and coach_holds(request, data["comment"]):
        # Their answer again, on a page of its own, with the coach's flags under it.
        context = {"alliance": party.alliance, "item": item, "mine": data}
        return render(request, "terms/consent_held.html", context)
    try:
        services.consent_give(party=party, term_id=term_id, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
        if form.cleaned_data["comment"]:
            messages.info(
                request,
                _("Your comment, so you can paste it again: %(comment)s")
                % {"comment": form.cleaned_data["comment"]},
            )
    return back_to_alliance(party, f"term-{term_id}")


@party_required
@require_POST
def ratify(request: HttpRequest, party: Party) -> HttpResponse:
    try:
        version = services.version_ratify(party=party)
    except ValidationError as error:
        flash_errors(request, error)
        return back_to_alliance(party)
    messages.success(
        request,
        _("Version %(number)d is ratified. Everyone has been emailed.")
        % {"number": version.number},
    )
    return redirect("version_detail", alliance_id=party.alliance_id, number=version.number)


def _version_document(party: Party, number: int) -> dict[str, Any]:
    version = selectors.version_for_reader(
        party, number, signed_only=selectors.versions_signed_only(party)
    )
    return documents.version_document(version, language=get_language())


def _version_filename(party: Party, number: int) -> str:
    return f"alliance-{party.alliance_id}-version-{number}"


@version_reader
def version_export_markdown(request: HttpRequest, party: Party, number: int) -> HttpResponse:
    """One version as a Markdown file that carries its proof."""
    return record_views.markdown_response(
        _version_document(party, number), filename=_version_filename(party, number)
    )


@version_reader
def version_export_pdf(request: HttpRequest, party: Party, number: int) -> HttpResponse:
    """One version as a PDF that reads like the signed agreement and carries its proof."""
    return record_views.pdf_response(
        _version_document(party, number), filename=_version_filename(party, number)
    )


@version_reader
def version_print(request: HttpRequest, party: Party, number: int) -> HttpResponse:
    """The version's PDF page in the browser, to print or save where no PDF can be made."""
    return record_views.print_response(_version_document(party, number))


@version_reader
def version_list(request: HttpRequest, party: Party) -> HttpResponse:
    """Every version; to someone who left, only the ones they signed."""
    former = selectors.versions_signed_only(party)
    versions = selectors.versions_for_reader(party, signed_only=former)
    return render(
        request,
        "terms/version_list.html",
        {"alliance": party.alliance, "versions": versions, "former": former, "party": party},
    )


@version_reader
def version_detail(request: HttpRequest, party: Party, number: int) -> HttpResponse:
    """A version and its signatures; someone who left opens only a version they signed."""
    former = selectors.versions_signed_only(party)
    version = selectors.version_for_reader(party, number, signed_only=former)
    return render(
        request,
        "terms/version_detail.html",
        {
            "alliance": party.alliance,
            "version": version,
            "terms": selectors.snapshot_terms_by_category(version.readable),
            "record": verify_versions(party.alliance_id, up_to=number),
            "former": former,
            "party": party,
            "pdf_available": documents.pdf_available(),
        },
    )


@observer_allowed
def version_compare(request: HttpRequest, party: Party) -> HttpResponse:
    selectors.versions_visible_check(party)
    numbers = [n for n, _ in party.alliance.versions.values_list("number", "ratified_at")]
    comparison = None
    form = CompareForm(request.GET)
    if form.is_valid():
        first, second = form.cleaned_data["from"], form.cleaned_data["to"]
    else:
        first, second = (numbers[-2], numbers[-1]) if len(numbers) >= 2 else (0, 0)
    old = selectors.version_get(party.alliance, first)
    new = selectors.version_get(party.alliance, second)
    if old and new:
        comparison = selectors.terms_diff(old.snapshot["terms"], new.snapshot["terms"])
    elif request.GET:
        messages.error(request, _("Choose two versions of this alliance to compare."))
    return render(
        request,
        "terms/version_compare.html",
        {
            "alliance": party.alliance,
            "numbers": numbers,
            "old": old,
            "new": new,
            "changes": comparison,
        },
    )
