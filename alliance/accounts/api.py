"""The API's view of the caller: who they are, and what their token may do."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from alliance.api.access import answers, caller

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    name: str
    email: str
    time_zone: str
    # What this request's credential may do: "read" or "write" (a sign-in session writes).
    scope: str
    token_name: str | None = None
    token_expires_at: datetime | None = None


@router.get("/me", response=MeOut, summary="Who I am", openapi_extra=answers("own"))
def me(request: HttpRequest) -> MeOut:
    """The person the token (or session) acts for, and what it may do."""
    user = caller(request)
    token = getattr(request, "access_token", None)
    return MeOut(
        id=user.pk,
        name=user.name,
        email=user.email,
        time_zone=user.time_zone,
        scope=token.scope if token else "write",
        token_name=token.name if token else None,
        token_expires_at=token.expires_at if token else None,
    )
