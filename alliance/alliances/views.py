from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts.adapter import (
    PENDING_INVITATION_KEY,
    invitation_forget,
    invitation_remember,
)
from alliance.alliances import selectors, services
from alliance.alliances.decorators import observer_allowed, open_when_closed, party_required
from alliance.alliances.export import alliance_export
from alliance.alliances.forms import (
    AllianceDetailsForm,
    AllianceForm,
    InvitationForm,
    JoinForm,
    LeadForm,
    ObserverAllowanceForm,
    RoleForm,
)
from alliance.alliances.models import (
    OBSERVER_ROLE_SUGGESTIONS,
    ROLE_SUGGESTIONS,
    Alliance,
    Kind,
    Party,
)
from alliance.core.fragments import render_kept_named, row_name
from alliance.lib.clock import now
from alliance.lib.forms import id_param
from alliance.lib.web import back_to_alliance, flash_errors
from alliance.record import documents
from alliance.record import views as record_views
from alliance.record.verify import verify_history
from alliance.terms.forms import TermForm


@login_required
def alliance_new(request: HttpRequest) -> HttpResponse:
    form = AllianceForm(request.POST or None, initial={"kind": Kind.COACHING})
    if request.method == "POST" and form.is_valid():
        try:
            alliance = services.alliance_create(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Alliance created. Now invite the other party."))
            return redirect("alliance_detail", alliance_id=alliance.pk)
    return render(
        request, "alliances/new.html", {"form": form, "role_suggestions": ROLE_SUGGESTIONS}
    )


@observer_allowed
def alliance_detail(request: HttpRequest, party: Party) -> HttpResponse:
    if party.is_observer:
        # A page of its own, from a selector that loads nothing an observer may not see.
        page = selectors.observer_page(party)
        return render(request, "alliances/observer.html", {"page": page, "alliance": page.alliance})
    return _alliance_page(request, party)


def _alliance_page(
    request: HttpRequest,
    party: Party,
    invitation_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The alliance page for a designing party. What it shows below the header is one
    piece kept under a name (see `render_kept_named`): the viewer's party row, the
    alliance's row and its stamp (`alliance.lib.stamps`), which changes with every write
    in the alliance. A visit that finds its piece loads nothing more of the alliance.
    The stamp is read before the rows the piece shows, so a write landing between the two
    reads makes the piece newer than its name, never older. The page with an agreed
    term's answer opened (``?answer=``, one term among many) or an invitation sent back
    with its errors is shown once and not kept."""
    alliance = party.alliance
    answering = id_param(request.GET, "answer")
    pdf_available = documents.pdf_available()

    def values(overview: selectors.Overview) -> dict[str, Any]:
        return {
            "o": overview,
            "alliance": overview.alliance,
            "answering": answering,
            "term_form": TermForm(),
            "invitation_form": invitation_form or InvitationForm(),
            "role_suggestions": [
                *ROLE_SUGGESTIONS.get(overview.alliance.kind, []),
                *OBSERVER_ROLE_SUGGESTIONS,
            ],
            # Their own ids: the term and invitation forms on the page have fields of
            # the same names.
            "details_form": _details_form(overview.alliance, auto_id="details_%s"),
            "role_form": RoleForm(initial={"role_label": party.role_label}, auto_id="role_%s"),
            "pdf_available": pdf_available,
        }

    if invitation_form is not None or answering is not None:
        page = render_to_string(
            PAGE_PIECE,
            {**values(selectors.alliance_overview(party)), "csrf_token": get_token(request)},
        )
    else:
        name = (
            row_name(party),
            row_name(alliance),
            selectors.alliance_stamp(alliance.pk),
            pdf_available,
        )

        def build(chosen: list[int]) -> list[tuple[dict[str, Any], datetime | None]]:
            overview = selectors.alliance_overview(party)
            return [(values(overview), overview.changes_at)]

        [page] = render_kept_named(PAGE_PIECE, [name], build, csrf_token=get_token(request))
    return render(
        request, "alliances/detail.html", {"alliance": alliance, "page": page}, status=status
    )


PAGE_PIECE = "alliances/_page.html"


def _details_form(alliance: Alliance, data: Any = None, **kwargs: Any) -> AllianceDetailsForm:
    initial = {"title": alliance.title, "purpose": alliance.purpose, "revision": alliance.revision}
    return AllianceDetailsForm(data, initial=initial, **kwargs)


@party_required
def alliance_edit(request: HttpRequest, party: Party) -> HttpResponse:
    """Rename the alliance or change its purpose. Two people editing at once: the second
    to save sees both texts and keeps theirs, to save again or drop."""
    alliance = party.alliance
    form = _details_form(alliance, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.alliance_details_change(
                party=party, revision=data["revision"], title=data["title"], purpose=data["purpose"]
            )
        except services.DetailsConflict as conflict:
            mine = {**data, "revision": conflict.current.revision}
            return render(
                request,
                "alliances/edit.html",
                {
                    "alliance": conflict.current,
                    "form": AllianceDetailsForm(initial=mine),
                    "current": conflict.current,
                },
                status=409,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved. The others were told by email."))
            return back_to_alliance(party)
    return render(
        request,
        "alliances/edit.html",
        {"alliance": alliance, "form": form},
        status=400 if form.errors else 200,
    )


@party_required
def party_role(request: HttpRequest, party: Party) -> HttpResponse:
    """Change one's own role label."""
    form = RoleForm(request.POST or None, initial={"role_label": party.role_label})
    if request.method == "POST" and form.is_valid():
        try:
            services.party_role_change(party=party, role_label=form.cleaned_data["role_label"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your role is now “%(role)s”.") % {"role": party.role_label}
            )
            return back_to_alliance(party, "parties")
    return render(
        request,
        "alliances/role.html",
        {
            "alliance": party.alliance,
            "form": form,
            "role_suggestions": ROLE_SUGGESTIONS.get(party.alliance.kind, []),
        },
        status=400 if form.errors else 200,
    )


@party_required
@require_POST
def lead_change(request: HttpRequest, party: Party) -> HttpResponse:
    """Make a party a lead of a team alliance, or no longer one."""
    form = LeadForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return back_to_alliance(party, "parties")
    try:
        target = services.lead_set(
            party=party, target_id=form.cleaned_data["party"], is_lead=form.cleaned_data["lead"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        if target.is_lead:
            text = _("%(name)s is a lead now.")
        else:
            text = _("%(name)s is no longer a lead.")
        messages.success(request, text % {"name": target.user.name})
    return back_to_alliance(party, "parties")


@party_required
def history(request: HttpRequest, party: Party) -> HttpResponse:
    return render(
        request,
        "alliances/history.html",
        {
            "alliance": party.alliance,
            "events": selectors.event_history(party.alliance),
            "record": verify_history(party.alliance_id),
        },
    )


@party_required
@require_POST
def invitation_create(request: HttpRequest, party: Party) -> HttpResponse:
    form = InvitationForm(request.POST)
    if not form.is_valid():
        # The page again, with the addresses as typed and what is wrong with them.
        return _alliance_page(request, party, invitation_form=form, status=400)
    emails, role = form.cleaned_data["email"], form.cleaned_data["role_label"]
    try:
        created = services.invitations_create(
            party=party,
            emails=emails,
            role_label=role,
            as_observer=form.cleaned_data["as_observer"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _alliance_page(request, party, invitation_form=form, status=400)
    else:
        if emails:
            messages.success(
                request, _("Invitation sent to %(emails)s.") % {"emails": ", ".join(emails)}
            )
        else:
            messages.info(
                request, services.invitation_url(created[0][1]), extra_tags="invitation-link"
            )
    return redirect("alliance_detail", alliance_id=party.alliance_id)


def _announce_link(request: HttpRequest, email: str, raw: str) -> None:
    if email:
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": email})
    else:
        messages.info(request, services.invitation_url(raw), extra_tags="invitation-link")


@party_required
@require_POST
def invitation_renew(request: HttpRequest, party: Party, invitation_id: int) -> HttpResponse:
    try:
        invitation, raw = services.invitation_renew(party=party, invitation_id=invitation_id)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        _announce_link(request, invitation.email, raw)
    return redirect("alliance_detail", alliance_id=party.alliance_id)


@party_required
@require_POST
def invitation_revoke(request: HttpRequest, party: Party, invitation_id: int) -> HttpResponse:
    try:
        invitation = services.invitation_revoke(party=party, invitation_id=invitation_id)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request,
            _("The invitation for %(addressee)s no longer works.")
            % {"addressee": invitation.addressee},
        )
    return redirect("alliance_detail", alliance_id=party.alliance_id)


@login_required
def invitation_continue(request: HttpRequest) -> HttpResponse:
    """Where "Continue joining" leads: the invitation the person was on their way to
    accept. Its token stays in the session and never appears in a page, since a compressed
    page that also echoes a search could give it away, byte by byte, to whoever sees sizes."""
    token = request.session.get(PENDING_INVITATION_KEY)
    if not token:
        return redirect("home")
    return redirect("invitation_accept", token=token)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind an invitation link: explain, ask for a role, make a party."""
    invitation = selectors.invitation_by_token(token)
    try:
        services.invitation_check(invitation)
    except services.InvitationUnusable as unusable:
        invitation_forget(request)
        if (
            invitation is not None
            and request.user.is_authenticated
            and Party.present.filter(alliance=invitation.alliance, user=request.user).exists()
        ):
            return redirect("alliance_detail", alliance_id=invitation.alliance_id)
        status = 404 if invitation is None else 410
        return render(
            request,
            "alliances/invitation_unusable.html",
            {"reason": unusable.reason},
            status=status,
        )
    assert invitation is not None
    alliance = invitation.alliance
    if not request.user.is_authenticated:
        invitation_remember(request, invitation=invitation, token=token)
        return render(request, "alliances/invitation_welcome.html", {"invitation": invitation})
    if Party.present.filter(alliance=alliance, user=request.user).exists():
        invitation_forget(request)
        messages.info(request, _("You are already in this alliance."))
        return redirect("alliance_detail", alliance_id=alliance.pk)
    form = JoinForm(request.POST or None, initial={"role_label": invitation.role_label})
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                raw_token=token,
                user=request.user,
                role_label=form.cleaned_data["role_label"],
            )
        except services.InvitationUnusable as unusable:
            return render(
                request,
                "alliances/invitation_unusable.html",
                {"reason": unusable.reason},
                status=410,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            invitation_forget(request)
            messages.success(request, _("Welcome to %(title)s.") % {"title": alliance.title})
            return redirect("alliance_detail", alliance_id=alliance.pk)
    return render(
        request,
        "alliances/invitation_join.html",
        {
            "invitation": invitation,
            "form": form,
            "role_suggestions": OBSERVER_ROLE_SUGGESTIONS
            if invitation.as_observer
            else ROLE_SUGGESTIONS.get(alliance.kind, []),
        },
    )


@observer_allowed
@open_when_closed  # for an observer: the service refuses a designing party
def leave(request: HttpRequest, party: Party) -> HttpResponse:
    """Ask first, then leave: the alliance disappears from the person's pages and mail."""
    if request.method == "POST":
        try:
            services.party_leave(party=party)
        except ValidationError as error:
            flash_errors(request, error)
            return back_to_alliance(party)
        messages.success(request, _("You left “%(title)s”.") % {"title": party.alliance.title})
        return redirect("home")
    return render(request, "alliances/leave.html", {"alliance": party.alliance})


@party_required
def export(request: HttpRequest, party: Party) -> HttpResponse:
    """Everything of the alliance this person may see, as a JSON file to keep."""
    response = JsonResponse(alliance_export(party), json_dumps_params={"indent": 2})
    filename = f"alliance-{party.alliance_id}-{now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _alliance_document(party: Party) -> dict[str, Any]:
    alliance = party.alliance
    return documents.alliance_document(
        alliance=alliance,
        parties=alliance.parties.select_related("user").order_by("joined_at", "pk"),
        versions=alliance.versions.order_by("number"),
        language=get_language(),
    )


def _record_filename(party: Party) -> str:
    return f"alliance-{party.alliance_id}-{now():%Y-%m-%d}"


@party_required
def export_markdown(request: HttpRequest, party: Party) -> HttpResponse:
    """The alliance and the version in force as a Markdown file that carries its proof."""
    return record_views.markdown_response(
        _alliance_document(party), filename=_record_filename(party)
    )


@party_required
def export_pdf(request: HttpRequest, party: Party) -> HttpResponse:
    """The alliance and the version in force as a PDF that carries its proof."""
    return record_views.pdf_response(_alliance_document(party), filename=_record_filename(party))


@party_required
def print_view(request: HttpRequest, party: Party) -> HttpResponse:
    """The PDF's page in the browser, to print or save where no PDF can be made."""
    return record_views.print_response(_alliance_document(party))


@party_required
@open_when_closed  # withdrawing, that is: the service refuses a new grant on a closed alliance
@require_POST
def observer_allowance(request: HttpRequest, party: Party) -> HttpResponse:
    """A designing party agrees, or no longer agrees, that observers see one thing."""
    form = ObserverAllowanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what observers may see, and yes or no."))
    else:
        try:
            services.observer_allowance_set(party=party, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
    return redirect(
        reverse("alliance_detail", kwargs={"alliance_id": party.alliance_id}) + "#observers"
    )
