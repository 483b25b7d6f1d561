"""`alliance serve`: the embedded mode, and one web process of a larger installation.

It binds the address itself before anything else, so a taken port is one clear message
rather than gunicorn retrying, and it hands the bound socket to gunicorn (`fd://`). It
prints "running at" only once the server answers a request there.
"""

import argparse
import errno
import http.client
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
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alliance.lib.env import (
    allowed_hosts_default,
    envint,
    listen_address,
    loopback_for,
    served_base_url,
)

# How long the web server may take to answer its first request before serve says it is
# slow (and goes on waiting).
STARTUP_SECONDS = 60


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _("%(port)r is not a port number (1 to 65535, or 0 for any free one)") % {"port": text}
        )
    return port


class Command(BaseCommand):
    help = gettext_noop(
        "Start the web server and a background worker, after applying migrations. It prints "
        "the address to open once the server answers there. --host and --port (or HOST and "
        "PORT) choose where it listens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        host, port = listen_address()
        parser.add_argument(
            "--host",
            default=host,
            help=_(
                "Address to listen on: HOST from the environment, else 127.0.0.1 (this "
                "machine only); 0.0.0.0 for every interface. Now: %(default)s."
            ),
        )
        parser.add_argument(
            "--port",
            type=port_number,
            default=port,
            help=_(
                "Port to listen on: PORT from the environment, else 8000; 0 picks a free "
                "one. Now: %(default)s."
            ),
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=envint("WEB_CONCURRENCY", 2),
            help=_("Number of web processes (gunicorn workers): WEB_CONCURRENCY, else 2."),
        )
        parser.add_argument(
            "--no-worker", action="store_true", help=_("Do not start a background worker.")
        )
        parser.add_argument(
            "--startup-seconds",
            type=float,
            default=STARTUP_SECONDS,
            help=_(
                "Seconds to wait for the web server's first answer before warning that it "
                "is slow; serve goes on waiting (default: %(default)s)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"]
        listener = self._listen(host, options["port"])
        port = listener.getsockname()[1]
        env = os.environ.copy()
        if not env.get("ALLIANCE_BASE_URL"):
            env["ALLIANCE_BASE_URL"] = served_base_url(host, port)
        explain_names = host in ("0.0.0.0", "::") and "ALLOWED_HOSTS" not in env
        if explain_names:
            # Its own names, never '*': a forged Host must not get through.
            own_names = allowed_hosts_default(env["ALLIANCE_BASE_URL"], "::1", socket.gethostname())
            env["ALLOWED_HOSTS"] = ",".join(own_names)
        env["ALLIANCE_DATA_DIR"] = str(settings.DATA_DIR)

        self.stdout.write(_("Data directory: %(path)s") % {"path": settings.DATA_DIR})
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database is up to date."))
        # Static files under hashed names, compressed once here rather than per request.
        call_command("collectstatic", interactive=False, verbosity=0)

        self._stopping = False
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        children: list[subprocess.Popen[bytes]] = []
        # Children get process groups of their own: Ctrl-C reaches serve alone, which asks
        # each of them once to stop. A worker signalled twice would stop mid-step and could
        # send a message a second time.
        if not options["no_worker"]:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "alliance", "worker"], env=env, process_group=0
                )
            )
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "alliance.wsgi:application",
                    "--bind",
                    f"fd://{listener.fileno()}",
                    "--workers",
                    str(options["web_workers"]),
                    "--log-level",
                    "warning",
                ],
                env=env,
                pass_fds=(listener.fileno(),),
                process_group=0,
            )
        )
        listener.close()
        answered = self._answers(
            host, port, env["ALLIANCE_BASE_URL"], children, seconds=options["startup_seconds"]
        )
        if answered is None:
            self.stderr.write(
                _(
                    "The web server has not answered at %(url)s/ within %(seconds)g seconds. "
                    'Still waiting: "running at" follows once it answers.'
                )
                % {"url": env["ALLIANCE_BASE_URL"], "seconds": options["startup_seconds"]},
                style_func=self.style.WARNING,
            )
            answered = self._answers(host, port, env["ALLIANCE_BASE_URL"], children, seconds=None)
        if not answered:
            self._stop_all(children)
            if self._stopping:
                return
            raise CommandError(
                _("The web server stopped before it answered at %(url)s/; see its messages above.")
                % {"url": env["ALLIANCE_BASE_URL"]}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Alliance is running at %(url)s/") % {"url": env["ALLIANCE_BASE_URL"]}
            )
        )
        if explain_names:
            self._explain_names(env["ALLOWED_HOSTS"], port)
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                _("Email is written to files in %(path)s") % {"path": settings.EMAIL_FILE_PATH}
            )
        self.stdout.write(_("Press Ctrl+C to stop."))
        self._supervise(children)

    def _listen(self, host: str, port: int) -> socket.socket:
        """A socket bound to host:port and listening, or one clear line on what is wrong."""
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            # As gunicorn does: a restart need not wait for old connections to time out.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(2048)
            return listener
        except OSError as error:
            listener.close()
            where = {"host": host, "port": port}
            if error.errno == errno.EADDRINUSE:
                message = _(
                    "Port %(port)s on %(host)s is already in use by another program. Stop "
                    "it, or choose another port: alliance serve --port %(other)s (or "
                    "PORT=%(other)s make run)."
                ) % {**where, "other": port + 1 if port < 65535 else 8000}
            elif error.errno == errno.EACCES:
                message = (
                    _(
                        "Port %(port)s needs administrator rights here: choose one above 1023 "
                        "(e.g. --port 8000) and let a reverse proxy answer on 80 or 443."
                    )
                    % where
                )
            elif error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
                message = (
                    _(
                        "%(host)s is not a name or address of this machine: use 127.0.0.1 "
                        "(this machine only) or 0.0.0.0 (every interface)."
                    )
                    % where
                )
            else:
                message = _("Cannot listen on %(host)s port %(port)s: %(reason)s") % {
                    **where,
                    "reason": error.strerror or error,
                }
            raise CommandError(message) from None

    def _answers(
        self,
        host: str,
        port: int,
        base_url: str,
        children: list[subprocess.Popen[bytes]],
        *,
        seconds: float | None,
    ) -> bool | None:
        """Wait until the web server answers an HTTP request (any status will do): True.
        False when a child process ends first or serve is told to stop; None when
        `seconds` pass (None: no limit) while the children still run."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while not self._stopping:
            if any(child.poll() is not None for child in children):
                return False
            if deadline is not None and time.monotonic() >= deadline:
                return None
            request = http.client.HTTPConnection(loopback_for(host), port, timeout=5)
            try:
                request.request("GET", "/", headers={"Host": urlsplit(base_url).netloc})
                request.getresponse()
                return True
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
            finally:
                request.close()
        return False

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

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
        try:
            while not self._stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self._stop_all(children)
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not self._stopping:
            raise SystemExit(1)

    @staticmethod
    def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
