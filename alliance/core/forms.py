from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.alliances.selectors import DashboardStatus


class DashboardFilterForm(forms.Form):
    """The dashboard's search and filters, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("An alliance's title, or a party's name or email address"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *DashboardStatus.choices],
    )
    waiting = forms.BooleanField(label=_("Waiting on me"), required=False)

    def filters(self) -> dict[str, object]:
        """Keyword arguments for `dashboard_for`: none when the form is not valid, so a
        bad link shows every alliance along with what is wrong with it."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"search": data["q"], "status": data["status"], "waiting_on_me": data["waiting"]}
