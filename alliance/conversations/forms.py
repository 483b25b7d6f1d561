from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.conversations.library import THEMES
from alliance.conversations.models import StakeKind
from alliance.conversations.services import MAX_CANDIDATES, REFLECTION_LIMIT
from alliance.feedback.forms import CoachedTextarea, OfferingForm
from alliance.lib.forms import IdField, IdListField
from alliance.terms.models import Category

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StakeForm(OfferingForm):
    kind = forms.ChoiceField(label=_("Conversation"), choices=StakeKind.choices)
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        initial=60,
        choices=[
            (30, _("30 minutes")),
            (45, _("45 minutes")),
            (60, _("1 hour")),
            (90, _("1½ hours")),
            (120, _("2 hours")),
        ],
    )
    location = forms.CharField(
        label=_("Place or video link"),
        max_length=300,
        required=False,
        help_text=_("A room, a café, or the link to a video call."),
    )
    note = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Anything the others should know, such as keeping the time free of distractions."
        ),
    )
    groundwork = forms.CharField(
        max_length=4000,
        required=False,
        widget=CoachedTextarea(attrs={"rows": 5}),
        help_text=_("How the conversation opens: why you are having it. Edit it freely."),
    )
    includes_observers = forms.BooleanField(
        label=_("Include the observers"),
        required=False,
        help_text=_(
            "They get the calendar invitation and see when, how long and where; never the "
            "groundwork, the prompts or anyone's reflections. Nobody waits for them to "
            "choose a time."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_CANDIDATES + 1):
            self.fields[f"time_{n}"] = forms.DateTimeField(
                label=_("Time %(n)d") % {"n": n}
                if n > 1
                else _("Times that suit you (your time zone)"),
                required=n == 1,
                widget=LOCAL_INPUT,
            )

    def times(self) -> list[datetime | None]:
        return [self.cleaned_data.get(f"time_{n}") for n in range(1, MAX_CANDIDATES + 1)]


class TimesForm(forms.Form):
    """The offered times that suit the person (candidate ids); none ticked is an answer too."""

    works = IdListField(required=False)


class CounterForm(forms.Form):
    """Times a person proposes instead of all those offered, in their own time zone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_CANDIDATES + 1):
            self.fields[f"time_{n}"] = forms.DateTimeField(
                label=_("Time %(n)d") % {"n": n} if n > 1 else _("Times that suit you"),
                required=n == 1,
                widget=LOCAL_INPUT,
            )

    def times(self) -> list[datetime | None]:
        return [self.cleaned_data.get(f"time_{n}") for n in range(1, MAX_CANDIDATES + 1)]


class ScheduleForm(forms.Form):
    candidate = IdField()


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("New time (your time zone)"), widget=LOCAL_INPUT)


class GroundworkForm(OfferingForm):
    groundwork = forms.CharField(max_length=4000, widget=CoachedTextarea(attrs={"rows": 5}))
    revision = forms.IntegerField(widget=forms.HiddenInput)


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        max_length=REFLECTION_LIMIT,
        required=False,
        widget=CoachedTextarea(attrs={"rows": 6}),
        help_text=_("Write from your own side: “I …”. Start with what works."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set by the button pressed; a form sent some other way (Enter, a script) saves a draft.
    action = forms.ChoiceField(
        choices=[("save", _("Save draft")), ("share", _("Share")), ("skip", _("Skip"))],
        required=False,
    )


class PromptActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("up", _("Move up")),
            ("down", _("Move down")),
            ("hide", _("Hide")),
            ("show", _("Show")),
        ]
    )


class PromptForm(forms.Form):
    theme = forms.ChoiceField(choices=THEMES)
    text = forms.CharField(label=_("Your question"), max_length=500)
    category = forms.ChoiceField(
        label=_("Terms from it usually concern"), choices=Category.choices, initial=Category.OTHER
    )
