from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts.erasure import account_erase
from alliance.accounts.forms import AccessTokenForm, EraseForm, ProfileForm, TimeZoneAnswerForm
from alliance.accounts.models import AccessToken, User
from alliance.accounts.selectors import access_tokens_of, erasure_stakes
from alliance.accounts.services import (
    access_token_create,
    access_token_revoke,
    profile_update,
    time_zone_answer,
)
from alliance.lib.clock import now
from alliance.lib.dates import zone_or_utc
from alliance.lib.forms import id_param


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


@login_required
def access_tokens(request: HttpRequest) -> HttpResponse:
    """The person's personal access tokens for the JSON API: the list, a form to make one,
    and revoking one (`?revoke=ID` asks first; the confirming POST revokes).

    A new token's secret is shown in the answer to the POST that made it, and nowhere
    else: not in a redirect, a session or a log, and the answer is not cached."""
    user = cast(User, request.user)
    form = AccessTokenForm(zone=zone_or_utc(user.time_zone))
    secret = made = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token_id = id_param(request.POST, "token")
        try:
            if token_id is None:
                raise AccessToken.DoesNotExist
            token = access_token_revoke(user=user, token_id=token_id)
        except AccessToken.DoesNotExist:
            raise Http404("No such token of yours.") from None
        messages.success(
            request,
            _("“%(name)s” is revoked: anything that used it is refused from now on.")
            % {"name": token.name},
        )
        return redirect("access_tokens")
    if request.method == "POST":
        form = AccessTokenForm(request.POST, zone=zone_or_utc(user.time_zone))
        if form.is_valid():
            try:
                made, secret = access_token_create(
                    user=user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as error:
                for field, texts in error.message_dict.items():
                    # The service names the instant; the form asks for a day.
                    form.add_error("expires_on" if field == "expires_at" else field, texts)
            else:
                form = AccessTokenForm(zone=zone_or_utc(user.time_zone))
    tokens = access_tokens_of(user)
    revoking_id = id_param(request.GET, "revoke")
    revoking = next((t for t in tokens if t.pk == revoking_id and t.revoked_at is None), None)
    response = render(
        request,
        "accounts/access_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "made": made,
            "secret": secret,
            "revoking": revoking,
            "now": now(),
            # A command line, not prose: the same in every language.
            "curl_example": (
                f'curl -H "Authorization: Bearer {secret}" {settings.BASE_URL}{reverse("api:me")}'
                if secret
                else ""
            ),
            "docs_url": reverse("api:openapi-view"),
        },
    )
    # The page may show a secret, and always shows which tokens exist: never kept by a
    # browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    return response
