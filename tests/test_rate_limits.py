"""Rate limits hold across processes: the lockout after failed sign-ins lives in a shared
cache (the database in the embedded mode, Redis when REDIS_URL is set), so a second web
process, or a restart, does not hand out a fresh set of guesses."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from alliance.accounts.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import links_in_last_mail, page_text, path_of
from tests.outbox.workers import database_url

# Its own database number, so that two runs of the suite side by side (SQLite and
# PostgreSQL, as `make test` runs them) never share a lockout.
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('ALLIANCE_TEST_REDIS_DB', '3')}"
LOCKED = "Too many failed login attempts"

# Signs in once, in a process of its own, the way a second gunicorn worker would.
SIGN_IN_ELSEWHERE = """
import sys
import django

django.setup()
from django.conf import settings
from django.test import Client

# The test process hashed the password with the cheap test hasher.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

browser = Client(HTTP_HOST="127.0.0.1")
response = browser.post("/accounts/login/", {"login": sys.argv[1], "password": sys.argv[2]})
signed_in = "_auth_user_id" in browser.session
print("SIGNED-IN" if signed_in else "REFUSED")
print(response.content.decode())
"""


def sign_in_elsewhere(tmp_path: Path, email: str, password: str, **env: str) -> str:
    environment = {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DATABASE_URL": database_url(),
        "ALLIANCE_DATA_DIR": str(tmp_path / "data"),
        "ALLIANCE_SECRET_KEY": "another-process-secret",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", SIGN_IN_ELSEWHERE, email, password],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fail_five_times(email: str) -> None:
    browser = Client()
    for _ in range(5):
        response = browser.post("/accounts/login/", {"login": email, "password": "wrong guess"})
        assert response.status_code == 200
        assert "_auth_user_id" not in browser.session


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def clean_cache():
    """These tests commit, so their counts would outlive them: a clean slate before and after."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_cache")
def test_a_lockout_in_one_process_holds_in_another_on_the_database_cache(tmp_path):
    ana = make_user("Ana", "ana@example.org")
    fail_five_times(ana.email)
    output = sign_in_elsewhere(tmp_path, ana.email, PASSWORD)
    assert output.startswith("REFUSED")
    assert LOCKED in output


@pytest.fixture
def on_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.usefixtures("on_redis", "clean_cache")
def test_a_lockout_in_one_process_holds_in_another_on_redis(tmp_path):
    ana = make_user("Ana", "ana@example.org")
    fail_five_times(ana.email)
    output = sign_in_elsewhere(tmp_path, ana.email, PASSWORD, REDIS_URL=REDIS_URL)
    assert output.startswith("REFUSED")
    assert LOCKED in output


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_cache")
def test_without_earlier_failures_the_other_process_signs_in(tmp_path):
    """The other process can sign in at all: its refusals above come from the lockout."""
    ana = make_user("Ana", "ana@example.org")
    output = sign_in_elsewhere(tmp_path, ana.email, PASSWORD)
    assert output.startswith("SIGNED-IN")


def test_a_fresh_database_has_the_cache_table(tmp_path):
    """`alliance migrate` alone (as in any deployment) makes the table the cache needs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["ALLIANCE_DATA_DIR"] = str(tmp_path / "data")
    migrate = subprocess.run(
        [sys.executable, "-m", "alliance", "migrate", "--no-input", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    use = subprocess.run(
        [
            sys.executable,
            "-m",
            "alliance",
            "shell",
            "-v",
            "0",
            "-c",
            "from django.core.cache import caches; cache = caches['default']; "
            "cache.set('k', 'kept', 60); print(type(cache).__name__, cache.get('k'))",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert use.returncode == 0, use.stderr
    assert use.stdout.strip() == "DatabaseCache kept"


@pytest.mark.django_db
def test_another_host_name_gets_no_fresh_set_of_guesses(settings):
    """The lockout counts per account, whichever of the allowed names the request used."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "alliance.internal"]
    ana = make_user("Ana", "ana@example.org")
    for host in ["127.0.0.1", "localhost", "alliance.internal", "127.0.0.1", "localhost"]:
        Client(HTTP_HOST=host).post(
            "/accounts/login/", {"login": ana.email, "password": "wrong guess"}
        )
    browser = Client(HTTP_HOST="alliance.internal")
    response = browser.post("/accounts/login/", {"login": ana.email, "password": PASSWORD})
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in browser.session


def make_staff(email: str = "root@example.org", *, verified: bool = True) -> User:
    root = User.objects.create_superuser(email, PASSWORD)
    if verified:
        EmailAddress.objects.create(user=root, email=email, verified=True, primary=True)
    return root


def admin_sign_in(browser: Client, email: str, password: str) -> HttpResponse:
    """Sign in where the admin sends you, with whichever form it shows."""
    start = browser.get("/admin/login/?next=/admin/")
    url = start["Location"] if start.status_code == 302 else "/admin/login/?next=/admin/"
    return browser.post(url, {"username": email, "login": email, "password": password})


@pytest.mark.django_db
def test_the_admin_sign_in_locks_after_five_wrong_passwords():
    root = make_staff()
    browser = Client()
    for _ in range(5):
        admin_sign_in(browser, root.email, "wrong guess")
    response = admin_sign_in(browser, root.email, PASSWORD)
    assert LOCKED in page_text(response)
    assert browser.get("/admin/").status_code == 302
    # Nor does a password posted straight to the admin's own form get around it.
    browser.post(
        "/admin/login/?next=/admin/",
        {"username": root.email, "login": root.email, "password": PASSWORD},
    )
    assert browser.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_staff_sign_in_to_the_admin_through_the_sites_sign_in():
    root = make_staff()
    browser = Client()
    response = admin_sign_in(browser, root.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "Site administration" in page_text(browser.get("/admin/"))


@pytest.mark.django_db
def test_someone_without_staff_rights_signed_in_is_refused_the_admin():
    ana = make_user("Ana", "ana@example.org")
    browser = Client()
    browser.post("/accounts/login/", {"login": ana.email, "password": PASSWORD})
    assert browser.get("/admin/").status_code in (302, 403)
    assert browser.get("/admin/login/?next=/admin/").status_code == 403


@pytest.mark.django_db
def test_a_superuser_from_createsuperuser_confirms_the_address_once_then_gets_in():
    root = make_staff(verified=False)
    browser = Client()
    response = admin_sign_in(browser, root.email, PASSWORD)
    assert response["Location"] == "/accounts/confirm-email/"
    confirm = next(link for link in links_in_last_mail(root.email) if "confirm-email" in link)
    browser.post(path_of(confirm))
    assert "Site administration" in page_text(browser.get("/admin/"))
