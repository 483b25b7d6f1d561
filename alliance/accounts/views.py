from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alliance.accounts.forms import ProfileForm
from alliance.accounts.services import profile_update


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})
