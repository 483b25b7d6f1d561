from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts.erasure import account_erase
from alliance.accounts.forms import EraseForm, ProfileForm, TimeZoneAnswerForm
from alliance.accounts.selectors import erasure_stakes
from alliance.accounts.services import profile_update, time_zone_answer


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def time_zone_answer_view(request: HttpRequest) -> HttpResponse:
    """Switch to the browser's zone, or keep the profile's, then back to the page asked on."""
    form = TimeZoneAnswerForm(request.POST)
    if form.is_valid():
        zone = form.cleaned_data["time_zone"]
        switch = form.cleaned_data["answer"] == "switch"
        time_zone_answer(user=request.user, browser_zone=zone, switch=switch)  # type: ignore[arg-type]
        if switch:
            messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": zone})
        else:
            messages.info(
                request,
                _("Times stay in %(zone)s. You can change it on your profile.")
                % {"zone": request.user.time_zone},  # type: ignore[union-attr]
            )
    else:
        messages.error(request, _("That is not a time zone we know. Nothing changed."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return redirect(next_url)


@login_required
def profile_erase(request: HttpRequest) -> HttpResponse:
    """Erase one's own account, once they typed what proves it is them and they mean it."""
    user = request.user
    form = EraseForm(request.POST or None, user=user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        account_erase(user)  # type: ignore[arg-type]
        logout(request)
        return redirect("account_erased")
    return render(
        request,
        "accounts/erase.html",
        {"form": form, "stakes": erasure_stakes(user)},  # type: ignore[arg-type]
    )


def account_erased(request: HttpRequest) -> HttpResponse:
    """The goodbye: says what happened, to someone now signed out."""
    return render(request, "accounts/erased.html")
