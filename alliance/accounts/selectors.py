"""Reads for accounts."""

from alliance.accounts.models import InvitationSignup
from alliance.alliances.selectors import invitation_by_token
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
        and invitation.email.casefold() == email.casefold()
    )
