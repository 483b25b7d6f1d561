from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from alliance.accounts.models import User
from alliance.lib.clock import now
from alliance.lib.web import flash_errors
from alliance.record import takeout
from alliance.record.models import DataCopyState


@login_required
def data_copy(request: HttpRequest) -> HttpResponse:
    """The state of the person's latest copy of their data (the page follows it
    while it is prepared); a POST asks for a new one."""
    user = cast(User, request.user)
    if request.method == "POST":
        try:
            takeout.data_copy_request(user=user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("Your copy is being prepared. We will email you a link when it is ready."),
            )
        return redirect("data_copy")
    copy = takeout.data_copy_latest(user)
    return render(
        request,
        "record/data_copy.html",
        {
            "copy": copy,
            "preparing": copy is not None and copy.is_open,
            "states": DataCopyState,
        },
    )


@login_required
@require_safe
def data_copy_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The emailed link: the first use streams the zip and deletes it; any later use, or
    one after the link expired, says so and offers a new copy."""
    copy = takeout.data_copy_by_token(user=cast(User, request.user), raw_token=token)
    handle = takeout.data_copy_open(copy)
    if handle is None:
        copy.refresh_from_db()
        used = copy.state == DataCopyState.DOWNLOADED
        return render(
            request, "record/data_copy_used.html", {"copy": copy, "used": used}, status=410
        )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"alliance-data-{now():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
