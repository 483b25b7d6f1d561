"""Outgoing email: rendered here, written to the outbox, sent by a background worker.

Each kind of message has three templates in `templates/emails/`: `<template>_subject.txt`,
`<template>.txt` and `<template>.html` (the template defaults to the kind's name). Queueing
happens inside the caller's transaction, so a message exists exactly when the change it
announces was saved. The kinds are `alliance.outbox.models.EmailKind`.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from alliance.accounts.models import User
from alliance.outbox.models import OPTIONAL_KINDS, EmailKind, OutboxMessage
from alliance.outbox.services import message_queue, unsubscribe_url, wants_email


def enqueue_message(
    *,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    kind: str = EmailKind.ACCOUNT,
) -> None:
    """Queue an already rendered message (account mail from allauth): one row per address.
    Such mail is never unsubscribable."""
    for address in to:
        message_queue(
            kind=kind,
            to_email=address,
            subject=subject,
            text=text,
            html=html or "",
            headers=headers,
        )


def send_templated(
    kind: str,
    *,
    to: str | User,
    context: Mapping[str, Any],
    template: str | None = None,
    dedupe_key: str | None = None,
    due_at: datetime | None = None,
    attachments: Sequence[tuple[str, str, str]] = (),
) -> OutboxMessage | None:
    """Render the `kind` email for one recipient and queue it for the worker.

    `to` is an address, or a `User`: then their preferences decide whether it is sent at
    all, and an optional kind carries a one-click unsubscribe link (in the body and in the
    RFC 8058 headers). Returns the queued message, or None when nothing was queued.
    """
    user = to if isinstance(to, User) else None
    if user is not None and not wants_email(user, kind):
        return None
    template = template or kind
    context = {"base_url": settings.BASE_URL, "recipient": user, **context}
    headers: dict[str, str] = {}
    if user is not None and kind in OPTIONAL_KINDS:
        link = unsubscribe_url(user=user, kind=kind)
        context["unsubscribe_url"] = link
        context["kind_label"] = EmailKind(kind).label
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = str(render_to_string(f"emails/{template}.txt", context))
    body = render_to_string(f"emails/{template}.html", context)
    footer = ""
    if "unsubscribe_url" in context:
        text = text.rstrip("\n") + "\n\n" + render_to_string("emails/_footer.txt", context)
        footer = render_to_string("emails/_footer.html", context)
    return message_queue(
        kind=kind,
        to_email=user.email if user is not None else str(to),
        recipient=user,
        subject=f"[{settings.SITE_NAME}] {subject}",
        text=text,
        html=in_layout(body, footer),
        headers=headers,
        dedupe_key=dedupe_key,
        due_at=due_at,
        attachments=attachments,
    )


def in_layout(body: str, footer: str = "") -> str:
    """The HTML part of an email: `body` (and `footer`) in our one layout.

    Both must come from our own templates, which escaped what they hold as they were
    rendered."""
    return render_to_string(
        "emails/_layout.html", {"body": mark_safe(body), "footer": mark_safe(footer)}
    )
