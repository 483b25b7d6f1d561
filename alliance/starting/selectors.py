"""Reads for templates. A person sees the built-ins and their own templates, nobody else's."""

from django.http import Http404
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.starting.builtins import BUILTINS, BUILTINS_BY_KEY
from alliance.starting.content import TemplateContent
from alliance.starting.models import Template


def own_templates(user: User) -> list[Template]:
    return list(Template.objects.filter(owner=user).order_by("name", "id"))


def template_of(user: User, template_id: int) -> Template:
    """The person's own template, or 404: someone else's template does not exist for them."""
    template = Template.objects.filter(pk=template_id, owner=user).first()
    if template is None:
        raise Http404("No such template.")
    return template


def template_content(user: User, key: str) -> TemplateContent | None:
    """A template by the key the pages use: a built-in's name, or the id of one's own."""
    if key in BUILTINS_BY_KEY:
        return BUILTINS_BY_KEY[key]
    if key.isascii() and key.isdigit() and len(key) < 12:
        template = Template.objects.filter(pk=int(key), owner=user).first()
        return template.content() if template else None
    return None


def template_choices(user: User) -> list[tuple[str, list[tuple[str, str]]]]:
    """The templates a person may start from, grouped for a select box."""
    return [
        (_("Built-in templates"), [(t.key, str(t.name)) for t in BUILTINS]),
        (_("Your templates"), [(t.key, t.name) for t in own_templates(user)]),
    ]
