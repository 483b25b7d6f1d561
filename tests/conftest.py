from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from tests.factories import PASSWORD, join, make_alliance, make_user, party_of


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, keep the test database in a file rather than in memory, so worker
    processes started by a test (tests/outbox/test_workers.py) can open it too."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Run background tasks and send queued mail at once, so tests see their mail in
    `mail.outbox`; hash passwords cheaply, since nothing here guards a real account."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.OUTBOX_SEND_IMMEDIATELY = True
    settings.FRAGMENTS_VERIFY = True
    caches["fragments"].clear()
    # allauth's rate limits count in the cache: a table in the test database, so each
    # test's counts go away with its transaction (tests that commit clear it themselves).


@dataclass
class Cast:
    """The people of most tests: a coach and a client in one alliance, and an outsider."""

    coach: User
    client: User
    outsider: User
    alliance: Alliance

    @property
    def coach_party(self) -> Party:
        return party_of(self.alliance, self.coach)

    @property
    def client_party(self) -> Party:
        return party_of(self.alliance, self.client)


@pytest.fixture
def cast(db) -> Cast:
    coach = make_user("Ana", "ana@example.org")
    client = make_user("Ben", "ben@example.org")
    outsider = make_user("Olga", "olga@example.org")
    alliance = make_alliance(coach, title="Coaching: Ana and Ben")
    join(alliance, client)
    return Cast(coach=coach, client=client, outsider=outsider, alliance=alliance)


def login(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def as_coach(cast) -> Client:
    return login(cast.coach)


@pytest.fixture
def as_client(cast) -> Client:
    return login(cast.client)


@pytest.fixture
def as_outsider(cast) -> Client:
    return login(cast.outsider)


@pytest.fixture
def rarely_swept(monkeypatch):
    """No sweep but a periodic job's first pass: every later pass reads only what changed
    since the one before, its slice of the rolling sweep empty (a round of the longest
    time there is; see alliance.outbox.marks)."""
    from alliance.outbox import marks

    monkeypatch.setattr(marks, "SWEEP_EVERY", timedelta.max)


@pytest.fixture
def always_swept(monkeypatch):
    """Every pass of a periodic job a sweep, which reads everything the job could owe."""
    from alliance.outbox import marks

    monkeypatch.setattr(marks, "SWEEP_EVERY", timedelta(0))
