from datetime import date, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.feedback.forms import CoachedTextarea
from alliance.lib.clock import now
from alliance.tending.models import Outcome
from alliance.tending.rhythms import ORDINALS, WEEKDAYS, rule_build

REPEAT_CHOICES = [
    ("weeks", _("Every few weeks")),
    ("weekday", _("Monthly, on a weekday")),
    ("monthday", _("Monthly, on a day of the month")),
    ("monthend", _("Monthly, on the last day of the month")),
    ("none", _("Just this once")),
]


class RhythmForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Next check-in"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A monthly rhythm starts on its first matching day from this date."),
    )
    at_time = forms.TimeField(
        label=_("At"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    repeat = forms.ChoiceField(
        label=_("Then"), choices=REPEAT_CHOICES, initial="weeks", widget=forms.RadioSelect
    )
    interval = forms.IntegerField(
        label=_("Every how many weeks"), min_value=1, max_value=52, initial=6, required=False
    )
    ordinal = forms.TypedChoiceField(
        label=_("Which one"),
        choices=[(n, label) for n, label in ORDINALS.items()],
        coerce=int,
        initial=1,
        required=False,
    )
    weekday = forms.ChoiceField(
        label=_("Weekday"), choices=list(WEEKDAYS.items()), initial="TU", required=False
    )
    monthday = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"aria-describedby": "monthday-help"}),
        help_text=_(
            "On day 29, 30 or 31, a month without that day has no check-in: February "
            "has none on the 30th. For every month's end, choose the last day of the month."
        ),
    )

    @classmethod
    def default_initial(cls, today: date | None = None) -> dict[str, Any]:
        today = today or now().date()
        return {"starts_on": today + timedelta(weeks=6), "at_time": time(10, 0)}

    def rule(self) -> str:
        data = self.cleaned_data
        return rule_build(
            repeat=data["repeat"],
            interval=data.get("interval") or 1,
            ordinal=data.get("ordinal") or 1,
            weekday=data.get("weekday") or "MO",
            monthday=data.get("monthday") or 1,
        )


class EarlyCheckInForm(forms.Form):
    """Before the next scheduled check-in: does checking in now take its place?"""

    when = forms.ChoiceField(
        choices=[
            ("replace", _("Instead of the next check-in")),
            ("extra", _("As an extra check-in")),
        ]
    )


class CheckInForm(forms.Form):
    """A party's check-in as posted: a score and a comment for each term of the version
    (`score-<term id>`, `comment-<term id>`), their reflection and whether to share it.
    Whether every term is rated, and the lengths, are the service's to decide."""

    reflection = forms.CharField(required=False, strip=False)
    share = forms.BooleanField(required=False)

    def __init__(self, *args: Any, term_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.term_ids = term_ids
        for term_id in term_ids:
            self.fields[f"score-{term_id}"] = forms.CharField(required=False)
            self.fields[f"comment-{term_id}"] = forms.CharField(required=False, strip=False)

    def ratings(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {t: (data[f"score-{t}"], data[f"comment-{t}"]) for t in self.term_ids}

    def words_for_others(self) -> list[str]:
        """What the others will read: every comment, and the reflection once shared."""
        comments = [self.cleaned_data[f"comment-{t}"] for t in self.term_ids]
        shared = [self.cleaned_data["reflection"]] if self.cleaned_data["share"] else []
        return comments + shared


class SignalForm(forms.Form):
    term_id = forms.TypedChoiceField(
        label=_("About"), coerce=int, empty_value=None, required=False, choices=[]
    )
    note = forms.CharField(
        label=_("What needs attention"),
        max_length=2000,
        widget=CoachedTextarea(attrs={"rows": 3}),
        help_text=_("Say what you notice and what you would like, starting with “I”."),
    )
    anonymous = forms.BooleanField(label=_("Raise it without my name"), required=False)

    def __init__(
        self, *args: Any, terms: list[dict[str, Any]], allow_anonymous: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "The alliance as a whole")] + [(t["id"], t["text"][:80]) for t in terms]
        self.fields["term_id"].choices = choices  # type: ignore[attr-defined]
        if not allow_anonymous:
            del self.fields["anonymous"]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was resolved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version_number = forms.IntegerField(
        label=_("Resolved by version (optional)"), min_value=1, required=False
    )


class PolicyForm(forms.Form):
    allow_anonymous = forms.BooleanField(required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)


class CalendarFeedForm(forms.Form):
    # Without an action (a form sent by pressing Enter), the feed gets a new address.
    action = forms.ChoiceField(
        choices=[("renew", _("Make a new address")), ("revoke", _("Turn the feed off"))],
        required=False,
    )
