from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse

from alliance.lib.env import envbool
from alliance.lib.mail import enqueue_message

PENDING_INVITATION_KEY = "pending_invitation"


class AccountAdapter(DefaultAccountAdapter):
    """Route allauth's mail through our worker, and return invitees to their invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return envbool("ALLIANCE_OPEN_SIGNUP", True) or (PENDING_INVITATION_KEY in request.session)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, context)
        html = None
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(body) for body, mime in message.alternatives if mime == "text/html"), None
            )
        enqueue_message(to=message.to, subject=str(message.subject), text=message.body, html=html)

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
