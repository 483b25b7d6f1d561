"""A real SMTP server for the outbox tests (aiosmtpd, on a free loopback port)."""

from collections.abc import Iterator

import pytest

from tests.outbox.smtp import SMTPSink, running_smtp_server


@pytest.fixture
def smtp_server() -> Iterator[SMTPSink]:
    with running_smtp_server() as sink:
        yield sink


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Send through the real SMTP server, and only when a test says so."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.OUTBOX_SEND_IMMEDIATELY = False
    return smtp_server


@pytest.fixture
def queued(settings):
    """Mail stays in the outbox until a test sends it with `send_due`."""
    settings.OUTBOX_SEND_IMMEDIATELY = False
