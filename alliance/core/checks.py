"""Configuration checks an operator sees in `alliance check` (and at start-up)."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from alliance.record import documents


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@register()
def check_base_url(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Plain HTTP is fine on this machine only (127.0.0.0/8, ::1, localhost)."""
    base = urlsplit(settings.BASE_URL)
    if not settings.DEBUG and base.scheme == "http" and not _is_loopback(base.hostname or ""):
        return [
            Warning(
                "ALLIANCE_BASE_URL is served over plain HTTP.",
                hint="Put Alliance behind HTTPS and set ALLIANCE_BASE_URL=https://...",
                id="alliance.W001",
            )
        ]
    return []


@register()
def check_email(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """An HTTPS site that only writes its mail to files has people waiting for nothing."""
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend") and settings.BASE_URL.startswith(
        "https://"
    ):
        return [
            Warning(
                "Email is written to files, not sent.",
                hint="Set EMAIL_URL=smtp://user:password@host:587/?tls=True",
                id="alliance.W002",
            )
        ]
    return []


@register()
def check_pdf(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """WeasyPrint needs Pango and its friends from the system; without them the pages offer
    the print view where they would offer a PDF."""
    if documents.pdf_available():
        return []
    return [
        Warning(
            "WeasyPrint cannot load its system libraries, so no PDF can be made.",
            hint="Install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
            "until then people print the record from their browser.",
            id="alliance.W003",
        )
    ]


@register(deploy=True)
def check_base_url_named(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Every emailed link starts with the base URL: derived from HOST and PORT, it names
    whatever address the server listens on, which people elsewhere may not reach."""
    if settings.BASE_URL_DERIVED:
        return [
            Error(
                f"ALLIANCE_BASE_URL is not set; emailed links would use {settings.BASE_URL}, "
                "derived from HOST and PORT.",
                hint="Set ALLIANCE_BASE_URL to the address people open, e.g. "
                "ALLIANCE_BASE_URL=https://alliance.example.org",
                id="alliance.E001",
            )
        ]
    return []
