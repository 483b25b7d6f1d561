import pytest

from tests.webhooks.receiver import running_receiver


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    """The receiver listens on loopback: tests allow it, as an operator may. The refusal
    tests turn the setting off again."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    with running_receiver() as receiver:
        yield receiver
