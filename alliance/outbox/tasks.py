from django_tasks import task

from alliance.outbox.services import send_due


@task()
def flush_outbox(limit: int = 100) -> int:
    """Send every due message now; returns how many were sent.

    `alliance worker` drains the outbox by itself and needs no such task. This one is for
    installations that run another django-tasks backend (Celery, RQ) instead, from their
    scheduler, and for an operator who wants a flush on demand.
    """
    sent = 0
    while True:
        report = send_due(limit=limit)
        sent += report.sent
        if report.claimed < limit:
            return sent
