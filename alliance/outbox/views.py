from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from alliance.outbox import services
from alliance.outbox.forms import NotificationPreferencesForm
from alliance.outbox.models import REQUIRED_KINDS, EmailKind


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    preferences = services.preferences_for(request.user)  # type: ignore[arg-type]
    form = NotificationPreferencesForm.for_preferences(preferences, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(
            user=request.user,  # type: ignore[arg-type]
            deliveries=form.deliveries(),
            checkin_reminder_days=form.cleaned_data["checkin_reminder_days"],
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "outbox/notification_preferences.html",
        {
            "form": form,
            "required_kinds": [
                (EmailKind(kind).label, why) for kind, why in REQUIRED_KINDS.items()
            ],
            "digest_hour": settings.DIGEST_HOUR,
            "time_zone": request.user.time_zone,  # type: ignore[union-attr]
        },
    )


# The signed token is the authority here, not a session: mail clients send the RFC 8058
# one-click POST without cookies or a CSRF token.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST unsubscribes."""
    try:
        user, kind = services.unsubscribe_read(token)
    except services.BadUnsubscribeLink:
        return render(request, "outbox/unsubscribe_invalid.html", status=400)
    context = {"kind": kind, "email": user.email}
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind)
        return render(request, "outbox/unsubscribe_done.html", context)
    return render(request, "outbox/unsubscribe_confirm.html", context)
