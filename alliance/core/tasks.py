from django_tasks import task

from alliance.lib.mail import enqueue_message


@task()
def deliver_email(
    *, to: list[str], subject: str, text: str, html: str | None, headers: dict[str, str]
) -> None:
    """Kept for tasks queued before the outbox existed: moves them into the outbox, so an
    upgrade loses none of them. New code queues through `alliance.lib.mail`."""
    enqueue_message(to=to, subject=subject, text=text, html=html, headers=headers)
