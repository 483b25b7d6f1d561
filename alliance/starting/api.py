"""Templates through the API: the built-ins and the caller's own, import and export as the
template file, start an alliance from one, rename and delete one's own, and save an
alliance as a template. Someone else's template does not exist for the caller (404)."""

from datetime import datetime
from enum import Enum
from typing import Any, Literal, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status
from pydantic import ConfigDict

from alliance.alliances.api import AllianceOut, alliance_out
from alliance.alliances.models import Kind, Party
from alliance.api.access import answers, caller, party
from alliance.api.schemas import BodyIn
from alliance.conversations.library import PROMPTS_BY_KEY, THEME_LABELS
from alliance.starting import selectors, services
from alliance.starting.builtins import BUILTINS, BUILTINS_BY_KEY
from alliance.starting.content import (
    FORMAT,
    FORMAT_VERSION,
    GROUNDWORK_LIMIT,
    MAX_PROMPTS,
    MAX_ROLES,
    MAX_TERMS,
    NAME_LIMIT,
    PROMPT_LIMIT,
    PURPOSE_LIMIT,
    ROLE_LIMIT,
    RULE_LIMIT,
    TERM_LIMIT,
    TemplateContent,
    content_as_file,
)
from alliance.starting.models import Template
from alliance.terms.models import Category

router = Router(tags=["templates"])

# The choices the file format takes, as enums so the document lists them.
Theme = Enum("Theme", {key: key for key in THEME_LABELS}, type=str)  # type: ignore[misc]
BuiltinPromptKey = Enum(  # type: ignore[misc]
    "BuiltinPromptKey", {key: key for key in PROMPTS_BY_KEY}, type=str
)
# Some text besides spaces: what the import refuses as empty.
SOME_TEXT = r"\S"
# The rhythms a template may carry: the shapes the rhythm form makes
# (`content.rhythm_is_offered`), or none.
RHYTHM = (
    r"^(FREQ=WEEKLY;INTERVAL=([1-9]|[1-4][0-9]|5[0-2])"
    r"|FREQ=MONTHLY;BYDAY=(\+[1-4]|-1)(MO|TU|WE|TH|FR|SA|SU)"
    r"|FREQ=MONTHLY;BYMONTHDAY=([1-9]|[12][0-9]|3[01]|-1))?$"
)


