from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.lib.forms import IdField
from alliance.webhooks.models import EventType


class EndpointForm(forms.Form):
    endpoint_url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("Where we post each event, e.g. https://hooks.example.org/alliance."),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class EndpointNewForm(EndpointForm):
    alliance = forms.TypedChoiceField(
        label=_("Alliance"), coerce=int, empty_value=None, required=False, choices=()
    )

    field_order = ["endpoint_url", "alliance", "events", "description"]

    def __init__(self, *args: Any, alliances: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["alliance"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [("", _("Every alliance I design")), *alliances]


class EndpointEditForm(EndpointForm):
    active = forms.BooleanField(
        label=_("On"),
        required=False,
        help_text=_("Turning it on again forgets its failures."),
    )


class RedeliverForm(forms.Form):
    delivery = IdField()
