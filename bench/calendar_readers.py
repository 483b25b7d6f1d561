"""Count how our calendar files read in other people's readers.

Builds every kind of calendar file (tests/calendar_outputs.py: invitations, updates after
a move, a cancellation, a download, five people's feeds) in a fresh SQLite database, reads
each with icalendar, vobject and recurring-ical-events, and prints the checks and the
failures, per reader and per kind of file.

    .venv/bin/python bench/calendar_readers.py               # counts, failures listed
    .venv/bin/python bench/calendar_readers.py --dump DIR    # also write the files and
                                                             # expected.json for ical.js

`--dump` writes what bench/calendar_readers_icaljs.mjs reads: each .ics file, and
expected.json with the windows and, per file, each UID's instants as we mean them.
"""

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="alliance-calendar-bench-"))
os.environ["ALLIANCE_DATA_DIR"] = str(WORK)
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
settings.OUTBOX_SEND_IMMEDIATELY = True
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
setup_test_environment()  # mail goes to django.core.mail.outbox

from tests.calendar_outputs import READERS, WINDOWS, calendar_files, reading_checks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, help="write the files and expected.json here")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    files = calendar_files()
    checks = reading_checks(files)
    kinds = {f.name: f.kind for f in files}

    def group(check) -> str:
        reader = check.what.split(":", 1)[0]
        return reader if reader in READERS else "structure"

    total, failed = Counter(), Counter()
    for check in checks:
        for key in (group(check), f"{group(check)} / {kinds[check.file]}"):
            total[key] += 1
            failed[key] += not check.ok
    print(f"{len(files)} files, {len(checks)} checks, {sum(not c.ok for c in checks)} failed")
    for key in sorted(total):
        print(f"  {key:42} {total[key]:4} checks {failed[key]:4} failed")
    for check in checks:
        if not check.ok:
            print(f"FAIL {check.file}: {check.what}: {check.detail}")
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for file in files:
            (args.dump / file.name).write_bytes(file.content)
        expected = {
            "windows": [[begin.isoformat(), end.isoformat()] for begin, end in WINDOWS],
            "files": {
                f.name: {
                    "kind": f.kind,
                    "events": {
                        uid: sorted(m.isoformat() for m in moments)
                        for uid, moments in f.expected.items()
                    },
                }
                for f in files
            },
        }
        (args.dump / "expected.json").write_text(json.dumps(expected, indent=1))
        print(f"Wrote {len(files)} files and expected.json to {args.dump}")


if __name__ == "__main__":
    main()
