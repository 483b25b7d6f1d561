import socket

import pytest

from tests.webhooks.receiver import running_receiver

# What names under example.org resolve to in these tests: a public address, so that the
# address checks pass them; nothing is ever sent there (see `_loopback_only`).
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    """The receiver listens on loopback: tests allow it, as an operator may. The refusal
    tests turn the setting off again."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """No network beyond loopback: names under example.org resolve without asking DNS,
    and a connection anywhere but loopback fails as an unreachable host would."""
    resolve, connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and (host == "example.org" or host.endswith(".example.org")):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port or 0))]
        return resolve(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"no network beyond loopback in tests ({address[0]})")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture
def receiver():
    with running_receiver() as receiver:
        yield receiver
