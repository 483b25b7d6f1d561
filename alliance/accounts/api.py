"""The API's view of the caller: who they are, what their token may do, their tokens, and
the erasure of their account."""

from datetime import datetime

from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from alliance.accounts.erasure import account_erase as erasure_of
from alliance.accounts.forms import EraseForm
from alliance.accounts.models import AccessToken, TokenScope
from alliance.accounts.selectors import access_tokens_query
from alliance.accounts.services import access_token_revoke
from alliance.api.access import answers, caller
from alliance.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_page
from alliance.api.schemas import BodyIn
from alliance.lib.clock import now

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


# Erasing one's account -----------------------------------------------------------------


class EraseIn(BodyIn):
    """What the erase page asks, to be sure it is the person and that they mean it."""

    email: str = Field(max_length=254, description="The account's address, as a confirmation.")
    password: str | None = Field(
        None,
        max_length=4096,
        description="The account's password; needed unless the account has none.",
    )


class ErasureOut(Schema):
    pseudonym: str = Field(description="How the others see the person from now on.")
    alliances_kept: list[str] = Field(description="Alliances the others keep, by title.")
    alliances_deleted: list[str] = Field(description="Alliances only the person was ever in.")
    people_told: int


@router.post(
    "/me/erase",
    response=ErasureOut,
    summary="Erase my account",
    openapi_extra=answers("own"),
)
def account_erase(request: HttpRequest, payload: EraseIn) -> ErasureOut:
    """Erase the caller's account, as the profile's erase page does, and with the same
    confirmation: the account's email address and, if it has one, its password. It cannot
    be undone. What was theirs alone is deleted: sign-in, addresses, name, drafts and
    unread reflections, templates, calendar feed, email choices and every access token
    (this one included: any later call with it is 401). What the others must keep stays
    under a pseudonym, and every record still verifies. A wrong confirmation is 422 and
    erases nothing."""
    user = caller(request)
    data = {"email": payload.email}
    if payload.password is not None:
        data["password"] = payload.password
    form = EraseForm(data, user=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    erasure = erasure_of(user)
    if getattr(request, "access_token", None) is None:
        logout(request)
    return ErasureOut(
        pseudonym=erasure.pseudonym,
        alliances_kept=erasure.kept,
        alliances_deleted=erasure.deleted,
        people_told=erasure.told,
    )


# Access tokens -------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    scope: TokenScope
    hint: str = Field(description="The first characters of the secret, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To the minute.")
    revoked_at: datetime | None
    usable: bool = Field(description="Neither revoked nor expired.")
    this_token: bool = Field(description="Whether this request came with it.")
    url: str


def token_out(token: AccessToken, request: HttpRequest) -> TokenOut:
    current = getattr(request, "access_token", None)
    return TokenOut(
        id=token.pk,
        name=token.name,
        scope=TokenScope(token.scope),
        hint=token.hint,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        usable=token.is_usable(now()),
        this_token=current is not None and current.pk == token.pk,
        url=reverse("api:token_revoke", kwargs={"token_id": token.pk}),
    )


class TokenListQuery(Schema):
    cursor: str | None = Field(None, max_length=200, description="From `next_cursor`.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


TOKENS_ARE_MADE = (
    "Tokens are made on the profile page (/profile/tokens/) or by an operator with "
    "`alliance token create`, never through the API, so that no token can make another; "
    "the secret is shown once, when made, and only its hash is kept."
)


@router.get(
    "/me/tokens",
    response=Page[TokenOut],
    summary="My access tokens",
    description=(
        "Every personal access token the caller made, newest first, revoked and expired "
        "ones included: never a secret, nor its hash. " + TOKENS_ARE_MADE
    ),
    openapi_extra=answers("own"),
)
def token_list(request: HttpRequest, query: Query[TokenListQuery]) -> Page[TokenOut]:
    items, next_cursor = cursor_page(
        access_tokens_query(caller(request)),
        cursor=query.cursor,
        limit=query.limit,
        newest_first=True,
    )
    return Page[TokenOut](items=[token_out(t, request) for t in items], next_cursor=next_cursor)


@router.delete(
    "/me/tokens/{id:token_id}",
    response=TokenOut,
    summary="Revoke an access token",
    description=(
        "Revoke one of the caller's tokens at once (revoking it again changes nothing); "
        "whatever holds it gets 401 from then on. Revoking the token of this very request "
        "is allowed. Someone else's token is 404. " + TOKENS_ARE_MADE
    ),
    openapi_extra=answers("own"),
)
def token_revoke(request: HttpRequest, token_id: int) -> TokenOut:
    return token_out(access_token_revoke(user=caller(request), token_id=token_id), request)
