"""What a browser is told (a strict Content-Security-Policy, HSTS as the operator chose) and
what other users of the machine can read of the data directory (nothing)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client

from alliance.accounts.models import User
from tests.factories import PASSWORD, agree_all, propose, ratify_with

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
        if name
    }


def test_every_page_carries_a_strict_content_security_policy(cast, as_coach):
    propose(cast.coach_party, "We meet weekly.")
    agree_all(cast.coach_party)
    agree_all(cast.client_party)
    version = ratify_with([cast.coach_party, cast.client_party])
    staff = User.objects.create_superuser("root@example.org", PASSWORD)
    admin = Client()
    admin.force_login(staff)
    pages = [
        (Client(), "/"),
        (Client(), "/accounts/login/"),
        (as_coach, "/"),
        (as_coach, f"/alliances/{cast.alliance.pk}/"),
        (as_coach, f"/alliances/{cast.alliance.pk}/versions/{version.number}/"),
        (admin, "/admin/"),
        (admin, f"/admin/accounts/user/{staff.pk}/change/"),
    ]
    for browser, url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url
        policy = policy_of(response)
        for directive, value in POLICY.items():
            assert policy.get(directive) == value, (url, directive, policy)
        assert "unsafe" not in response.headers["Content-Security-Policy"]


# Page templates may carry no inline script, no inline style and no on...= handler: the
# policy would block them. Mail templates are not pages (mail clients need inline style).
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=",
    re.IGNORECASE,
)


def page_templates() -> dict[str, Path]:
    roots = [Path(django_settings.BASE_DIR) / "templates"]
    roots += sorted(Path(django_settings.BASE_DIR).glob("*/templates"))
    found = {}
    for root in roots:
        for path in root.rglob("*.html"):
            name = path.relative_to(root).as_posix()
            if not name.startswith(("emails/", "account/email/")):
                found[name] = path
    return found


def test_no_page_template_has_inline_script_style_or_event_handlers():
    templates = page_templates()
    assert "base.html" in templates
    offending = {name for name, path in templates.items() if INLINE.search(path.read_text())}
    assert offending == set()


def test_hsts_covers_subdomains_and_preload_only_when_the_operator_says_so(tmp_path):
    def hsts(**env: str) -> str:
        script = (
            "import django; django.setup(); from django.test import Client; "
            "r = Client(HTTP_HOST='alliance.example.org').get('/', secure=True); "
            "print(r.headers.get('Strict-Transport-Security', ''))"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=fresh_env(
                tmp_path,
                ALLIANCE_BASE_URL="https://alliance.example.org",
                DJANGO_SETTINGS_MODULE="alliance.settings",
                **env,
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert hsts() == "max-age=31536000"
    assert (
        hsts(SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true")
        == "max-age=31536000; includeSubDomains; preload"
    )


def fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")
        and not key.startswith(("ALLIANCE_", "SECURE_"))
    }
    env.update(ALLIANCE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


# Run in a fresh embedded installation; prints each file's mode while the database is open.
EMBEDDED = """
import os
import django

django.setup()
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

call_command("migrate", verbosity=0)
call_command("sendtestemail", "ana@example.org")
cache.set("open", "the database", 60)
data = settings.DATA_DIR
paths = [data, data / "secret_key", data / "mail"]
paths += sorted(data.glob("alliance.sqlite3*")) + sorted((data / "mail").iterdir())
for path in paths:
    print(path.relative_to(data.parent), oct(os.stat(path).st_mode & 0o777))
"""


def test_the_data_directory_and_its_files_are_its_owners_alone(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", EMBEDDED],
        env=fresh_env(tmp_path, DJANGO_SETTINGS_MODULE="alliance.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    modes = dict(line.split() for line in result.stdout.splitlines())
    assert modes.pop("data") == "0o700"
    assert modes.pop("data/mail") == "0o700"
    for name in ["data/secret_key", "data/alliance.sqlite3", "data/alliance.sqlite3-wal"]:
        assert name in modes, modes
    assert any(name.startswith("data/mail/") for name in modes), "a mail file was written"
    assert {name: mode for name, mode in modes.items() if mode != "0o600"} == {}


def test_a_data_directory_made_by_an_earlier_release_is_closed_on_start(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=fresh_env(tmp_path, DJANGO_SETTINGS_MODULE="alliance.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert oct(data.stat().st_mode & 0o777) == "0o700"
