"""Form fields for what views read besides their main form: ids and numbers in a form or a
query string, parsed once here instead of with `int()` in each view."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest id a database column holds (a signed 64-bit integer). Django's <int:...>
# and int() take any number of digits, and SQLite cannot look up a larger one.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """The id of a row, or a number such as a version's: a whole number from 1 to MAX_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class IdListField(forms.Field):
    """Several ids under one name, as ticked checkboxes send them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose among the options offered.")}

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        one = IdField()
        try:
            return [one.clean(item) for item in value]
        except ValidationError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def id_param(query: Mapping[str, Any], name: str) -> int | None:
    """The id under `name` in a query string, or None when it is missing or not an id."""
    try:
        return IdField(required=False).clean(query.get(name))
    except ValidationError:
        return None
