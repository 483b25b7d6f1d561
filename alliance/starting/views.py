import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.accounts.models import User
from alliance.alliances.decorators import open_when_closed, party_required
from alliance.alliances.models import ROLE_SUGGESTIONS, Party
from alliance.starting import selectors, services
from alliance.starting.builtins import BUILTINS, BUILTINS_BY_KEY
from alliance.starting.content import TemplateContent, content_as_file
from alliance.starting.forms import StartForm, TemplateImportForm, TemplateNameForm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    own = selectors.own_templates(_user(request))
    return render(
        request,
        "starting/list.html",
        {
            "builtins": BUILTINS,
            "own": [(template, template.content()) for template in own],
            "import_form": TemplateImportForm(),
        },
    )


def _initial(template: TemplateContent) -> dict[str, str]:
    return {
        "template": template.key,
        "title": str(template.name),
        "kind": template.kind,
        "purpose": str(template.purpose),
        "role_label": template.designing_role,
    }


@login_required
def template_start(request: HttpRequest) -> HttpResponse:
    """The new-alliance form, filled in from a template; creating the alliance brings the
    template's terms in as proposals."""
    user = _user(request)
    chosen = selectors.template_content(user, request.GET.get("template", ""))
    form = StartForm(
        request.POST or None,
        initial=_initial(chosen or BUILTINS[0]),
        choices=selectors.template_choices(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = selectors.template_content(user, data["template"])
        if chosen is None:
            form.add_error("template", _("That template no longer exists."))
        else:
            try:
                alliance = services.alliance_start(
                    user=user,
                    template=chosen,
                    title=data["title"],
                    kind=data["kind"],
                    purpose=data["purpose"],
                    role_label=data["role_label"],
                )
            except ValidationError as error:
                # Refusals of later stages name fields this form does not have.
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(
                    request,
                    _(
                        "Alliance created from “%(template)s”. Its terms are proposals: "
                        "invite the others, and each of them agrees or asks for a change."
                    )
                    % {"template": chosen.name},
                )
                return redirect("alliance_detail", alliance_id=alliance.pk)
    shown = chosen or selectors.template_content(user, str(form["template"].value() or ""))
    return render(
        request,
        "starting/start.html",
        {"form": form, "template": shown, "role_suggestions": ROLE_SUGGESTIONS},
    )


@login_required
def template_import(request: HttpRequest) -> HttpResponse:
    form = TemplateImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            template = services.template_import(
                user=_user(request), raw=upload.read(services.FILE_SIZE_LIMIT + 1)
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("Template “%(name)s” imported.") % {"name": template.name})
            return redirect("template_list")
    return render(request, "starting/import.html", {"form": form})


@login_required
def template_rename(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_of(_user(request), template_id)
    form = TemplateNameForm(request.POST or None, initial={"name": template.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_rename(template=template, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Template renamed."))
            return redirect("template_list")
    return render(
        request,
        "starting/rename.html",
        {"template": template, "form": form},
    )


@login_required
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    """Ask first, then delete. Alliances started from the template keep what they got."""
    template = selectors.template_of(_user(request), template_id)
    if request.method == "POST":
        services.template_delete(template=template)
        messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
        return redirect("template_list")
    return render(request, "starting/delete.html", {"template": template})


def _download(content: TemplateContent) -> HttpResponse:
    body = json.dumps(content_as_file(content), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{slugify(str(content.name)) or 'template'}.alliance-template.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def template_export(request: HttpRequest, template_id: int) -> HttpResponse:
    return _download(selectors.template_of(_user(request), template_id).content())


@login_required
@require_GET
def template_builtin_export(request: HttpRequest, key: str) -> HttpResponse:
    if key not in BUILTINS_BY_KEY:
        raise Http404("No such template.")
    return _download(BUILTINS_BY_KEY[key])


@party_required
@open_when_closed  # a closed alliance is a fine thing to start the next one from
def template_save(request: HttpRequest, party: Party) -> HttpResponse:
    """Save the alliance as a template of the person's own."""
    # The kind, not the title, which often names the people.
    kind = party.alliance.get_kind_display()
    form = TemplateNameForm(request.POST or None, initial={"name": kind})
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save(party=party, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved as your template “%(name)s”. Nothing anyone reflected came along.")
                % {"name": template.name},
            )
            return redirect("template_list")
    return render(
        request,
        "starting/save.html",
        {"alliance": party.alliance, "form": form},
    )
