"""The `alliance` console script as a person meets it: its own exit codes and output.

Each test runs the installed script in a subprocess with a data directory of its own, so
it sees what a terminal would: the overview, the version, one line for a bad setting or an
unreachable database, a taken port, and the demo's links opening on the served address.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from alliance.cli import overview
from alliance.lib.env import data_dir_default

ALLIANCE = str(Path(sys.executable).with_name("alliance"))
CHECKOUT = Path(__file__).resolve().parent.parent
README = (CHECKOUT / "README.md").read_text()
# Set by a developer's shell or by other tests, each would change what the script does.
NOT_INHERITED = {
    "ALLIANCE_DATA_DIR",
    "ALLIANCE_BASE_URL",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "EMAIL_URL",
    "HOST",
    "PORT",
}


def cli_env(data_dir: Path | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    if data_dir is not None:
        env["ALLIANCE_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def alliance(*args: str, data_dir: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ALLIANCE, *args],
        env=cli_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def section(output: str, title: str) -> list[tuple[str, ...]]:
    """The rows under `title` in the overview, each as (left column, right column)."""
    lines = output.split(f"\n{title}\n", 1)[1].splitlines()
    rows = [line for line in lines[: lines.index("")] if line.startswith("  ")]
    return [tuple(re.split(r"\s{2,}", row.strip(), maxsplit=1)) for row in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_version_is_alliances_own():
    result = alliance("--version", data_dir=None)
    assert result.returncode == 0
    assert result.stdout == f"Alliance {version('alliance')}\n"


def test_help_leads_with_alliances_commands_and_keeps_djangos_behind_help_all(tmp_path):
    """Run from elsewhere with no ALLIANCE_DATA_DIR, it also shows the data directory rule:
    the checkout's data/, as `make run` uses, never the home directory."""
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [ALLIANCE, "--help"],
        env=cli_env(None, HOME=str(home)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"Alliance {version('alliance')}: ")
    commands = dict(section(out, "Commands:"))
    ours = {path.stem for path in CHECKOUT.glob("alliance/*/management/commands/[!_]*.py")}
    ours -= {"flush"}  # Django's, adjusted to empty the record too: behind `help --all`
    assert list(commands)[:3] == ["serve", "worker", "demo"]
    assert ours <= set(commands)
    assert {"migrate", "check", "createsuperuser"} <= set(commands)
    assert not {"makemigrations", "dbshell", "flush", "db_worker"} & set(commands)
    for name, summary in commands.items():
        assert summary.endswith("."), name
    assert "Examples:" in out
    assert "alliance help --all" in out
    environment = dict(section(out, "Environment (as it is now):"))
    assert environment["ALLIANCE_DATA_DIR"] == f"data directory: {CHECKOUT / 'data'}"
    assert not (home / ".local").exists()
    # Every variable it names is explained in the README's configuration table.
    for names in environment:
        for name in names.split(", "):
            assert f"| `{name}` |" in README, name

    everything = alliance("help", "--all", data_dir=tmp_path / "data")
    assert everything.returncode == 0
    assert "makemigrations" in everything.stdout
    assert "dbshell" in everything.stdout


def test_the_default_data_directory_is_the_checkouts_or_the_users(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    checkout = tmp_path / "alliance-src"
    (checkout / "alliance").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'alliance'\n")
    assert data_dir_default(checkout / "alliance") == checkout / "data"

    installed = tmp_path / "site-packages" / "alliance"
    installed.mkdir(parents=True)
    assert data_dir_default(installed) == tmp_path / "share" / "alliance"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir_default(installed) == tmp_path / "home" / ".local" / "share" / "alliance"


def test_an_upgraded_checkout_keeps_the_data_directory_its_service_used(tmp_path, monkeypatch):
    """Earlier releases ran a checkout's `.venv/bin/alliance` on ~/.local/share/alliance:
    while the checkout's data/ holds no database, that one stays in use rather than a new
    empty database and secret key."""
    checkout = tmp_path / "alliance-src"
    (checkout / "alliance").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'alliance'\n")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    earlier = tmp_path / "share" / "alliance"
    earlier.mkdir(parents=True)
    assert data_dir_default(checkout / "alliance") == checkout / "data"
    (earlier / "alliance.sqlite3").write_bytes(b"")
    assert data_dir_default(checkout / "alliance") == earlier
    (checkout / "data").mkdir()
    (checkout / "data" / "alliance.sqlite3").write_bytes(b"")
    assert data_dir_default(checkout / "alliance") == checkout / "data"


def test_help_says_when_the_data_directory_is_an_earlier_releases(tmp_path, monkeypatch, settings):
    monkeypatch.delenv("ALLIANCE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings.DATA_DIR = tmp_path / "alliance"
    environment = dict(section(overview(), "Environment (as it is now):"))
    assert environment["ALLIANCE_DATA_DIR"] == (
        f"data directory: {tmp_path / 'alliance'} (an earlier release's, in use while "
        f"{CHECKOUT / 'data'} holds no database)"
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DATABASE_URL", "mongodb://ana:s3cret-pw@db/alliance", "not a database Alliance can use"),
        ("DATABASE_URL", "postgres://ana:s3cret-pw@db:port/alliance", "percent-encoded"),
        ("DATABASE_URL", "mysql://ana:s3cret-pw@db/alliance", "does not support"),
        ("EMAIL_URL", "smtp-tls://ana:s3cret-pw@mail.example.org", "must start with smtp://"),
        ("EMAIL_URL", "smtp://ana:s3cret-pw@mail.example.org:port", "percent-encoded"),
        ("ALLIANCE_DATA_DIR", "/dev/null/alliance", "cannot make the data directory"),
    ],
)
def test_a_bad_setting_is_one_line_and_a_failure(tmp_path, variable, value, says):
    result = alliance("check", data_dir=tmp_path / "data", **{variable: value})
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"alliance: {variable}")
    assert says in line
    assert "s3cret-pw" not in line


