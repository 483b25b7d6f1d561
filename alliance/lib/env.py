"""Tiny typed readers for configuration from the environment.

Each fails loudly on a value it cannot understand, so a typo in a deployment is an error
at start-up rather than a silently ignored setting.
"""

import os
from pathlib import Path

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
