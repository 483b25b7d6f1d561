"""``{% coached_textarea %}``: the coach's textarea where a page writes its fields by hand
(a check-in's comment per term, a consent's comment) rather than from a form."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from alliance.feedback.forms import CoachedTextarea

register = template.Library()


@register.simple_tag
def coached_textarea(name: str, value: str, **attrs: Any) -> SafeString:
    """A CoachedTextarea named ``name`` holding ``value``. Attributes are given with
    underscores for hyphens: ``aria_label="…"`` becomes ``aria-label="…"``."""
    html_attrs = {key.replace("_", "-"): attr for key, attr in attrs.items()}
    return CoachedTextarea().render(name, value, attrs=html_attrs)
