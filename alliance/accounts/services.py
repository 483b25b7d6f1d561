from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance.accounts.models import InvitationSignup, User, validate_time_zone
from alliance.alliances.models import Invitation
from alliance.alliances.services import InvitationUnusable, invitation_check
from alliance.lib.tokens import hash_token


def profile_update(*, user: User, display_name: str, time_zone: str) -> User:
    """Change how others see `user` and the zone their times are shown in."""
    user.display_name = " ".join(display_name.split())
    user.time_zone = time_zone
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["display_name", "time_zone"])
    return user


def time_zone_answer(*, user: User, browser_zone: str, switch: bool) -> User:
    """Answer "your browser says `browser_zone`, switch?": take that zone, or keep the
    profile's and not be asked about `browser_zone` again."""
    validate_time_zone(browser_zone)
    if switch:
        user.time_zone = browser_zone
        user.save(update_fields=["time_zone"])
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
