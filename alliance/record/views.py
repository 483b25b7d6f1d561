"""How a record document leaves the server: a Markdown file, a PDF, or the print view
(the PDF's page in the browser, offered instead when this server cannot make PDFs)."""

from typing import Any

from django.http import HttpResponse

from alliance.record import documents


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
