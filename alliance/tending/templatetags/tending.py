from typing import Any

from django import template

from alliance.alliances.models import Alliance
from alliance.tending.forms import RhythmForm
from alliance.tending.models import Rhythm
from alliance.tending.selectors import rhythm_form_initial
from alliance.terms.models import Version

register = template.Library()


@register.inclusion_tag("tending/_rhythm_offer.html", takes_context=True)
def rhythm_offer(context: template.Context, alliance: Alliance, version: Version) -> dict[str, Any]:
    """The next check-in, or on the version in force the form to plan it, offering the
    rhythm its terms agreed."""
    in_force = alliance.current_version_id == version.pk
    rhythm = Rhythm.objects.filter(alliance=alliance).first()
    initial, suggested = RhythmForm.default_initial(), None
    if in_force and rhythm is None:
        initial, suggested = rhythm_form_initial(alliance, context["request"].user, initial)
    return {
        "alliance": alliance,
        "in_force": in_force,
        "rhythm": rhythm,
        "form": RhythmForm(initial=initial),
        "suggested": suggested,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