def test_an_unreachable_postgresql_is_one_line_and_a_failure(tmp_path):
    result = alliance(
        "migrate", data_dir=tmp_path / "data", DATABASE_URL="postgres://ana:pw@127.0.0.1:1/x"
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("alliance: cannot connect to the database (PostgreSQL x on 127.0.0.1:1)")
    assert "refused" in line
    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture
def empty_database(tmp_path, db) -> Iterator[str]:
    """A database with no tables, on the engine the suite runs on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    settings = connection.settings_dict
    name = f"alliance_cli_empty_{uuid.uuid4().hex[:8]}"
    server = dict(
        host=settings["HOST"] or "localhost",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_database_without_tables_asks_for_migrate_in_one_line(tmp_path, empty_database):
    for command in ("send_reminders", "worker"):
        result = alliance(command, data_dir=tmp_path / "data", DATABASE_URL=empty_database)
        assert result.returncode == 1, command
        [line] = result.stderr.splitlines()
        assert "is not set up yet: run `alliance migrate` first" in line, command


def test_serve_on_a_taken_port_says_so_and_starts_nothing(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = alliance("serve", data_dir=tmp_path / "data", PORT=str(port))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert f"Port {port} on 127.0.0.1 is already in use by another program" in line
    assert "--port" in line
    assert "running at" not in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["70000", "-5"])
@pytest.mark.parametrize("base_url", [None, "https://alliance.example.org"])
def test_a_port_out_of_range_is_one_line_and_starts_nothing(tmp_path, port, base_url):
    """The range argparse checks for --port holds for PORT too, with or without a base URL
    (without one, the settings derive it from PORT)."""
    extra = {"ALLIANCE_BASE_URL": base_url} if base_url else {}
    result = alliance("serve", data_dir=tmp_path / "data", PORT=port, **extra)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line == (
        f"alliance: PORT must be a port number from 1 to 65535 (or 0 for any free one), not {port}"
    )


def test_demo_on_a_fresh_data_directory_links_to_the_served_address(tmp_path):
    """`alliance demo` sets up the database itself and prints links on the address `serve`
    prints for the same PORT; `serve` says "running at" only once that address answers,
    and the demo's links open there at once."""
    port = str(free_port())
    demo = alliance("demo", data_dir=tmp_path / "data", PORT=port)
    assert demo.returncode == 0, demo.stderr
    base = f"http://127.0.0.1:{port}"
    [sign_in] = re.findall(rf"Sign in at ({base}/\S+) ", demo.stdout)
    [page] = re.findall(rf"Their alliance: ({base}/alliances/\d+/)$", demo.stdout, re.M)
    assert "coach@demo.alliance.test  password: alliance-demo" in demo.stdout

    serve = subprocess.Popen(
        [ALLIANCE, "serve", "--web-workers", "1", "--no-worker"],
        env=cli_env(tmp_path / "data", PORT=port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(90, serve.kill)
    watchdog.start()
    try:
        assert serve.stdout is not None
        lines = iter(serve.stdout.readline, "")
        announced = next((line for line in lines if "running at" in line), "")
        assert announced.strip() == f"Alliance is running at {base}/"
        # No retry: the address answers the moment it is announced.
        with urllib.request.urlopen(sign_in, timeout=10) as response:
            assert response.status == 200
            assert 'name="password"' in response.read().decode()
        with urllib.request.urlopen(page, timeout=10) as response:
            assert response.url.startswith(f"{base}/accounts/login/")
    finally:
        watchdog.cancel()
        serve.terminate()
        serve.communicate(timeout=30)
