from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.feedback.forms import CoachedTextarea, OfferingForm
from alliance.lib.forms import IdField
from alliance.terms.models import Category, Decision


class TermForm(OfferingForm):
    category = forms.ChoiceField(choices=Category.choices)
    text = forms.CharField(
        label=_("Term"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Concrete enough that you would both notice if it were broken."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=CoachedTextarea(attrs={"rows": 2}),
        help_text=_("Why this matters, or what it does not mean."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)


class CompareForm(forms.Form):
    """Two version numbers, `from` and `to`, as the comparison page's query string has them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Named in __init__: `from` cannot be a class attribute.
        self.fields["from"] = IdField()
        self.fields["to"] = IdField()
