from django import forms

from alliance.alliances.models import Kind


class AllianceForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text="A name you both recognise, e.g. “Coaching: Ana and Ben”.",
    )
    kind = forms.ChoiceField(label="Kind of relationship", choices=Kind.choices)
    purpose = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One sentence on what this relationship is for.",
    )
    role_label = forms.CharField(
        label="Your role",
        max_length=40,
        help_text="How you appear in it: coach, client, manager, partner…",
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        required=False,
        help_text="We email them a link. Leave it empty to copy the link yourself.",
    )
    role_label = forms.CharField(
        label="Their role",
        max_length=40,
        required=False,
        help_text="A suggestion they can change when they join.",
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )


class JoinForm(forms.Form):
    role_label = forms.CharField(
        label="Your role in this alliance",
        max_length=40,
        widget=forms.TextInput(attrs={"list": "role-suggestions"}),
    )
