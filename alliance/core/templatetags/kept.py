"""``{% kept_include %}``, ``{% kept_form %}`` and ``{% kept_field %}``: an include, a form
and a form's field kept once rendered (see alliance.core.fragments).

Django's ``{% cache %}`` would keep the page's CSRF token in the piece, the same in every
response; this one keeps the piece without it and puts the response's own token in."""

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

from alliance.core.fragments import Seen, render_kept, render_kept_field, render_kept_form

register = template.Library()
# Where a page's render keeps the rows its pieces were keyed on (fragments.facts).
SEEN = "kept_include:seen"


@register.simple_tag(takes_context=True)
def kept_include(context: template.Context, template_name: str, **values: Any) -> SafeString:
    """``template_name`` rendered with the values given and nothing else of the page."""
    seen: Seen | None = context.render_context.get(SEEN)
    if seen is None:
        seen = context.render_context[SEEN] = {}
    return render_kept(template_name, values, csrf_token=context.get("csrf_token"), seen=seen)


@register.simple_tag
def kept_form(
    form: forms.BaseForm | str, template_name: str | None = None, name: str | None = None
) -> SafeString | str:
    """``form.as_div`` (or ``form.render(template_name)``) kept once rendered; nothing
    for a form the page does not have, as ``{{ form.as_div }}`` renders. ``name`` names
    an unbound form that is the same for everyone (see `render_kept_form`)."""
    if not isinstance(form, forms.BaseForm):
        return ""
    return render_kept_form(form, template_name, name)


@register.simple_tag
def kept_field(bound: forms.BoundField | str) -> SafeString | str:
    """``{{ form.field }}`` kept once rendered; nothing for a field the page does not
    have, as ``{{ form.field }}`` renders."""
    if not isinstance(bound, forms.BoundField):
        return ""
    return render_kept_field(bound)
