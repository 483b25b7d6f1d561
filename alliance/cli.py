"""The `alliance` command: Alliance's own commands first, Django's behind `help --all`.

Every command is a Django management command; this entry point adds what a person typing
`alliance` needs around them: `--version`, an overview that leads with Alliance's commands,
examples and the environment, and one clear line with a non-zero exit, instead of a
traceback, when the configuration or the database is wrong (`--traceback` shows it anyway).
"""

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import NoReturn

import django
from django.conf import settings
from django.core import management
from django.core.exceptions import ImproperlyConfigured
from django.core.management import (
    execute_from_command_line,
    find_commands,
    get_commands,
    load_command_class,
)
from django.db.utils import OperationalError, ProgrammingError
from django.utils.translation import gettext as _

from alliance.core.database import database_described, migrations_pending, not_set_up_message
from alliance.lib.env import envstr, listen_address, user_data_dir

# Alliance's commands in the order a newcomer meets them; any other command of an
# `alliance.*` app follows, alphabetically.
ALLIANCE_ORDER = ["serve", "worker", "demo", "coach", "send_reminders"]


def main() -> None:
    args = sys.argv[1:]
    if args in (["--version"], ["version"]):
        print(f"Alliance {version('alliance')}")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    with one_line_errors(show_traceback="--traceback" in args):
        django.setup()
        if args in ([], ["help"], ["-h"], ["--help"]):
            sys.stdout.write(overview())
        elif args == ["help", "--all"]:
            execute_from_command_line(["alliance", "help"])
        else:
            execute_from_command_line(["alliance", *args])


@contextmanager
def one_line_errors(*, show_traceback: bool) -> Iterator[None]:
    """Turn a configuration or database error into one line on stderr and exit status 1."""
    try:
        yield
    except ImproperlyConfigured as error:
        if show_traceback:
            raise
        fail(str(error))
    except (OperationalError, ProgrammingError) as error:
        if show_traceback:
            raise
        fail(database_problem(error))
    except BrokenPipeError:
        # The reader went away (`alliance alliances --json | head`): nothing more to say,
        # and Python must not try again to flush what it could not write.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def fail(message: str) -> NoReturn:
    sys.stderr.write(f"alliance: {message}\n")
    sys.exit(1)


def database_problem(error: Exception) -> str:
    """What went wrong with the database, in one line: unreachable, not set up, or else."""
    described = database_described()
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if raised_while_connecting(error):
        return _("cannot connect to the database (%(database)s): %(reason)s") % {
            "database": described,
            "reason": reason,
        }
    try:
        pending = migrations_pending()
    except Exception:
        # Asking the database failed too: its own reason, below, is the best we have.
        pending = 0
    if pending:
        return not_set_up_message()
    return _("the database (%(database)s) refused: %(reason)s") % {
        "database": described,
        "reason": reason,
    }


def raised_while_connecting(error: Exception) -> bool:
    """Whether the error came from opening the connection (Django's backends all open it
    in `get_new_connection`) rather than from a query on an open one."""
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_name == "get_new_connection":
            return True
        frame = frame.tb_next
    return False


def overview() -> str:
    """`alliance --help`: Alliance's commands, examples, and the environment as it is now."""
    django_commands = {
        "migrate": _("Create or update the database's tables (serve and demo do it first)."),
        "check": _("Check the configuration; with --deploy, for a production server."),
        "createsuperuser": _("Create an account that may use /admin/."),
        "changepassword": _("Set a new password for an account, by its email address."),
    }
    # Django's own commands that Alliance only adjusts (flush) stay behind `help --all`.
    djangos = set(find_commands(os.path.dirname(management.__file__)))
    ours = {
        name: app
        for name, app in get_commands().items()
        if app.startswith("alliance.") and name not in djangos
    }
    ordered = [name for name in ALLIANCE_ORDER if name in ours]
    ordered += sorted(set(ours) - set(ALLIANCE_ORDER))
    commands = [
        (name, first_sentence(_(load_command_class(ours[name], name).help))) for name in ordered
    ]
    commands += list(django_commands.items())
    host, port = listen_address()
    examples = [
        ("alliance serve", _("start Alliance at %(url)s/") % {"url": settings.BASE_URL}),
        ("HOST=0.0.0.0 PORT=9000 alliance serve", _("listen on every interface, port 9000")),
        ("alliance demo", _("create a coach and a client to sign in as")),
        ('echo "You never listen." | alliance coach', _("ask the feedback coach")),
        ("alliance verify alliance-3.json", _("check that an exported record is intact")),
        ("alliance alliances --user ana@example.org --json", _("her alliances, for a script")),
        (
            "alliance token create --user ana@example.org --name CRM",
            _("a token for the JSON API at /api/v1/"),
        ),
        ("DATABASE_URL=postgres://db/alliance alliance migrate", _("set up PostgreSQL")),
        ("alliance check --deploy", _("check a production configuration")),
    ]
    environment = [
        ("ALLIANCE_DATA_DIR", data_dir_described()),
        ("DATABASE_URL", _("database: %s") % database_described()),
        ("ALLIANCE_BASE_URL", _("address in every link: %s") % settings.BASE_URL),
        ("EMAIL_URL", _("mail: %s") % mail_described()),
        ("HOST, PORT", _("where serve listens: %(host)s, %(port)s") % {"host": host, "port": port}),
    ]
    lines = [
        _("Alliance %(version)s: design how a relationship will work, agree to it, keep it alive.")
        % {"version": version("alliance")},
        "",
        _("Usage: alliance COMMAND [OPTIONS]   (alliance COMMAND --help for its options)"),
        "",
        _("Commands:"),
        *columns(commands),
        "",
        _("Examples:"),
        *columns(examples),
        "",
        _("Environment (as it is now):"),
        *columns(environment),
        _("Every variable is in the Configuration table of the README."),
        "",
        _("Django's developer commands (shell, dbshell, makemigrations, ...): alliance help --all"),
    ]
    return "\n".join(lines) + "\n"


def first_sentence(text: str) -> str:
    return re.split(r"(?<=\.)\s", text.strip(), maxsplit=1)[0]


def columns(rows: list[tuple[str, str]]) -> list[str]:
    width = max(len(left) for left, _right in rows)
    return [f"  {left.ljust(width)}  {right}" for left, right in rows]


def data_dir_described() -> str:
    """The data directory in use, and why when it is an earlier release's (see
    `alliance.lib.env.data_dir_default`)."""
    checkout = settings.BASE_DIR.parent
    kept_from_earlier_release = (
        not envstr("ALLIANCE_DATA_DIR")
        and (checkout / "pyproject.toml").is_file()
        and user_data_dir().resolve() == settings.DATA_DIR
    )
    if kept_from_earlier_release:
        return _(
            "data directory: %(path)s (an earlier release's, in use while %(checkout)s "
            "holds no database)"
        ) % {"path": settings.DATA_DIR, "checkout": checkout / "data"}
    return _("data directory: %s") % settings.DATA_DIR


def mail_described() -> str:
    backend = settings.EMAIL_BACKEND
    if backend.endswith("filebased.EmailBackend"):
        return _("written to files in %(path)s") % {"path": settings.EMAIL_FILE_PATH}
    if backend.endswith("smtp.EmailBackend"):
        return _("sent through %(host)s:%(port)s") % {
            "host": settings.EMAIL_HOST,
            "port": settings.EMAIL_PORT,
        }
    return backend.rsplit(".", 2)[-2]


if __name__ == "__main__":
    main()
