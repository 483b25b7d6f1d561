from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Kind
from alliance.alliances.selectors import DashboardSort, DashboardStatus


class DashboardFilterForm(forms.Form):
    """The dashboard's search, filters and order, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("An alliance's title, or a party's name or email address"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open (any status)")), *DashboardStatus.choices],
    )
    waiting = forms.BooleanField(label=_("Waiting on me"), required=False)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=DashboardSort.choices)

    def filters(self) -> dict[str, object]:
        """Keyword arguments for `dashboard_for` that narrow the list: none when the form
        is not valid, so a bad link shows every alliance along with what is wrong."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"],
            "kind": data["kind"],
            "status": data["status"],
            "waiting_on_me": data["waiting"],
        }

    def order(self) -> str:
        """The order asked for; needs attention first when none (or a bad one) is."""
        return self.cleaned_data.get("sort", "") if self.is_valid() else ""
