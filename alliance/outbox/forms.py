from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.outbox.models import OPTIONAL_KINDS, NotificationPreferences


class NotificationPreferencesForm(forms.Form):
    """Collects the choices only; `services.preferences_update` applies them."""

    wanted_kinds = forms.MultipleChoiceField(
        label=_("Send me email about"),
        choices=[(str(kind.value), kind.label) for kind in OPTIONAL_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Sign-in mail and invitations always come."),
    )
    checkin_reminder_days = forms.IntegerField(
        label=_("Remind me of a check-in this many days ahead"),
        min_value=0,
        max_value=60,
    )

    @classmethod
    def for_preferences(
        cls, preferences: NotificationPreferences, data: Any = None
    ) -> "NotificationPreferencesForm":
        initial = {
            "wanted_kinds": [k.value for k in OPTIONAL_KINDS if preferences.wants(k)],
            "checkin_reminder_days": preferences.checkin_reminder_days,
        }
        return cls(data, initial=initial)

    def muted_kinds(self) -> list[str]:
        wanted = set(self.cleaned_data["wanted_kinds"])
        return [str(k.value) for k in OPTIONAL_KINDS if k.value not in wanted]
