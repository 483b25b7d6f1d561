from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def deliver_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str | None,
    headers: dict[str, str],
    attachments: list[list[str]] | None = None,
) -> None:
    """Send one rendered email. Runs in a background worker (`alliance worker`)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
