import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Kind, ObserverGrant
from alliance.lib.forms import IdField


class AllianceForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text=_("A name you both recognise, e.g. “Coaching: Ana and Ben”."),
    )
    kind = forms.ChoiceField(label=_("Kind of relationship"), choices=Kind.choices)
    purpose = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One sentence on what this relationship is for."),
    )
    role_label = forms.CharField(
        label=_("Your role"),
        max_length=40,
        help_text=_("How you appear in it: coach, client, manager, partner…"),
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )


class InvitationForm(forms.Form):
    email = forms.CharField(
        label=_("Email addresses"),
        required=False,
        max_length=2000,
        help_text=_(
            "One or more, separated by commas; each gets a link of their own. "
            "Leave it empty to copy a link yourself."
        ),
    )
    role_label = forms.CharField(
        label=_("Their role"),
        max_length=40,
        required=False,
        help_text=_("A suggestion they can change when they join."),
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )
    as_observer = forms.BooleanField(
        label=_("As an observer"),
        required=False,
        help_text=_(
            "For a sponsor, an HR partner, a parent: someone who follows the alliance without "
            "designing it. An observer never consents and is never waited for; they see who "
            "is in it and when you meet, and only what all of you allow beyond that."
        ),
    )

    def clean_email(self) -> list[str]:
        return invitation_addresses(re.split(r"[\s,;]+", self.cleaned_data["email"]))


def invitation_addresses(addresses: list[str]) -> list[str]:
    """The addresses to invite, lower-cased, each once, checked one by one: a bad one
    refuses the whole list. How many at once is the invitation limits' rule
    (alliances.services). The page's form and the API both ask this."""
    addresses = [a for a in dict.fromkeys(a.strip().lower() for a in addresses) if a]
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            gettext("These are not email addresses: %(addresses)s.") % {"addresses": ", ".join(bad)}
        )
    return addresses


class JoinForm(forms.Form):
    role_label = forms.CharField(
        label=_("Your role in this alliance"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )


class ObserverAllowanceForm(forms.Form):
    grant = forms.ChoiceField(choices=ObserverGrant.choices)
    agreed = forms.TypedChoiceField(
        choices=[("yes", _("I agree")), ("no", _("I no longer agree"))],
        coerce=lambda answer: answer == "yes",
    )


class AllianceDetailsForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text=_("A name everyone in it recognises."),
    )
    purpose = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One sentence on what this relationship is for."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class RoleForm(forms.Form):
    role_label = forms.CharField(
        label=_("Your role"),
        max_length=40,
        help_text=_("How you appear to the others; only you can change yours."),
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )


class LeadForm(forms.Form):
    party = IdField()
    lead = forms.TypedChoiceField(
        choices=[("yes", _("Make a lead")), ("no", _("No longer a lead"))],
        coerce=lambda value: value == "yes",
    )
