from typing import Any

from django import template

from alliance.starting.selectors import template_choices

register = template.Library()


@register.inclusion_tag("starting/_picker.html", takes_context=True)
def template_picker(context: dict[str, Any]) -> dict[str, Any]:
    """A choice of templates to start from, for a page outside this app."""
    return {"template_choices": template_choices(context["user"])}
