"""The record's pages: how a record document leaves the server (a Markdown file, a PDF,
or the print view, offered instead when this server cannot make PDFs), and a person's copy
of all their data."""

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from alliance.accounts.models import User
from alliance.lib.clock import now
from alliance.lib.web import flash_errors
from alliance.record import documents, takeout
from alliance.record.models import DataCopyState


def _attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def markdown_response(document: dict[str, Any], *, filename: str) -> HttpResponse:
    return _attachment(
        documents.markdown(document), "text/markdown; charset=utf-8", f"{filename}.md"
    )


def pdf_response(document: dict[str, Any], *, filename: str) -> HttpResponse:
    """The PDF; the print view instead when WeasyPrint cannot load its system libraries
    on this server (`alliance check` warns about it, and the pages link to the print view)."""
    if not documents.pdf_available():
        return print_response(document)
    return _attachment(documents.pdf(document), "application/pdf", f"{filename}.pdf")


def print_response(document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(documents.html(document, for_pdf=False))


@login_required
def data_copy(request: HttpRequest) -> HttpResponse:
    """The state of the person's latest copy of their data (the page follows it
    while it is prepared); a POST asks for a new one."""
    user = cast(User, request.user)
    if request.method == "POST":
        # No message on success: the page itself says how the copy is coming along, and a
        # message from the request would stay on it after the copy is ready.
        try:
            takeout.data_copy_request(user=user)
        except ValidationError as error:
            flash_errors(request, error)
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
