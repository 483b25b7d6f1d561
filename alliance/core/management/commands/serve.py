import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Run Alliance: apply migrations, start the web server and a background worker, "
        "and print the address to open. HOST and PORT choose where it listens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="Number of web processes (gunicorn workers).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a background worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        env = os.environ.copy()
        if "ALLIANCE_BASE_URL" not in env:
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            env["ALLIANCE_BASE_URL"] = f"http://{shown}:{port}"
        explain_names = host in ("0.0.0.0", "::") and "ALLOWED_HOSTS" not in env
        if explain_names:
            env["ALLOWED_HOSTS"] = ",".join(self._own_names(env["ALLIANCE_BASE_URL"]))
        env["ALLIANCE_DATA_DIR"] = str(settings.DATA_DIR)

        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")

        children: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            children.append(subprocess.Popen([sys.executable, "-m", "alliance", "worker"], env=env))
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "alliance.wsgi:application",
                    "--bind",
                    f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                    "--workers",
                    str(options["web_workers"]),
                    "--log-level",
                    "warning",
                ],
                env=env,
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Alliance is running at {env['ALLIANCE_BASE_URL']}/"))
        if explain_names:
            self._explain_names(env["ALLOWED_HOSTS"], port)
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(f"Email is written to files in {settings.EMAIL_FILE_PATH}")
        self.stdout.write("Press Ctrl+C to stop.")
        self._supervise(children)

    @staticmethod
    def _own_names(base_url: str) -> list[str]:
        """The names a server listening on every interface answers to: the base URL's host,
        this machine by name and loopback. Never '*': a forged Host must not get through."""
        names = [urlsplit(base_url).hostname or "", "localhost", "127.0.0.1", "[::1]"]
        names.append(socket.gethostname())
        return list(dict.fromkeys(name for name in names if name))

    def _explain_names(self, allowed: str, port: int) -> None:
        self.stdout.write(
            _("Listening on every interface; answering to %(names)s.")
            % {"names": allowed.replace(",", ", ")}
        )
        self.stdout.write(
            _(
                "To open Alliance by another name or address, set ALLIANCE_BASE_URL to the "
                "address people open (it is used in emailed links), e.g. "
                "ALLIANCE_BASE_URL=http://alliance.lan:%(port)s, or list every name in "
                "ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=alliance.lan,192.168.1.20"
            )
            % {"port": port}
        )

    def _supervise(self, children: list[subprocess.Popen[bytes]]) -> None:
        """Run until a signal or until a child dies; then stop them all."""
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(1)
