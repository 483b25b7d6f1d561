from typing import Any

from django import template

from alliance.alliances.models import Alliance
from alliance.tending.forms import RhythmForm
from alliance.tending.models import Rhythm
from alliance.terms.models import Version

register = template.Library()


@register.inclusion_tag("tending/_rhythm_offer.html", takes_context=True)
def rhythm_offer(context: template.Context, alliance: Alliance, version: Version) -> dict[str, Any]:
    """The next check-in, or on the version in force the form to plan it."""
    return {
        "alliance": alliance,
        "in_force": alliance.current_version_id == version.pk,
        "rhythm": Rhythm.objects.filter(alliance=alliance).first(),
        "form": RhythmForm(initial=RhythmForm.default_initial()),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
