"""The practice on the command line: `alliance alliances`, `alliance alliance`, `alliance
export`, `alliance verify --json` and `alliance token`, each run as the installed script in
a subprocess against the test database, as an operator would run it against theirs.

Each prints one JSON document with --json, one clear line and exit status 1 when what it
names is not there, 2 for a wrong use; progress goes to standard error only when it is a
terminal; and no command shows anyone's reflection or a signal's note.
"""

import io
import json
import os
import pty
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import AccessToken
from alliance.conversations import services as conversation_services
from alliance.tending import services as tending_services
from tests.api.client import ApiClient
from tests.conftest import Cast, login
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import join, make_alliance, make_user, propose, ratify_with
from tests.outbox.workers import database_url
from tests.test_cli import ALLIANCE, cli_env

pytestmark = pytest.mark.django_db(transaction=True)

SHARED = "I-shared-marker-quill"
DRAFT = "My-private-draft-marker-fern"
NOTE = "Signal-note-marker-moss"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ALLIANCE, *args],
        env=cli_env(tmp_path / "data", DATABASE_URL=database_url()),
        capture_output=True,
        text=True,
        timeout=120,
    )


def parsed(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line_failure(result: subprocess.CompletedProcess[str], says: str) -> None:
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert says in line
    assert "Traceback" not in result.stderr


@pytest.fixture
def lived(cast: Cast) -> Cast:
    """Ana and Ben ratified version 1, have a change under discussion, a rhythm, an open
    signal, a shared reflection and Ana's draft; Ana also observes Olga's alliance."""
    ana, ben = cast.coach_party, cast.client_party
    propose(ana, "We meet every second Tuesday.")
    ratify_with([ana, ben])
    propose(ana, "We write by email between sessions.", category="communication")
    tending_services.rhythm_set(
        party=ana,
        starts_on=datetime(2027, 1, 12, tzinfo=UTC).date(),
        at_time=time(10, 0),
        rule="FREQ=WEEKLY;INTERVAL=6",
    )
    tending_services.signal_raise(party=ben, note=NOTE)
    stake = plant(ana)
    prompt = first_prompt(stake)
    share(ben, stake, prompt, SHARED)
    conversation_services.reflection_save(
        party=ana, stake_id=stake.pk, prompt_id=prompt.pk, text=DRAFT, revision=None
    )
    join(
        make_alliance(cast.outsider, title="Olga's team", kind="team"), cast.coach, "sponsor", True
    )
    return cast


def test_alliances_lists_a_persons_alliances_with_their_version_and_parties(tmp_path, lived):
    listed = parsed(run(tmp_path, "alliances", "--user", "ANA@example.org", "--json"))
    assert listed["user"] == "ana@example.org"
    assert [(a["title"], a["kind"], a["version"], a["observer"]) for a in listed["alliances"]] == [
        ("Olga's team", "team", None, True),
        ("Coaching: Ana and Ben", "coaching", 1, False),
    ]
    coaching = listed["alliances"][1]
    assert coaching["id"] == lived.alliance.pk
    assert [(p["name"], p["email"], p["role"]) for p in coaching["parties"]] == [
        ("Ana", "ana@example.org", "coach"),
        ("Ben", "ben@example.org", "client"),
    ]

    human = run(tmp_path, "alliances", "--user", "ana@example.org")
    assert human.returncode == 0
    assert "ana@example.org is in 2 alliances:" in human.stdout
    assert f"{lived.alliance.pk}  Coaching: Ana and Ben [Coaching, version 1 in force]" in (
        human.stdout
    )
    assert "Ana (coach), Ben (client)" in human.stdout
    assert human.stderr == ""  # no terminal, no progress


def test_a_missing_person_is_one_line_and_a_missing_option_a_usage_error(tmp_path, db):
    one_line_failure(
        run(tmp_path, "alliances", "--user", "nobody@example.org"),
        "No account signs in with nobody@example.org.",
    )
    usage = run(tmp_path, "alliances")
    assert usage.returncode == 2
    assert "the following arguments are required: --user" in usage.stderr


def test_alliance_shows_terms_draft_checkins_and_signal_counts_but_no_private_text(tmp_path, lived):
    alliance_id = str(lived.alliance.pk)
    shown = parsed(run(tmp_path, "alliance", alliance_id, "--json"))
    assert shown["title"] == "Coaching: Ana and Ben"
    assert shown["version"]["number"] == 1
    assert [p["name"] for p in shown["parties"]] == ["Ana", "Ben"]
    assert shown["terms"] == [{"category": "rhythm", "text": "We meet every second Tuesday."}]
    assert shown["draft"]["changes"] is True
    [change] = shown["draft"]["terms"]
    assert change["text"] == "We write by email between sessions."
    assert change["change"] == "new"
    assert (change["agreed_by"], change["waiting_on"]) == (["Ana"], ["Ben"])
    assert shown["checkins"]["next_at"] == "2027-01-12T10:00:00+00:00"
    assert shown["checkins"]["rhythm"] == "every 6 weeks"
    assert shown["signals"] == {"open": 1, "acknowledged": 0}

    human = run(tmp_path, "alliance", alliance_id)
    assert human.returncode == 0
    text = human.stdout
    assert "Terms in force (version 1, ratified" in text
    assert "Rhythm and touch points: We meet every second Tuesday." in text
    assert "[new] We write by email between sessions.  (waiting on Ben)" in text
    assert "Next check-in: 12 January 2027, 10:00 UTC (every 6 weeks)." in text
    assert "Tending signals: 1 open, 0 acknowledged." in text
    for output in (text, json.dumps(shown)):
        for private in (SHARED, DRAFT, NOTE):
            assert private not in output

    one_line_failure(run(tmp_path, "alliance", "999999"), "There is no alliance 999999.")
    assert run(tmp_path, "alliance", "three").returncode == 2


def test_export_is_the_parties_own_export_from_the_page_and_verifies(tmp_path, lived):
    alliance_id = str(lived.alliance.pk)
    printed = parsed(run(tmp_path, "export", alliance_id, "--user", "ben@example.org"))
    page = login(lived.client).get(f"/alliances/{alliance_id}/export.json").json()
    assert printed["format"] == "alliance-export/2"
    assert {**printed, "exported_at": None} == {**page, "exported_at": None}
    # Ben's export holds what he shared, never Ana's draft.
    assert SHARED in json.dumps(printed)
    assert DRAFT not in json.dumps(printed)

    target = tmp_path / "alliance.json"
    written = parsed(
        run(
            tmp_path,
            "export",
            alliance_id,
            "--user",
            "ana@example.org",
            "--output",
            str(target),
            "--json",
        )
    )
    assert written == {
        "alliance": lived.alliance.pk,
        "user": "ana@example.org",
        "format": "alliance-export/2",
        "file": str(target),
        "bytes": target.stat().st_size,
    }
    assert DRAFT in target.read_text()  # her own draft, in her own export
    verified = parsed(run(tmp_path, "verify", str(target), "--json"))
    assert verified["intact"] is True

    one_line_failure(
        run(tmp_path, "export", alliance_id, "--user", "olga@example.org"),
        f"olga@example.org is not a party of an alliance {alliance_id}.",
    )
    one_line_failure(
        run(tmp_path, "export", alliance_id, "--user", "ana@example.org", "--output", "/no/dir/x"),
        "Could not write /no/dir/x: No such file or directory",
    )


def test_verify_of_an_alliance_in_the_database_speaks_json(tmp_path, lived):
    propose(lived.coach_party, "Another.")
    report = parsed(run(tmp_path, "verify", "--alliance", str(lived.alliance.pk), "--json"))
    assert report["intact"] is True
    assert report["findings"]


def test_a_token_made_on_the_command_line_works_until_it_is_revoked(tmp_path, cast):
    made = run(
        tmp_path,
        "token",
        "create",
        "--user",
        "ana@example.org",
        "--name",
        "CRM",
        "--scope",
        "write",
        "--expires-days",
        "30",
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert made.stdout == secret + "\n"  # alone, for TOKEN=$(alliance token create ...)
    assert "shown only now" in made.stderr
    assert ApiClient(token=secret).get("/api/v1/me").json()["email"] == "ana@example.org"
    token = AccessToken.objects.get(user=cast.coach)
    assert token.scope == "write"
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - token.created_at <= timedelta(days=30)

    listed = parsed(run(tmp_path, "token", "list", "--user", "ana@example.org", "--json"))
    [row] = listed["tokens"]
    assert (row["id"], row["name"], row["scope"], row["state"]) == (
        token.pk,
        "CRM",
        "write",
        "usable",
    )
    assert row["last_used_at"] is not None
    assert secret not in json.dumps(listed)
    table = run(tmp_path, "token", "list", "--user", "ana@example.org")
    assert table.stdout.splitlines()[0].split() == [
        "ID", "NAME", "SCOPE", "STARTS", "STATE", "EXPIRES", "LAST", "USED",
    ]  # fmt: skip
    assert f"{token.hint}…" in table.stdout

    one_line_failure(
        run(tmp_path, "token", "revoke", "--user", "ben@example.org", str(token.pk)),
        f"ben@example.org has no token {token.pk}.",
    )
    assert ApiClient(token=secret).get("/api/v1/me").status_code == 200
    revoked = parsed(
        run(tmp_path, "token", "revoke", "--user", "ana@example.org", str(token.pk), "--json")
    )
    assert revoked["state"] == "revoked"
    assert ApiClient(token=secret).get("/api/v1/me").status_code == 401


def test_a_token_as_json_carries_its_secret_once_and_bad_input_makes_none(tmp_path, cast):
    made = parsed(
        run(tmp_path, "token", "create", "--user", "ben@example.org", "--name", "x", "--json")
    )
    assert (made["scope"], made["expires_at"]) == ("read", None)
    assert ApiClient(token=made["secret"]).get("/api/v1/me").status_code == 200
    one_line_failure(
        run(tmp_path, "token", "create", "--user", "ben@example.org", "--name", "  "),
        "Name the token after what will use it",
    )
    one_line_failure(
        run(
            tmp_path,
            "token",
            "create",
            "--user",
            "ben@example.org",
            "--name",
            "y",
            "--expires-days",
            "0",
        ),
        "--expires-days must be from 1 to 730, not 0.",
    )
    wrong_scope = run(
        tmp_path, "token", "create", "--user", "ben@example.org", "--name", "z", "--scope", "all"
    )
    assert wrong_scope.returncode == 2
    assert AccessToken.objects.filter(user=cast.client).count() == 1


@pytest.mark.parametrize("command", ["alliances", "alliance", "export", "token", "verify"])
def test_help_teaches_by_example_and_the_overview_lists_the_command(tmp_path, command):
    result = subprocess.run(
        [ALLIANCE, command, "--help"],
        env=cli_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert f"alliance {command} " in result.stdout.split("examples:")[1]
    assert "--json" in result.stdout
    overview = subprocess.run(
        [ALLIANCE, "--help"], env=cli_env(tmp_path / "data"), capture_output=True, text=True
    )
    assert f"\n  {command} " in overview.stdout


def test_progress_goes_to_a_terminal_only(tmp_path, lived):
    """On a terminal, standard error shows what the export is doing and clears the line;
    piped (the other tests), it stays empty."""
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [ALLIANCE, "export", str(lived.alliance.pk), "--user", "ana@example.org"],
            env=cli_env(tmp_path / "data", DATABASE_URL=database_url()),
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=120,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0
    assert json.loads(result.stdout)["format"] == "alliance-export/2"
    screen = shown.decode()
    assert "\rExporting “Coaching: Ana and Ben”…" in screen
    assert screen.endswith("\r")  # the line is cleared for the prompt


def test_listing_reads_as_many_queries_for_1_or_20_alliances(db):
    ana = make_user("Ana", "ana@example.org")

    def listed() -> tuple[int, int]:
        out = io.StringIO()
        with CaptureQueriesContext(connection) as captured:
            call_command("alliances", "--user", "ana@example.org", "--json", stdout=out)
        return len(captured), len(json.loads(out.getvalue())["alliances"])

    join(make_alliance(make_user(), title="A0"), ana)
    queries, count = listed()
    assert count == 1
    for n in range(1, 20):
        join(make_alliance(make_user(), title=f"A{n}"), ana)
    assert listed() == (queries, 20)
