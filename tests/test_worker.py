"""Mail leaves through the outbox and a real worker, queued in the caller's transaction."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from alliance.alliances import services
from alliance.outbox.models import OutboxMessage
from tests.factories import make_alliance, make_user, party_of

# The worker commits and closes its connection as a real one does, so these tests run
# outside the per-test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.OUTBOX_SEND_IMMEDIATELY = False


def test_a_queued_invitation_is_sent_by_the_worker(database_queue):
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    services.invitation_create(party=party_of(alliance, ana), email="ben@example.org")
    assert mail.outbox == []
    assert OutboxMessage.objects.filter(state="queued").count() == 1
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert OutboxMessage.objects.get().state == "sent"


def test_the_worker_still_runs_queued_tasks(database_queue):
    """Tasks queued before the outbox existed reach the outbox, then the mail server."""
    from alliance.core.tasks import deliver_email

    deliver_email.enqueue(to=["ben@example.org"], subject="Hi", text="Hello", html=None, headers={})
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [m.subject for m in mail.outbox] == ["Hi"]


def test_no_mail_is_queued_when_the_change_fails(database_queue):
    ana = make_user("Ana")
    alliance = make_alliance(ana)
    party = party_of(alliance, ana)

    def request_that_dies() -> None:
        with transaction.atomic():
            services.invitation_create(party=party, email="ben@example.org")
            raise RuntimeError("the request died after the invitation was written")

    with pytest.raises(RuntimeError):
        request_that_dies()
    assert not OutboxMessage.objects.exists()
    assert not alliance.invitations.exists()
