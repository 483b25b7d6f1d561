"""Take all my data: the zip holds what its owner may see and nothing more; the worker
builds it in the background, a failure or a dead worker loses nothing, and the emailed
link downloads it once."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alliance.alliances import services as alliance_services
from alliance.core.management.commands.worker import periodic_pass
from alliance.record import documents
from alliance.record.takeout import takeout_zip
from tests.factories import make_user, party_of, propose, ratify_with
from tests.helpers import file_text
from tests.scene import (
    ANA_DRAFT,
    BEN_DRAFT,
    FRED_P1,
    SECRETS,
    Scene,
    scene_fixture,
)


@pytest.fixture(autouse=True)
def _copies_dir(settings, tmp_path):
    settings.DATA_COPY_DIR = tmp_path / "copies"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


def zip_texts(data: bytes | Path) -> dict[str, str]:
    """Every file of a zip, by name, as text (a PDF's as its text and attached data)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        return {name: file_text(name, archive.read(name)) for name in archive.namelist()}


def copy_of(user, tmp_path: Path) -> dict[str, str]:
    target = tmp_path / f"{user.pk}.zip"
    for _ in takeout_zip(user=user, target=target):
        pass
    return zip_texts(target)


def _allowed(persona: str) -> set[str]:
    return {s.marker for s in SECRETS if persona in s.audience}


def run_worker_jobs() -> None:
    for _ in periodic_pass():
        pass


# What is in it ------------------------------------------------------------------------


def test_bens_copy_has_his_drafts_and_nothing_of_anas_nor_of_an_alliance_he_is_not_in(
    scene: Scene, db, tmp_path
):
    files = copy_of(scene.users["other_party"], tmp_path)
    everything = "".join(files.values())
    assert BEN_DRAFT.marker in everything
    assert ANA_DRAFT.marker not in everything
    assert "Zephyr" not in everything
    assert {"README.txt", "account.json", "calendar.ics"} <= set(files)
    account = json.loads(files["account.json"])
    assert account["email"] == "ben@scene.example"
    [entry] = account["alliances"]
    assert entry["relation"] == "party"
    export = json.loads(files[f"{entry['folder']}/alliance.json"])
    assert export["alliance"]["title"] == "Wisteria coaching"
    assert f"{entry['folder']}/versions/version-1.json" in files
    assert "Wisteria coaching" in files["calendar.ics"].replace("\r\n ", "")


def test_someone_who_left_takes_the_versions_they_signed_and_what_they_shared(
    scene: Scene, db, tmp_path
):
    """Fred signed version 1 and shared a reflection, then left; version 2, ratified after,
    is not his to read."""
    alliance = scene.alliance
    ana, ben, cleo = (
        party_of(alliance, scene.users[p]) for p in ("party", "other_party", "late_joiner")
    )
    propose(ana, "We write a short note after each session, wintermoss.")
    ratify_with([ana, ben, cleo])
    files = copy_of(scene.users["former_party"], tmp_path)
    folder = json.loads(files["account.json"])["alliances"][0]["folder"]
    versions = sorted(name for name in files if "/versions/" in name)
    assert versions == [
        f"{folder}/versions/version-1.{kind}"
        for kind in ("json", "md", "pdf")
        if kind != "pdf" or documents.pdf_available()
    ]
    data = json.loads(files[f"{folder}/alliance.json"])
    assert data["relation"] == "former"
    assert [v["number"] for v in data["versions"]] == [1]
    assert [r["text"] for r in data["reflections"]] == [FRED_P1.text]
    everything = "".join(files.values())
    assert "wintermoss" not in everything
    assert "driftwillow" not in everything  # a tending signal raised after he left


def test_an_observer_takes_the_versions_only_while_the_parties_allow_it(scene: Scene, db, tmp_path):
    sam = scene.users["observer"]
    granted = copy_of(sam, tmp_path / "granted")
    assert any("/versions/" in name for name in granted)
    party = party_of(scene.alliance, scene.users["other_party"])
    alliance_services.observer_allowance_set(party=party, grant="versions", agreed=False)
    withheld = copy_of(sam, tmp_path / "withheld")
    assert not any("/versions/" in name for name in withheld)
    assert "tuesdaybriar" not in "".join(withheld.values())


# The command --------------------------------------------------------------------------


def test_export_user_writes_a_zip_that_unzips_and_whose_json_parses(cast, tmp_path):
    target = tmp_path / "ben.zip"
    out, err = io.StringIO(), io.StringIO()
    call_command("export-user", "BEN@example.org", output=target, json=True, stdout=out, stderr=err)
    summary = json.loads(out.getvalue())
    assert summary["file"] == str(target.resolve())
    assert summary["alliances"] == 1
    files = zip_texts(target)
    for name in files:
        if name.endswith(".json"):
            json.loads(files[name])
    assert "alliance.json" in "".join(files)
    assert "1 of 1 alliance written" in err.getvalue()
    assert not list(tmp_path.glob("*.part"))


def test_export_user_refuses_an_unknown_address(db, tmp_path):
    make_user("Ana", "ana@example.org")
    with pytest.raises(CommandError, match=r"No account signs in with nobody@example\.org"):
        call_command("export-user", "nobody@example.org", output=tmp_path / "x.zip")
    assert not list(tmp_path.iterdir())