def api_url(name: str, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


# The template file -----------------------------------------------------------------------


class Strict(BodyIn):
    model_config = ConfigDict(extra="forbid")


class RoleItem(Strict):
    label: str = Field(max_length=ROLE_LIMIT, pattern=SOME_TEXT)
    observer: bool = Field(description="An observer, such as a sponsor, who does not design.")


class TermItem(Strict):
    category: Category
    text: str = Field(max_length=TERM_LIMIT, pattern=SOME_TEXT)


class PromptItem(Strict):
    theme: Theme
    category: Category
    text: str = Field(max_length=PROMPT_LIMIT, pattern=SOME_TEXT)


class TemplateFile(Strict):
    """A template as a file holds it: what `export` gives and `import` takes."""

    format: Literal["alliance-template"]
    version: Literal[1]
    name: str = Field(max_length=NAME_LIMIT, pattern=SOME_TEXT)
    kind: Kind
    purpose: str = Field("", max_length=PURPOSE_LIMIT)
    roles: list[RoleItem] = Field([], max_length=MAX_ROLES)
    terms: list[TermItem] = Field(max_length=MAX_TERMS)
    prompts: list[PromptItem] = Field([], max_length=MAX_PROMPTS)
    hidden_prompts: list[BuiltinPromptKey] = Field(
        [], max_length=len(PROMPTS_BY_KEY), description="Built-in prompts the template leaves out."
    )
    groundwork: str = Field("", max_length=GROUNDWORK_LIMIT)
    rhythm: str = Field(
        "",
        max_length=RULE_LIMIT,
        pattern=RHYTHM,
        description="An RRULE: every few weeks, or monthly; empty for none.",
    )


assert FORMAT == "alliance-template"
assert FORMAT_VERSION == 1


# A template as the API shows it ----------------------------------------------------------


class TemplateOut(Schema):
    key: str = Field(description="A built-in's key, or the id of one's own, as text.")
    id: int | None = Field(description="The id of one's own template; none for a built-in.")
    builtin: bool
    name: str
    kind: Kind
    purpose: str
    roles: list[RoleItem]
    terms: list[TermItem]
    prompts: list[PromptItem]
    hidden_prompts: list[str]
    groundwork: str
    rhythm: str
    rhythm_text: str = Field(description="The rhythm in words, in the reader's language.")
    created_at: datetime | None
    url: str
    start_url: str
    export_url: str


def template_out(content: TemplateContent, template: Template | None = None) -> TemplateOut:
    fields = content_as_file(content)
    if template is None:
        urls = {
            "url": api_url("template_builtin_detail", key=content.key),
            "start_url": api_url("template_builtin_start", key=content.key),
            "export_url": api_url("template_builtin_export", key=content.key),
        }
    else:
        urls = {
            "url": api_url("template_detail", template_id=template.pk),
            "start_url": api_url("template_start", template_id=template.pk),
            "export_url": api_url("template_export", template_id=template.pk),
        }
    return TemplateOut(
        key=content.key,
        id=template.pk if template else None,
        builtin=template is None,
        name=fields["name"],
        kind=cast(Kind, fields["kind"]),
        purpose=fields["purpose"],
        roles=[RoleItem(**role) for role in fields["roles"]],
        terms=[TermItem(**term) for term in fields["terms"]],
        prompts=[PromptItem(**prompt) for prompt in fields["prompts"]],
        hidden_prompts=fields["hidden_prompts"],
        groundwork=fields["groundwork"],
        rhythm=fields["rhythm"],
        rhythm_text=content.rhythm_text,
        created_at=template.created_at if template else None,
        **urls,
    )


def own_out(template: Template) -> TemplateOut:
    return template_out(template.content(), template)


def builtin(key: str) -> TemplateContent:
    if key not in BUILTINS_BY_KEY:
        raise Http404("No such template.")
    return BUILTINS_BY_KEY[key]


BuiltinKeyPath = Path(..., max_length=40, description="A built-in template's key, e.g. coaching.")


# Reading ------------------------------------------------------------------------------------


@router.get(
    "/templates",
    response=list[TemplateOut],
    summary="Templates I may start from",
    openapi_extra=answers("own"),
)
def template_list(request: HttpRequest) -> list[TemplateOut]:
    """The built-in templates, then the caller's own, by name. Nobody else's are listed."""
    return [template_out(t) for t in BUILTINS] + [
        own_out(t) for t in selectors.own_templates(caller(request))
    ]


@router.get(
    "/templates/builtin/{key}",
    response=TemplateOut,
    summary="One built-in template",
    openapi_extra=answers("own"),
)
def template_builtin_detail(request: HttpRequest, key: str = BuiltinKeyPath) -> TemplateOut:
    """A built-in template's content, in the caller's language. Its terms, prompts and
    rhythm are what an alliance started from it begins with."""
    return template_out(builtin(key))


@router.get(
    "/templates/{id:template_id}",
    response=TemplateOut,
    summary="One of my templates",
    openapi_extra=answers("own"),
)
def template_detail(request: HttpRequest, template_id: int) -> TemplateOut:
    """One of the caller's own templates; anyone else's is 404."""
    return own_out(selectors.template_of(caller(request), template_id))


@router.get(
    "/templates/{id:template_id}/export",
    response=TemplateFile,
    summary="Export a template as its file",
    openapi_extra=answers("own"),
)
def template_export(request: HttpRequest, template_id: int) -> dict[str, Any]:
    """The template file (format `alliance-template`, version 1), as the export link of
    the templates page downloads it: import it here or on another Alliance site."""
    return content_as_file(selectors.template_of(caller(request), template_id).content())


@router.get(
    "/templates/builtin/{key}/export",
    response=TemplateFile,
    summary="Export a built-in template as its file",
    openapi_extra=answers("own"),
)
def template_builtin_export(request: HttpRequest, key: str = BuiltinKeyPath) -> dict[str, Any]:
    """A built-in template as a template file, in the caller's language: a starting point
    to edit and import as one's own."""
    return content_as_file(builtin(key))


# Writing ------------------------------------------------------------------------------------


@router.post(
    "/templates",
    response={201: TemplateOut},
    summary="Import a template",
    openapi_extra=answers("own"),
)
def template_import(request: HttpRequest, payload: TemplateFile) -> Status[TemplateOut]:
    """Make a template of the caller's own from a template file (as `export` gives it),
    with the same checks as the import page: a file that is not exactly the format is
    refused whole, with what is wrong named."""
    # The very bytes sent, read as the import page reads an uploaded file.
    template = services.template_import(user=caller(request), raw=request.body)
    return Status(201, own_out(template))


class TemplateNameIn(BodyIn):
    name: str = Field(max_length=NAME_LIMIT)


@router.patch(
    "/templates/{id:template_id}",
    response=TemplateOut,
    summary="Rename a template",
    openapi_extra=answers("own"),
)
def template_rename(request: HttpRequest, template_id: int, payload: TemplateNameIn) -> TemplateOut:
    """Rename one of the caller's own templates."""
    template = selectors.template_of(caller(request), template_id)
    return own_out(services.template_rename(template=template, name=payload.name))


@router.delete(
    "/templates/{id:template_id}",
    response={204: None},
    summary="Delete a template",
    openapi_extra=answers("own"),
)
def template_delete(request: HttpRequest, template_id: int) -> Status[None]:
    """Delete one of the caller's own templates. Alliances started from it keep what they
    got."""
    services.template_delete(template=selectors.template_of(caller(request), template_id))
    return Status(204, None)


class TemplateStartIn(BodyIn):
    """The new alliance; whatever is left out comes from the template, as the start page
    fills it in."""

    title: str | None = Field(None, max_length=120, description="The template's name if left out.")
    kind: Kind | None = Field(None, description="The template's kind if left out.")
    purpose: str | None = Field(
        None, max_length=300, description="The template's purpose if left out."
    )
    role_label: str | None = Field(
        None,
        max_length=40,
        description="The role the caller holds; the template's first designing role if left out.",
    )


START_FIELDS = frozenset(TemplateStartIn.model_fields)


def _start(
    request: HttpRequest, content: TemplateContent, payload: TemplateStartIn
) -> Status[AllianceOut]:
    user = caller(request)
    try:
        alliance = services.alliance_start(
            user=user,
            template=content,
            title=str(content.name) if payload.title is None else payload.title,
            kind=content.kind if payload.kind is None else payload.kind,
            purpose=str(content.purpose) if payload.purpose is None else payload.purpose,
            role_label=content.designing_role if payload.role_label is None else payload.role_label,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        # Refusals of later stages name fields this request does not have.
        fields: dict[str, list[str]] = {}
        for field, messages in error.message_dict.items():
            named = field if field in START_FIELDS else NON_FIELD_ERRORS
            fields.setdefault(named, []).extend(messages)
        raise ValidationError(fields) from error
    me = Party.objects.select_related("alliance__current_version").get(alliance=alliance, user=user)
    return Status(201, alliance_out(me))


START_DOC = """Start an alliance with the caller as its first party, as the start page
does: the template's terms arrive as the caller's proposals (everyone else still agrees to
each), its prompts and groundwork open the design conversation, its rhythm is set.
Invite the others next."""


@router.post(
    "/templates/{id:template_id}/start",
    response={201: AllianceOut},
    summary="Start an alliance from my template",
    description=START_DOC,
    openapi_extra=answers("own"),
)
def template_start(
    request: HttpRequest, template_id: int, payload: TemplateStartIn
) -> Status[AllianceOut]:
    content = selectors.template_of(caller(request), template_id).content()
    return _start(request, content, payload)


@router.post(
    "/templates/builtin/{key}/start",
    response={201: AllianceOut},
    summary="Start an alliance from a built-in template",
    description=START_DOC,
    openapi_extra=answers("own"),
)
def template_builtin_start(
    request: HttpRequest, payload: TemplateStartIn, key: str = BuiltinKeyPath
) -> Status[AllianceOut]:
    return _start(request, builtin(key), payload)


class TemplateSaveIn(BodyIn):
    name: str | None = Field(
        None, max_length=NAME_LIMIT, description="The alliance's kind if left out."
    )


@router.post(
    "/alliances/{id:alliance_id}/save-as-template",
    response={201: TemplateOut},
    summary="Save an alliance as my template",
    openapi_extra=answers("parties"),
)
def template_save(
    request: HttpRequest, alliance_id: int, payload: TemplateSaveIn
) -> Status[TemplateOut]:
    """Keep the alliance's terms, its own prompts, groundwork, rhythm and roles as a
    template of the caller's own. Nothing anyone reflected comes along, and the parties'
    names in its texts become their roles. A closed alliance may be saved too."""
    me = party(request, alliance_id)
    name = str(me.alliance.get_kind_display()) if payload.name is None else payload.name
    return Status(201, own_out(services.template_save(party=me, name=name)))
