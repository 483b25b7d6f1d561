"""The `alliance` command: serve on a fresh data directory, and the demo."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alliance.accounts.models import User
from alliance.alliances.selectors import dashboard_entries, dashboard_for
from alliance.conversations.selectors import conversation_for
from alliance.record.verify import verify_alliance


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DATABASE_URL", "ALLIANCE_BASE_URL", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(ALLIANCE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    """The status and body of a GET, with the Host header a browser would send for `host`."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def serving(tmp_path: Path, *args: str, **env: str) -> Iterator[tuple[int, list[str]]]:
    """Run `alliance serve` until its home page answers; yield the port and, once the
    server stopped, its output (in the list)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "alliance", "serve", "--web-workers", "1", *args],
        env=serve_env(tmp_path, PORT=str(port), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.2)
        yield port, output
    finally:
        process.terminate()
        output.append(process.communicate(timeout=30)[0])


def test_serve_starts_on_a_fresh_data_directory_and_answers(tmp_path: Path):
    with serving(tmp_path, HOST="127.0.0.1") as (port, output):
        _, body = fetch(f"http://127.0.0.1:{port}/")
        assert "Make explicit how you will work together." in body
        status, _ = fetch(f"http://127.0.0.1:{port}/static/alliance/alliance.css")
        assert status == 200
        assert (tmp_path / "data" / "alliance.sqlite3").exists()
        assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
    assert f"Alliance is running at http://127.0.0.1:{port}/" in output[0]
    assert "Email is written to files in" in output[0]


def test_serve_waits_for_a_slow_web_server_and_says_so(tmp_path: Path):
    """A web server slower than --startup-seconds is warned about, not stopped: serve
    goes on and says "running at" once it answers."""
    with serving(tmp_path, "--startup-seconds", "0") as (port, output):
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
    said = output[0]
    warning = "The web server has not answered at"
    assert warning in said
    assert "Still waiting" in said
    assert said.index(warning) < said.index(f"Alliance is running at http://127.0.0.1:{port}/")
    assert "stopped before it answered" not in said


def test_serve_on_every_interface_answers_its_own_names_only(tmp_path: Path):
    with serving(tmp_path, "--host", "0.0.0.0") as (port, output):
        url = f"http://127.0.0.1:{port}/"
        for host in [f"127.0.0.1:{port}", f"localhost:{port}", socket.gethostname()]:
            assert fetch(url, host)[0] == 200, host
        assert fetch(url, f"evil.example:{port}")[0] == 400
    assert "ALLIANCE_BASE_URL" in output[0]
    assert socket.gethostname() in output[0]


def test_serve_on_every_interface_answers_an_ipv6_base_url(tmp_path: Path):
    """Django matches an IPv6 Host in brackets, as a browser sends it for
    http://[2001:db8::5]/; serve's own list of names must carry it that way too."""
    base_url = "http://[2001:db8::5]"
    with serving(tmp_path, "--host", "0.0.0.0", ALLIANCE_BASE_URL=base_url) as (port, output):
        url = f"http://127.0.0.1:{port}/"
        assert fetch(url, f"[2001:db8::5]:{port}")[0] == 200
        assert fetch(url, "[2001:db8::6]")[0] == 400
    assert "[2001:db8::5]" in output[0]


def test_a_wildcard_in_allowed_hosts_stops_alliance_with_a_clear_message(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "alliance", "check"],
        env=serve_env(tmp_path, ALLOWED_HOSTS="alliance.example.org,*"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
    assert "any Host" in result.stderr


def test_demo_creates_a_ratified_alliance_with_a_pending_change(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "coach@demo.alliance.test" in out
    assert "client@demo.alliance.test" in out
    coach = User.objects.get(email="coach@demo.alliance.test")
    [entry] = dashboard_entries(dashboard_for(coach).cards)
    assert entry.alliance.current_version.number == 1
    assert entry.next_step == "1 term needs your consent"
    assert verify_alliance(entry.alliance).intact
    stake = entry.alliance.stakes.get()
    assert stake.state == "scheduled"
    conversation = conversation_for(entry.party, stake)
    assert sum(board.revealed for board in conversation.boards) == 3
    # Common ground is found for the prompt a page shows.
    shown = [conversation.board(board.prompt.pk) for board in conversation.boards]
    grounds = [board.ground for board in shown if board and board.ground]
    assert [item.label for ground in grounds for item in ground.shared] == [
        "every two weeks",
        "honest",
    ]
    assert entry.alliance.rhythm.next_at is not None
    assert entry.alliance.terms.filter(origins__isnull=False).count() == 1
    with pytest.raises(CommandError, match="exists already"):
        call_command("demo")


def test_a_production_configuration_passes_the_deploy_check(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests relax Django's async guard for themselves; a deployment must not.
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        ALLIANCE_DATA_DIR=str(tmp_path),
        ALLIANCE_BASE_URL="https://alliance.example.org",
        EMAIL_URL="smtp://alliance:secret@mail.example.org:587/?tls=True",
    )
    result = subprocess.run(
        [sys.executable, "-m", "alliance", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_asks_for_the_base_url_people_open(tmp_path: Path):
    """Without ALLIANCE_BASE_URL the links in mail would name the address the server
    listens on, derived from HOST and PORT: an error for a deployment."""
    result = subprocess.run(
        [sys.executable, "-m", "alliance", "check", "--deploy"],
        env=serve_env(tmp_path, HOST="10.0.0.7", PORT="8000"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "alliance.E001" in result.stderr
    assert "ALLIANCE_BASE_URL is not set; emailed links would use http://10.0.0.7:8000" in (
        result.stderr
    )


def test_the_models_and_their_migrations_agree(db):
    """A model change without its migration would reach an operator's database as an
    error at the first query."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
