from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.closing.services import NOTE_LIMIT
from alliance.feedback.forms import CoachedTextarea
from alliance.lib.forms import IdField


class ProposalForm(forms.Form):
    note = forms.CharField(
        label=_("A note to the others (optional)"),
        max_length=NOTE_LIMIT,
        required=False,
        widget=CoachedTextarea(attrs={"rows": 3}),
    )


class ProposalChoiceForm(forms.Form):
    """Which proposal the person answers: the one they saw, not one made since."""

    proposal = IdField()
