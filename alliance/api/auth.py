"""Who is calling: a personal access token (`Authorization: Bearer alliance_pat_…`), or the
browser's sign-in session with its CSRF token, for the app's own scripts."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from alliance.accounts.selectors import access_token_find
from alliance.accounts.services import access_token_used
from alliance.api.problems import ApiProblem

READING = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    openapi_description = (
        "A personal access token, made on the profile page: "
        "`Authorization: Bearer alliance_pat_…`. A read token may only read."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        access = access_token_find(token)
        if access is None:
            return None
        if request.method not in READING and not access.may_write:
            raise ApiProblem(
                403,
                _(
                    "This token may only read. Make one that may read and write on your "
                    "profile page."
                ),
            )
        access_token_used(access)
        request.user = access.user
        request.access_token = access  # type: ignore[attr-defined]
        return access.user


class SignedInSession(SessionAuth):
    """The browser's session; anything but reading also needs the CSRF token
    (`X-CSRFToken` header), as a form would."""

    openapi_description = "The session of someone signed in to the site, with CSRF for writes."

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "erased_at", None) is not None:
            return None
        return user


AUTH = [TokenAuth(), SignedInSession()]
