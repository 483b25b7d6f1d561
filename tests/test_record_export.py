"""An exported file verifies on its own: with `alliance verify FILE` and no database at all,
and with the README's few lines of standard Python; one changed byte is found and named."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alliance.alliances.models import Event
from alliance.record.verify import verify_export
from tests.conftest import login
from tests.factories import propose, ratify_with
from tests.test_cli import alliance as alliance_command
from tests.test_cli import cli_env

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture
def exported(cast) -> dict:
    propose(cast.coach_party, "We meet weekly.")
    propose(cast.coach_party, "Sessions last an hour.")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    propose(cast.client_party, "We review every quarter.")
    ratify_with([cast.client_party, cast.coach_party])
    response = login(cast.client).get(f"/alliances/{cast.alliance.pk}/export.json")
    return json.loads(response.content)


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_the_export_carries_what_each_hash_seals(cast, exported):
    assert exported["format"] == "alliance-export/2"
    assert exported["alliance"]["id"] == cast.alliance.pk
    first = exported["versions"][0]
    assert first["scheme"] == 2
    assert first["previous_hash"] == ""
    assert first["names"][str(cast.client_party.pk)]["name"] == "Ben"
    assert len(first["names"][str(cast.client_party.pk)]["salt"]) == 32
    lines = exported["history"]
    assert [line["position"] for line in lines] == list(range(1, len(lines) + 1))
    stored = Event.objects.get(alliance=cast.alliance, position=1)
    assert lines[0]["content_hash"] == stored.content_hash
    assert (lines[0]["kind"], lines[0]["actor"], lines[0]["who"]) == (
        "created",
        cast.coach.pk,
        "Ana",
    )
    assert verify_export(exported).intact


def test_one_changed_byte_of_the_file_names_the_place(exported):
    tampered = json.loads(json.dumps(exported))
    tampered["versions"][1]["snapshot"]["terms"][0]["text"] += "!"
    [problem] = verify_export(tampered).problems
    assert (problem.where, problem.detail) == (
        "version 2",
        "its content no longer matches its hash",
    )

    tampered = json.loads(json.dumps(exported))
    tampered["history"][4]["at"] = tampered["history"][4]["at"].replace("+00:00", "+00:01")
    [problem] = verify_export(tampered).problems
    assert problem.where == "history line 5"


def test_alliance_verify_checks_a_file_with_no_database_reachable(tmp_path, exported):
    unreachable = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    good = write(tmp_path / "alliance.json", exported)
    result = alliance_command("verify", str(good), data_dir=tmp_path / "data", **unreachable)
    assert result.returncode == 0, result.stderr
    first, *findings = result.stdout.splitlines()
    assert first == "The record is intact: exported file."
    assert findings[0].startswith("OK       version 1: recomputed the hash of version 1")

    tampered = json.loads(json.dumps(exported))
    tampered["history"][2]["data"]["title"] = "Something else"
    tampered["history"][6]["content_hash"] = "f" * 64
    bad = write(tmp_path / "tampered.json", tampered)
    result = alliance_command("verify", str(bad), data_dir=tmp_path / "data", **unreachable)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "The record was changed: exported file."
    # Problems come first, each on one line, then what held.
    assert lines[1] == "CHANGED  history line 3: its content no longer matches its hash"
    assert lines[2] == "CHANGED  history line 7: its content no longer matches its hash"
    assert lines[3] == "CHANGED  history line 8: it no longer links to the line before it"
    assert lines[4].startswith("OK       version 1")

    result = alliance_command(
        "verify", "--json", str(bad), data_dir=tmp_path / "data", **unreachable
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["intact"] is False
    assert {k: report["findings"][0][k] for k in ("where", "ok")} == {
        "where": "history line 3",
        "ok": False,
    }


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.json", None, "Cannot read"),
        ("broken.json", "{not json", "is not JSON"),
        ("old.json", '{"format": "alliance-export/1"}', "not an Alliance export in the format"),
        ("notes.txt", "hello", "give a .json, .md or .pdf file"),
    ],
)
def test_an_unreadable_input_is_exit_status_2_and_one_line(tmp_path, name, content, says):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = alliance_command("verify", str(path), data_dir=tmp_path / "data")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert says in line
    assert result.stdout == ""


@pytest.mark.parametrize("suffix", ["md", "pdf"])
def test_alliance_verify_checks_a_record_file_with_no_database(cast, exported, tmp_path, suffix):
    """The Markdown and PDF records, as downloaded from the version page: intact as they
    came, and a changed term (one byte) is found and named."""
    response = login(cast.client).get(f"/alliances/{cast.alliance.pk}/versions/2/export.{suffix}")
    assert response.status_code == 200
    path = tmp_path / f"version-2.{suffix}"
    path.write_bytes(response.content)
    data_dir = tmp_path / "no-database-here"
    result = alliance_command("verify", str(path), data_dir=data_dir)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.startswith("The record is intact")

    if suffix == "md":
        tampered = response.content.replace(b"every quarter.", b"every quarteR.")
    else:  # its text is compressed: one flipped byte in the middle of the file
        middle = len(response.content) // 2
        flipped = bytes([response.content[middle] ^ 0x01])
        tampered = response.content[:middle] + flipped + response.content[middle + 1 :]
    assert tampered != response.content
    path.write_bytes(tampered)
    result = alliance_command("verify", str(path), data_dir=data_dir)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr


def test_alliance_verify_checks_an_alliance_in_the_database(cast, exported, capsys):
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exit_status:
        call_command("verify", "--alliance", str(cast.alliance.pk))
    assert exit_status.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"The record is intact: alliance {cast.alliance.pk}, “Coaching: Ana")

    with pytest.raises(SystemExit) as exit_status:
        call_command("verify", "--alliance", str(cast.alliance.pk + 1000))
    assert exit_status.value.code == 2
    assert f"There is no alliance {cast.alliance.pk + 1000}." in capsys.readouterr().err


def readme_recipe() -> str:
    readme = (CHECKOUT / "README.md").read_text()
    section = readme.split("## Verify a record yourself", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def run_recipe(tmp_path: Path, export: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "check.py"
    script.write_text(readme_recipe())
    # -S: no site-packages, so nothing but the standard library can be imported.
    return subprocess.run(
        [sys.executable, "-S", str(script), str(export)],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(None),
    )


def test_the_readme_recipe_verifies_an_export_and_finds_what_was_changed(tmp_path, exported):
    result = run_recipe(tmp_path, write(tmp_path / "good.json", exported))
    assert (result.returncode, result.stdout, result.stderr) == (0, "OK\n", "")

    tampered = json.loads(json.dumps(exported))
    tampered["versions"][0]["snapshot"]["signatures"][0]["role"] = "boss"
    tampered["history"][3]["kind"] = "left"
    result = run_recipe(tmp_path, write(tmp_path / "tampered.json", tampered))
    assert result.stdout == "BROKEN: version 1, history line 4\n", result.stderr
