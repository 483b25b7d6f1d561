"""Tiny typed readers for configuration from the environment.

Each fails loudly on a value it cannot understand, so a typo in a deployment is an error
at start-up rather than a silently ignored setting.
"""

import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, fallback_file: Path) -> str:
    """Read a secret from NAME, from the file named by NAME_FILE, or from fallback_file.

    When none exists yet, a new random secret is generated and kept in fallback_file, so
    the embedded mode survives restarts without anyone having to invent a key.
    """
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    if fallback_file.exists():
        return fallback_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    secret = get_random_secret_key()
    fallback_file.touch(mode=0o600)
    fallback_file.write_text(secret)
    return secret


# The SQLite database's file name inside the data directory.
DATABASE_FILE = "alliance.sqlite3"


def user_data_dir() -> Path:
    """`$XDG_DATA_HOME/alliance` (`~/.local/share/alliance`): where an installed Alliance
    keeps its data, and where a checkout's `.venv/bin/alliance` kept it in earlier releases."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "alliance"


def data_dir_default(package_dir: Path) -> Path:
    """Where Alliance keeps its data when ALLIANCE_DATA_DIR is unset.

    Run from a source checkout (the package sits next to its pyproject.toml, as with
    `make run` or `.venv/bin/alliance` after `make install`), it is the checkout's `data/`,
    whatever the current directory: `make run`, `make demo` and `.venv/bin/alliance demo`
    share one database. Installed as a package, it is `user_data_dir()`.

    Earlier releases ran a checkout's `.venv/bin/alliance` on `user_data_dir()`: while the
    checkout's `data/` holds no database and that directory does, it stays in use, so an
    upgraded service keeps its database and secret key instead of starting empty.
    """
    checkout = package_dir.parent
    if not (checkout / "pyproject.toml").is_file():
        return user_data_dir()
    earlier = user_data_dir()
    if not (checkout / "data" / DATABASE_FILE).exists() and (earlier / DATABASE_FILE).exists():
        return earlier
    return checkout / "data"


def listen_address() -> tuple[str, int]:
    """Where `alliance serve` listens unless its options say otherwise: HOST and PORT, or
    127.0.0.1 and 8000."""
    port = envint("PORT", 8000)
    if not 0 <= port <= 65535:
        raise ImproperlyConfigured(
            f"PORT must be a port number from 1 to 65535 (or 0 for any free one), not {port}"
        )
    return envstr("HOST") or "127.0.0.1", port


def loopback_for(host: str) -> str:
    """The address that reaches, from this machine, a server listening on `host`: loopback
    for one listening on every interface (0.0.0.0, ::), else `host` itself."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def _url_host(host: str) -> str:
    """`host` as a URL or a Host header carries it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def served_base_url(host: str, port: int) -> str:
    """The address to open for a server listening on host:port."""
    return f"http://{_url_host(loopback_for(host))}:{port}"


def allowed_hosts_default(base_url: str, *more: str) -> list[str]:
    """The Host names Alliance answers to unless ALLOWED_HOSTS says otherwise: the base
    URL's host, localhost, 127.0.0.1 and `more`. Django matches an IPv6 address in its
    brackets, as the Host header carries it."""
    names = [urlsplit(base_url).hostname or "localhost", "localhost", "127.0.0.1", *more]
    return list(dict.fromkeys(_url_host(name) for name in names if name))


def mail_domain(base_url: str) -> str:
    """The base URL's host as the domain of a mail address or a Message-ID: a name as it
    is, an IP address as the literal mail writes it in brackets ([192.0.2.1],
    [IPv6:::1]), since a bare `::1` is no domain at all."""
    host = urlsplit(base_url).hostname or "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


# The databases Alliance is built and tested for, by the Django engine dj-database-url picks.
_ENGINES = {"django.db.backends.sqlite3": "SQLite", "django.db.backends.postgresql": "PostgreSQL"}


def envdatabase(name: str, default: str) -> dict[str, Any]:
    """Django's DATABASES entry from the URL in NAME (or default).

    The message never repeats the URL: it may hold a password.
    """
    import dj_database_url

    url = os.environ.get(name) or default
    example = "postgres://user:password@host:5432/alliance"
    try:
        database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except dj_database_url.UnknownSchemeError:
        raise ImproperlyConfigured(
            f"{name} starts with {url.partition(':')[0]}:, which is not a database Alliance "
            f"can use: give a PostgreSQL address such as {example}, or leave it unset for SQLite"
        ) from None
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} is not a database address Alliance can read: write it as {example} "
            "(a password with @, : or / in it must be percent-encoded, e.g. %40 for @)"
        ) from None
    if database["ENGINE"] not in _ENGINES:
        raise ImproperlyConfigured(
            f"{name} names a database Alliance does not support: use PostgreSQL ({example}), "
            "or leave it unset for SQLite"
        )
    if not database.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database: add it after the host, {example}")
    return database


def envemail(name: str, default: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from the URL in NAME (or default), without repeating it."""
    import dj_email_url

    url = os.environ.get(name) or default
    example = "smtp://user:password@mail.example.org:587/?tls=True"
    scheme = url.partition(":")[0]
    if scheme not in dj_email_url.SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with smtp://, submission:// (SMTP with STARTTLS), file: or "
            f"console:, e.g. {example}"
        )
    try:
        return dict(dj_email_url.parse(url))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} is not a mail server address Alliance can read: write it as {example} "
            "(a password with @, : or / in it must be percent-encoded, e.g. %40 for @)"
        ) from None
