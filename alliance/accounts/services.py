from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance.accounts.models import (
    TOKEN_PREFIX,
    AccessToken,
    InvitationSignup,
    TokenScope,
    User,
    validate_time_zone,
)
from alliance.accounts.reactions import time_zone_changed
from alliance.alliances.models import Invitation
from alliance.alliances.services import InvitationUnusable, invitation_check
from alliance.lib.clock import now
from alliance.lib.tokens import hash_token, new_token


@transaction.atomic
def profile_update(*, user: User, display_name: str, time_zone: str) -> User:
    """Change how others see `user` and the zone their times are shown in."""
    moved = time_zone != _stored_time_zone(user)
    user.display_name = " ".join(display_name.split())
    user.time_zone = time_zone
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["display_name", "time_zone"])
    if moved:
        time_zone_changed(user)
    return user


def _stored_time_zone(user: User) -> str:
    """The zone saved for `user` (a bound form may have changed the object already)."""
    return User.objects.filter(pk=user.pk).values_list("time_zone", flat=True).get()


@transaction.atomic
def time_zone_answer(*, user: User, browser_zone: str, switch: bool) -> User:
    """Answer "your browser says `browser_zone`, switch?": take that zone, or keep the
    profile's and not be asked about `browser_zone` again."""
    validate_time_zone(browser_zone)
    if switch:
        moved = browser_zone != _stored_time_zone(user)
        user.time_zone = browser_zone
        user.save(update_fields=["time_zone"])
        if moved:
            time_zone_changed(user)
    else:
        user.declined_time_zone = browser_zone
        user.save(update_fields=["declined_time_zone"])
    return user


@transaction.atomic
def invitation_signup_record(*, raw_token: str, user: User) -> InvitationSignup:
    """Spend the invitation link `raw_token` on opening closed sign-up for `user`.

    Raises InvitationUnusable when the invitation is revoked, expired or accepted, or the
    link already made an account; the caller's transaction (the new account) is then
    rolled back with it."""
    token_hash = hash_token(raw_token)
    invitation_check(
        Invitation.objects.select_for_update()
        .select_related("invited_by")
        .filter(token_hash=token_hash)
        .first()
    )
    try:
        with transaction.atomic():
            return InvitationSignup.objects.create(token_hash=token_hash, user=user)
    except IntegrityError:
        # Another sign-up through the same link got there first.
        raise InvitationUnusable(
            _("This invitation link already made an account. Ask for a link of your own.")
        ) from None


# A token's last use is written at most this often, so that a script reading in a loop
# does not turn every read into a write.
TOKEN_USE_PRECISION = timedelta(minutes=1)
TOKENS_PER_PERSON = 50


def access_token_create(
    *, user: User, name: str, scope: str, expires_at: datetime | None = None
) -> tuple[AccessToken, str]:
    """Make a personal access token for `user`: returns it and its secret, which is shown
    once and never kept (only its hash is)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it, e.g. “CRM”.")})
    if len(name) > 80:
        raise ValidationError({"name": _("Keep the name to 80 characters.")})
    if scope not in TokenScope.values:
        raise ValidationError(
            {"scope": _("Choose what the token may do: read, or read and write.")}
        )
    if expires_at is not None and expires_at <= now():
        raise ValidationError({"expires_at": _("Choose an expiry in the future, or none.")})
    usable = AccessToken.objects.filter(user=user, revoked_at__isnull=True)
    if usable.count() >= TOKENS_PER_PERSON:
        raise ValidationError(
            {
                "name": _("You hold %(count)d tokens: revoke one you no longer use first.")
                % {"count": TOKENS_PER_PERSON}
            }
        )
    raw = TOKEN_PREFIX + new_token()
    token = AccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        token_hash=hash_token(raw),
        hint=raw[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
    )
    return token, raw


def access_token_revoke(*, user: User, token_id: int) -> AccessToken:
    """Revoke one of `user`'s tokens at once (revoking twice changes nothing); someone
    else's token is not found."""
    token = AccessToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise AccessToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])
    return token


def access_token_used(token: AccessToken) -> None:
    """Note that `token` was just used, to the minute."""
    at = now()
    if token.last_used_at is None or at - token.last_used_at >= TOKEN_USE_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
