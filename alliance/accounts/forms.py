from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import User, time_zone_names, validate_time_zone


def _time_zone_field(*, guess: bool = False) -> forms.ChoiceField:
    """With `guess`, alliance.js pre-selects the browser's zone. Only on sign-up: on the
    profile a saved zone stays as it is, and the browser's is asked about instead."""
    return forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name.replace("_", " ")) for name in time_zone_names()],
        initial="UTC",
        validators=[validate_time_zone],
        help_text=_("Times of conversations and check-ins are shown to you in this zone."),
        widget=forms.Select(attrs={"data-guess-time-zone": ""} if guess else {}),
    )


class SignupExtraForm(forms.Form):
    """The fields allauth's sign-up form adds for us: how others see you, your zone."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("How the other people in your alliances will see you."),
    )
    time_zone = _time_zone_field(guess=True)

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = _time_zone_field()

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]
        labels = {"display_name": _("Your name")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True


class TimeZoneAnswerForm(forms.Form):
    time_zone = forms.ChoiceField(choices=lambda: [(n, n) for n in time_zone_names()])
    answer = forms.ChoiceField(choices=[("switch", _("switch")), ("keep", _("keep"))])


class EraseForm(forms.Form):
    """Confirms an erasure: the person types their address, and their password if they
    have one, so that a moment at someone else's unlocked screen cannot erase them."""

    email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        strip=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True
        else:
            del self.fields["password"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email.lower() != self.user.email.lower():
            raise forms.ValidationError(
                _("That is not the address of this account. Nothing was erased.")
            )
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password. Nothing was erased."))
        return password
