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
from alliance.alliances.models import Alliance
from alliance.outbox.digests import digest_hold
from alliance.outbox.models import REQUIRED_KINDS, Delivery, EmailKind, OutboxMessage
from alliance.outbox.services import delivery_for, message_queue, unsubscribe_url


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

    `to` is an address, or a `User`: then their preferences decide whether it is sent as
    it happens, held for their daily digest (as its subject line, a link and the alliance
    in `context`), or not at all; and a kind they may turn off carries a one-click
    unsubscribe link (in the body and in the RFC 8058 headers). Returns the queued
    message, or None when nothing was queued.

    A mail with attachments (a calendar invitation) or with no alliance in `context` has
    nothing a digest line could carry or group it by: it goes as it happens.
    """
    user = to if isinstance(to, User) else None
    delivery = delivery_for(user, kind) if user is not None else Delivery.IMMEDIATE
    if delivery == Delivery.OFF:
        return None
    template = template or kind
    context = {"base_url": settings.BASE_URL, "recipient": user, **context}
    alliance = _alliance_in(context)
    if user is not None and delivery == Delivery.DIGEST and alliance and not attachments:
        digest_hold(
            user=user,
            alliance=alliance,
            kind=kind,
            text=_subject(template, context),
            url=str(context.get("url") or ""),
            dedupe_key=dedupe_key,
        )
        return None
    headers: dict[str, str] = {}
    if user is not None and kind not in REQUIRED_KINDS:
        link = unsubscribe_url(user=user, kind=kind)
        context["unsubscribe_url"] = link
        context["kind_label"] = EmailKind(kind).label
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = _subject(template, context)
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


def _subject(template: str, context: Mapping[str, Any]) -> str:
    return " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())


def _alliance_in(context: Mapping[str, Any]) -> Alliance | None:
    """The alliance an email is about: named in its context, or the one of its stake."""
    alliance = context.get("alliance")
    if alliance is None and context.get("stake") is not None:
        alliance = context["stake"].alliance
    return alliance if isinstance(alliance, Alliance) else None


def in_layout(body: str, footer: str = "") -> str:
    """The HTML part of an email: `body` (and `footer`) in our one layout.

    Both must come from our own templates, which escaped what they hold as they were
    rendered."""
    return render_to_string(
        "emails/_layout.html", {"body": mark_safe(body), "footer": mark_safe(footer)}
    )
