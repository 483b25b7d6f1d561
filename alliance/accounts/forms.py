from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import TokenScope, User, time_zone_names, validate_time_zone
from alliance.lib.clock import now
from alliance.lib.dates import horizon_last_day


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


class AccessTokenForm(forms.Form):
    """A new personal access token: its name, what it may do and when it stops working.
    The expiry is a choice of lengths or a day; `expires_at` turns it into an instant."""

    EXPIRY_CHOICES = [
        ("none", _("Never (until you revoke it)")),
        ("30", _("In 30 days")),
        ("90", _("In 90 days")),
        ("365", _("In a year")),
        ("date", _("At the end of a day you choose")),
    ]

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use it, e.g. “CRM” or “my backup script”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("It may"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
    )
    expiry = forms.ChoiceField(
        label=_("It stops working"),
        choices=EXPIRY_CHOICES,
        initial="90",
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=_("The day it stops working (at its end, in your time zone)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, zone: tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day = cleaned.get("expires_on")
        if cleaned.get("expiry") == "date":
            if day is None:
                self.add_error("expires_on", _("Choose the day it stops working."))
            elif day > horizon_last_day(now(), self.zone):
                self.add_error(
                    "expires_on",
                    _("Choose a day within %(days)d days, or no expiry at all.")
                    % {"days": settings.DATE_HORIZON_DAYS},
                )
        return cleaned

    def expires_at(self) -> datetime | None:
        """When the token stops working: never, a number of days from now, or the end of
        the chosen day in the person's time zone."""
        expiry = self.cleaned_data["expiry"]
        if expiry == "none":
            return None
        if expiry == "date":
            day = self.cleaned_data["expires_on"]
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return now() + timedelta(days=int(expiry))
