"""Run real `alliance worker` processes against the test database (tests and bench)."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from alliance.outbox.models import OutboxMessage


def database_url() -> str:
    """The database this process uses now (the test database under pytest), as a URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        assert str(db["NAME"]).startswith("/"), "worker processes need a database file"
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll `condition` until it holds or `deadline` seconds have passed."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up after {deadline} s waiting for {what}")
        time.sleep(0.01)


class WorkerProcess:
    def __init__(self, name: str, email_url: str, directory: Path, *args: str, **env: str):
        self.name = name
        self.log = directory / f"worker-{name}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "EMAIL_URL": email_url,
            "ALLIANCE_DATA_DIR": str(directory / "data"),
            "ALLIANCE_SECRET_KEY": "worker-test-secret",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        command = [sys.executable, "-m", "alliance", "worker", "--worker-id", name]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [*command, "--no-startup-delay", *args],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, deadline: float = 30) -> None:
        wait_until(
            lambda: "Starting worker" in self.output() or self.process.poll() is not None,
            deadline,
            f"worker {self.name} to start",
        )
        assert self.process.poll() is None, f"worker {self.name} died:\n{self.output()}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=15)


def queue_plain_messages(count: int) -> list[str]:
    """Queue `count` messages at once; returns their Message-IDs."""
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="account",
            to_email=f"person{i}@example.org",
            subject=f"Message {i}",
            text=f"Body of message {i}.",
        )
        for i in range(count)
    )
    return [row.message_id for row in rows]


def all_sent(count: int) -> bool:
    return OutboxMessage.objects.filter(state="sent").count() == count
