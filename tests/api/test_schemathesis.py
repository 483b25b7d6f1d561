"""Schemathesis, a fuzzer we did not write, against the app served for real.

The app runs under gunicorn on a free loopback port with a data directory of its own
(SQLite, filled by tests/api/fuzz_data.py: a party of an alliance with terms, a version,
a conversation, a check-in and a signal), and schemathesis 4 reads its OpenAPI document
and calls every operation with that party's write token: examples, boundary values,
random and invalid input, then sequences of calls along the links it infers from the
responses (stateful). Every check runs (`--checks all`: no 5xx, documented status codes,
content types, headers and bodies, invalid input refused, ...), with a fixed seed and a
bounded number of cases per operation. Any failure fails the test, with schemathesis'
report printed; `pytest -s` prints the number of calls and failures. The operations that
end the fuzzer's own access (revoking its token, leaving its alliance) run last, in a
second pass.

It runs in the SQLite run of `make test` only (marker `schemathesis`): the app it starts
has its own database whatever the test run uses.
"""

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.api.sweep import document
from tests.test_cli import cli_env, free_port

pytestmark = pytest.mark.schemathesis

BIN = Path(sys.executable).parent
SEED = 20261205
# Bounded, for a few thousand calls in a few minutes with the whole API (about 100
# operations) on a shared machine: cases per operation in the fuzzing phase (the coverage
# phase adds its boundary and invalid values for each parameter), and scenarios of at
# most a few calls each in the stateful phase.
CONFIG = """
[generation]
max-examples = 8

[phases.stateful]
max-steps = 6

[phases.stateful.generation]
max-examples = 40

# Schemathesis' "valid data is accepted" check expects 2xx (or a refusal it knows). Our
# services answer 422 naming the field for what no schema says: a title of spaces, a time
# already past, a cursor we never gave out. Everything else of the check stays.
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409", "422"]
"""
# Operations that end the fuzzer's own access (revoking its token, which it learns from
# the list of tokens; leaving its alliance), after which every call would be refused:
# fuzzed in a pass of their own, after every other operation.
LAST = r"^/api/v1/me/tokens/\{token_id\}$|/leave$"


def _data_set(data_dir: Path) -> dict[str, object]:
    made = subprocess.run(
        [sys.executable, "-m", "tests.api.fuzz_data"],
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout.strip().splitlines()[-1])


def _fuzz(base: str, token: str, config: Path, selection: list[str], report: Path) -> int:
    """One schemathesis run, its report written to `report` (readable even if it hangs);
    its exit status."""
    with report.open("w") as out:
        return subprocess.run(
            [
                str(BIN / "st"),
                "--config-file",
                str(config),
                "--no-color",
                "run",
                f"{base}/api/v1/openapi.json",
                "--wait-for-schema",
                "120",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                "--seed",
                str(SEED),
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
                *selection,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=420,
            cwd=config.parent,
        ).returncode


def test_schemathesis_finds_no_failure_in_any_operation(tmp_path):
    data_dir = tmp_path / "data"
    data = _data_set(data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    access_log = tmp_path / "access.log"
    server_log = tmp_path / "server.log"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            # The longest address the fuzzer makes (a query of 4-byte characters, each
            # percent-encoded to 12) fits; gunicorn's default of 4094 bytes would answer
            # an HTML 414 before the app sees the request.
            "--limit-request-line",
            "8190",
            "--access-logfile",
            str(access_log),
            "alliance.wsgi:application",
        ],
        # One person sending thousands of requests: the invitation limits would answer
        # 429 to schema-valid invitations (they are tested in tests/api and
        # tests/test_invitation_limits.py), so they are lifted here.
        env=cli_env(
            data_dir,
            ALLIANCE_BASE_URL=base,
            ALLIANCE_INVITATIONS_PER_HOUR="1000000",
            ALLIANCE_INVITATIONS_PER_ALLIANCE_PER_DAY="1000000",
            ALLIANCE_INVITATION_RESEND_MINUTES="0",
        ),
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads until the end fills with the app's log
        # lines (one per 404) and stops the server mid-run.
        stderr=server_log.open("w"),
    )
    watchdog = threading.Timer(900, server.kill)
    watchdog.start()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    reports = [tmp_path / "most.txt", tmp_path / "last.txt"]
    token = str(data["token"])
    passes = [["--exclude-path-regex", LAST]]
    if any(re.search(LAST, path) for path in document()["paths"]):
        passes.append(["--include-path-regex", LAST])
    try:
        statuses = [
            _fuzz(base, token, config, selection, report)
            for selection, report in zip(passes, reports, strict=False)
        ]
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=30)
    errors = server_log.read_text()
    report = "\n".join(r.read_text() for r in reports if r.exists())
    calls = sum(1 for line in access_log.read_text().splitlines() if "/api/v1/" in line)
    failures = sum(int(n) for n in re.findall(r"found (\d+) unique failure", report))
    print(f"\nschemathesis: {calls} calls, {failures} failures")
    assert "Traceback" not in errors, errors
    assert statuses == [0] * len(passes), report
    assert calls > 100, report  # it reached the app, and more than once per operation
