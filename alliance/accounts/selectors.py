"""Reads for accounts."""

from dataclasses import dataclass
from urllib.parse import unquote

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from alliance.accounts.models import (
    TOKEN_PREFIX,
    AccessToken,
    InvitationSignup,
    User,
    known_time_zones,
)
from alliance.alliances.models import Alliance, Party
from alliance.alliances.selectors import invitation_by_token
from alliance.lib.clock import now
from alliance.lib.tokens import hash_token


def invitation_opens_signup(raw_token: str) -> bool:
    """Whether the invitation link `raw_token` may still open closed sign-up: the invitation
    is neither revoked, expired nor accepted, and the link has not made an account yet."""
    invitation = invitation_by_token(raw_token)
    if invitation is None or not invitation.is_pending:
        return False
    return not InvitationSignup.objects.filter(token_hash=hash_token(raw_token)).exists()


def invitation_vouches_for(raw_token: str, email: str) -> bool:
    """Whether the invitation link `raw_token` proves that its holder reads `email`: the
    invitation was mailed to that address and is neither revoked, expired nor accepted."""
    invitation = invitation_by_token(raw_token)
    return (
        invitation is not None
        and invitation.is_pending
        and bool(invitation.email)
        # The same address exactly, in the lower case allauth stores: casefold() would
        # take "straße.de" for "strasse.de", another domain the link says nothing about.
        and invitation.email.strip().lower() == email.strip().lower()
    )


# Set by alliance.js on every page: the zone the browser says it is in.
BROWSER_TIME_ZONE_COOKIE = "browser_time_zone"


def browser_time_zone(request: HttpRequest) -> str | None:
    """The browser's own time zone, when its script told us one we know."""
    zone = unquote(request.COOKIES.get(BROWSER_TIME_ZONE_COOKIE, ""))
    return zone if zone in known_time_zones() else None


def time_zone_to_ask_about(request: HttpRequest, user: User) -> str | None:
    """The browser's zone, when it differs from `user`'s profile and they have not yet
    chosen to keep their profile's zone over it."""
    zone = browser_time_zone(request)
    if zone is None or zone in (user.time_zone, user.declined_time_zone):
        return None
    return zone


@dataclass(frozen=True)
class ErasureStake:
    """One alliance of a person about to erase their account, and what becomes of it."""

    alliance: Alliance
    role: str
    left: bool  # they had left it already
    deleted: bool  # nobody else was ever in it: it goes with the account


def erasure_stakes(user: User) -> list[ErasureStake]:
    """Every alliance the person was ever a party of, with what erasing does to it."""
    someone_else = Party.everyone.filter(alliance_id=OuterRef("alliance_id")).exclude(user=user)
    parties = (
        Party.everyone.filter(user=user)
        .select_related("alliance")
        .annotate(shared=Exists(someone_else))
        .order_by("left_at", "alliance__title", "alliance_id")
    )
    return [
        ErasureStake(
            alliance=party.alliance,
            role=party.role_label,
            left=party.left_at is not None,
            deleted=not party.shared,
        )
        for party in parties
    ]


def access_token_find(raw: str) -> AccessToken | None:
    """The usable token whose secret is `raw`, with its owner; None for anything else
    (unknown, revoked, expired, or its owner gone)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), user__is_active=True, user__erased_at__isnull=True)
        .first()
    )
    if token is None or not token.is_usable(now()):
        return None
    return token


def access_tokens_query(user: User) -> QuerySet[AccessToken]:
    """As `access_tokens_of`, to be paged."""
    return AccessToken.objects.filter(user=user)


def access_tokens_of(user: User) -> list[AccessToken]:
    """Every token the person made, newest first, revoked and expired ones included (so
    they can see what a script held)."""
    return list(AccessToken.objects.filter(user=user))
