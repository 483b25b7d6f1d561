from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.outbox.models import OPTIONAL_KINDS, Delivery, NotificationPreferences

FIELD_PREFIX = "delivery_"


class NotificationPreferencesForm(forms.Form):
    """Collects the choices only; `services.preferences_update` applies them. One group
    of radio buttons per optional kind, each in its own fieldset."""

    checkin_reminder_days = forms.IntegerField(
        label=_("Remind me of a check-in this many days ahead"),
        min_value=0,
        max_value=60,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in OPTIONAL_KINDS:
            self.fields[FIELD_PREFIX + kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how you get this email."),
                    "invalid_choice": _("Choose as it happens, in the daily digest, or off."),
                },
            )
        # The number last, after the kinds it belongs with.
        self.order_fields([*(FIELD_PREFIX + k.value for k in OPTIONAL_KINDS)])

    @classmethod
    def for_preferences(
        cls, preferences: NotificationPreferences, data: Any = None
    ) -> "NotificationPreferencesForm":
        initial: dict[str, Any] = {
            FIELD_PREFIX + k.value: preferences.delivery_of(k).value for k in OPTIONAL_KINDS
        }
        initial["checkin_reminder_days"] = preferences.checkin_reminder_days
        return cls(data, initial=initial)

    def deliveries(self) -> dict[str, str]:
        return {k.value: self.cleaned_data[FIELD_PREFIX + k.value] for k in OPTIONAL_KINDS}
