from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.urls import reverse

from alliance.accounts.selectors import invitation_opens_signup, invitation_vouches_for
from alliance.accounts.services import invitation_signup_record
from alliance.alliances.models import Invitation
from alliance.alliances.services import InvitationUnusable
from alliance.lib.mail import enqueue_message, in_layout

PENDING_INVITATION_KEY = "pending_invitation"
# Where allauth's sign-up view looks for the address to fill in (`stash_verified_email`).
VERIFIED_EMAIL_KEY = "account_verified_email"


def invitation_remember(request: HttpRequest, *, invitation: Invitation, token: str) -> None:
    """Keep the invitation link an anonymous visitor opened, for the sign-up or log-in that
    follows: it opens closed sign-up, and its address fills in the sign-up form."""
    request.session[PENDING_INVITATION_KEY] = token
    if invitation.email:
        get_adapter(request).stash_verified_email(request, invitation.email)
    else:
        request.session.pop(VERIFIED_EMAIL_KEY, None)


def invitation_forget(request: HttpRequest) -> None:
    request.session.pop(PENDING_INVITATION_KEY, None)
    request.session.pop(VERIFIED_EMAIL_KEY, None)


@dataclass(frozen=True)
class Site:
    """What allauth's mail templates call `current_site`: this installation, as its
    ALLIANCE_BASE_URL names it, never as a request's Host header named it."""

    name: str
    domain: str


def on_base_url(url: str) -> str:
    """`url` (an absolute link to a page of this site) on ALLIANCE_BASE_URL instead."""
    parts = urlsplit(url)
    return settings.BASE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """Route allauth's mail through our worker, and return invitees to their invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if settings.OPEN_SIGNUP:
            return True
        token = request.session.get(PENDING_INVITATION_KEY)
        return isinstance(token, str) and invitation_opens_signup(token)

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        """With closed sign-up, the new account spends the invitation link that opened it."""
        if settings.OPEN_SIGNUP or not commit:
            return super().save_user(request, user, form, commit)
        try:
            with transaction.atomic():
                saved = super().save_user(request, user, form, commit)
                invitation_signup_record(
                    raw_token=request.session.get(PENDING_INVITATION_KEY, ""), user=saved
                )
        except InvitationUnusable as unusable:
            # The link stopped working between the form and the save (revoked, or another
            # sign-up through it won): this account is undone with the transaction.
            raise PermissionDenied(unusable.reason) from None
        return saved

    def unstash_verified_email(self, request: HttpRequest) -> str | None:
        """Nothing is stashed as verified. allauth would add the stashed address to the new
        account, verified and primary, even when the person signed up with another one;
        `is_email_verified` vouches for the address they signed up with only."""
        request.session.pop(VERIFIED_EMAIL_KEY, None)
        return None

    def is_email_verified(self, request: HttpRequest, email: str) -> bool:
        """An address needs no confirmation when the person signs up with it through a
        still-valid invitation link mailed to it: opening the link proved the mailbox."""
        token = request.session.get(PENDING_INVITATION_KEY)
        return isinstance(token, str) and invitation_vouches_for(token, email)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth builds its links (reset, confirmation, sign-up) from the request's Host,
        # some of them outside any adapter hook: every one goes out on the base URL.
        context = {
            key: on_base_url(value)
            if isinstance(value, str) and value.startswith(("http://", "https://"))
            else value
            for key, value in context.items()
        }
        site = Site(name=settings.SITE_NAME, domain=urlsplit(settings.BASE_URL).netloc)
        context = {
            # Notifications of a changed password or address say where to take it back.
            "password_reset_url": settings.BASE_URL + reverse("account_reset_password"),
            **context,
            "email": email,
            "current_site": site,
            "base_url": settings.BASE_URL,
        }
        message = self.render_mail(template_prefix, email, context)
        html = None
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(body) for body, mime in message.alternatives if mime == "text/html"), None
            )
        enqueue_message(
            to=message.to,
            subject=str(message.subject),
            text=message.body,
            html=in_layout(html) if html else None,
        )

    def format_email_subject(self, subject: str) -> str:
        """Account mail is named after the site like all our mail: "[Alliance] ..."."""
        return f"[{settings.SITE_NAME}] {subject}"

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed sign-ins per account only. allauth's own key starts with the
        request's host name, so each name the site answers to would give five more guesses."""
        login = credentials.get("email", credentials.get("username", ""))
        return f"login:{str(login).lower()}"

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get(PENDING_INVITATION_KEY)
        if token:
            return reverse("invitation_accept", kwargs={"token": token})
        return str(super().get_login_redirect_url(request))
