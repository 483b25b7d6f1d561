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


def test_the_worker_runs_queued_tasks_too(database_queue, settings):
    """`alliance worker` is also a django-tasks worker: a queued flush runs and sends."""
    from alliance.lib.mail import enqueue_message
    from alliance.outbox.tasks import flush_outbox

    settings.OUTBOX_SEND_IMMEDIATELY = False
    enqueue_message(to=["ben@example.org"], subject="Hi", text="Hello")
    flush_outbox.enqueue()
    call_command(
        "worker", "--batch", "--no-startup-delay", "--outbox-interval", "3600", verbosity=0
    )
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


@pytest.mark.parametrize(("derived", "warned"), [(True, True), (False, False)])
def test_a_worker_without_a_named_base_url_warns_at_start(
    database_queue, settings, caplog, derived, warned
):
    """Derived from HOST and PORT, the base URL may name a host only this machine reaches,
    and every link the worker emails starts with it."""
    settings.DEBUG = False
    settings.BASE_URL_DERIVED = derived
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("ALLIANCE_BASE_URL is not set" in text for text in warnings) == warned
