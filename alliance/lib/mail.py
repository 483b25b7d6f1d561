"""Outgoing email: rendered here, sent by a background worker.

Each kind of message has three templates in `templates/emails/`: `<kind>_subject.txt`,
`<kind>.txt` and `<kind>.html`. Enqueueing happens inside the caller's transaction, so a
message exists exactly when the change it announces was saved.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from alliance.core.tasks import deliver_email

# (filename, content, MIME type), e.g. ("invite.ics", "BEGIN:VCALENDAR...", "text/calendar")
Attachment = tuple[str, str, str]


def enqueue_message(
    *,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    deliver_email.enqueue(
        to=list(to),
        subject=subject,
        text=text,
        html=html,
        headers=dict(headers or {}),
        attachments=[list(a) for a in attachments],
    )


def send_templated(
    kind: str, *, to: str, context: Mapping[str, Any], attachments: Sequence[Attachment] = ()
) -> None:
    """Render the `kind` email for one recipient and hand it to the worker."""
    context = {"base_url": settings.BASE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
    enqueue_message(
        to=[to],
        subject=f"[Alliance] {subject}",
        text=render_to_string(f"emails/{kind}.txt", context),
        html=render_to_string(f"emails/{kind}.html", context),
        attachments=attachments,
    )
