"""Configuration checks an operator sees in `alliance check` (and at start-up)."""

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_base_url(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if (
        not settings.DEBUG
        and settings.BASE_URL.startswith("http://")
        and not any(host in settings.BASE_URL for host in ("127.0.0.1", "localhost"))
    ):
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
