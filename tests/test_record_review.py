"""Probes of the record's promises by a reviewer who did not build them (issue 13)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.test import Client

from alliance.accounts.erasure import AlreadyErased, account_erase
from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance, Event, Invitation
from alliance.record import documents, takeout
from alliance.record.models import DataCopy
from alliance.record.verify import verify_alliance, verify_export
from alliance.terms.models import Version
from tests.factories import join, make_user, party_of, propose, ratify_with
from tests.scene import BEN_DRAFT, scene_fixture


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


def _texts_containing(pattern: re.Pattern[str]) -> list[str]:
    """Every stored text or JSON value in the database matching `pattern`, as
    "table.column #pk: excerpt"."""
    found = []
    for model in apps.get_models():
        columns = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model._base_manager.all().values("pk", *[f.attname for f in columns]):
            for column in columns:
                value = row[column.attname]
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                text = text.replace("\\r\\n ", "").replace("\r\n ", "")
                hit = pattern.search(text)
                if hit:
                    start = max(0, hit.start() - 60)
                    found.append(
                        f"{model._meta.db_table}.{column.attname} #{row['pk']}: "
                        f"{text[start : hit.end() + 60]}"
                    )
    return found


def test_after_erasure_the_database_holds_neither_his_address_nor_his_drafts(db, scene):
    """Every text and JSON column of every table, after Ben erased his account: his address
    and his unshared draft are nowhere, his name nowhere in the record's names, and every
    chain still verifies. Left, and reported: mail already sent to the others keeps his
    name, and the calendar invitations they were sent list his address (outbox rows)."""
    ben = scene.users["other_party"]
    account_erase(ben)
    found = _texts_containing(re.compile(rf"ben@scene\.example|{BEN_DRAFT.marker}"))
    assert [line for line in found if not line.startswith("outbox_outboxmessage.")] == [], found
    names = _texts_containing(re.compile(r"\bBen\b"))
    record = ("terms_version.", "alliances_event.", "accounts_user.", "alliances_invitation.")
    assert [line for line in names if line.startswith(record)] == []
    for alliance in Alliance.objects.all():
        assert verify_alliance(alliance).intact


def test_a_name_marked_erased_by_a_tamperer_is_found(db, scene):
    """Marking a changed name "erased" skips its commitment: the database must tell
    whether that signer really was erased, under that pseudonym."""
    version = Version.objects.get(alliance=scene.alliance, number=1)
    names = dict(version.names)
    key = next(iter(names))
    names[key] = {"name": "Mallory", "erased": True}
    Version.objects.filter(pk=version.pk).update(names=names)
    report = verify_alliance(scene.alliance)
    assert not report.intact
    assert "Mallory" in report.problems[0].detail


def test_the_record_refuses_every_way_of_rewriting_it(db, scene):
    """Updates by queryset and raw SQL, deletes of rows, of the alliance, of a signer."""
    for attempt in [
        lambda: Version.objects.filter(alliance=scene.alliance).update(number=9),
        lambda: Event.objects.filter(alliance=scene.alliance).update(data={}),
        lambda: Version.objects.bulk_update(
            [Version(pk=v.pk, content_hash="0" * 64) for v in Version.objects.all()],
            ["content_hash"],
        ),
        lambda: connection.cursor().execute("UPDATE alliances_event SET kind = 'x'"),
        lambda: connection.cursor().execute("DELETE FROM terms_version"),
        lambda: Version.objects.filter(alliance=scene.alliance).delete(),
        lambda: Event.objects.filter(alliance=scene.alliance).delete(),
        lambda: scene.alliance.delete(),
        lambda: scene.users["other_party"].delete(),
        lambda: scene.users["former_party"].delete(),
    ]:
        with pytest.raises((IntegrityError, ProtectedError)), transaction.atomic():
            attempt()


def test_nothing_empty_or_of_another_shape_verifies_as_intact(db):
    for text in ["", "# nothing\n", "hello"]:
        assert not documents.verify_markdown(text).intact, text
    for data in [b"", b"%PDF-1.4\n%%EOF", b"junk"]:
        assert not documents.verify_pdf(data).intact, data
    for data in [
        {},
        [],
        None,
        {"format": "alliance-export/2"},
        {"format": "alliance-export/2", "versions": [], "history": [], "alliance": {"id": 1}},
        {
            "format": "alliance-export/2",
            "versions": {"a": 1},
            "history": "xx",
            "alliance": {"id": 1},
        },
        {
            "format": "alliance-export/2",
            "versions": [
                {
                    "number": 1,
                    "snapshot": {},
                    "scheme": 2,
                    "previous_hash": "",
                    "content_hash": "x",
                    "names": 5,
                }
            ],
            "history": [],
            "alliance": {"id": 1},
        },
    ]:
        assert not verify_export(data).intact, data


def test_odd_input_on_the_record_pages_answers_without_a_server_error(db, scene):
    browser = scene.client("party")
    aid = scene.alliance.pk
    for url in [
        f"/alliances/{aid}/versions/0/export.md",
        f"/alliances/{aid}/versions/99999999999999999999999/export.pdf",
        f"/alliances/{aid}/versions/99/print/",
        "/alliances/99999999999999999999999/export.md",
        "/alliances/0/export.pdf",
        "/profile/data/%00/",
        "/profile/data/" + "x" * 5000 + "/",
        "/profile/data/..%2F..%2Fetc/",
        "/profile/data/ünï/",
    ]:
        assert browser.get(url).status_code < 500, url
        assert browser.post(url).status_code < 500, url
    for email in ["x" * 100000, "\x00", "ana@scene.example\x00", "ünï@x"]:
        answer = browser.post("/profile/erase/", {"email": email, "password": "\x00" * 10})
        assert answer.status_code < 500
    assert browser.put("/profile/erase/").status_code < 500
    assert browser.post("/profile/data/", {"x": "y"}).status_code < 500
    assert User.objects.filter(pk=scene.users["party"].pk, erased_at__isnull=True).exists()


def _flipped(content: bytes, at: int) -> bytes:
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


@pytest.mark.parametrize("path", ["export.md", "versions/1/export.md"])
def test_one_changed_byte_anywhere_in_a_markdown_record_is_found(db, scene, path):
    """Every byte but those of the language the record is shown in (which says nothing
    the record claims): a newline changed into a vertical tab, a key of the names renamed
    so that a name reads as erased, text added after the data."""
    content = scene.client("party").get(f"/alliances/{scene.alliance.pk}/{path}").content
    assert documents.verify_markdown(content.decode()).intact
    language = content.index(b'"language": "en"')
    unfound = []
    for at in range(len(content)):
        if language <= at < language + len(b'"language": "en"'):
            continue
        try:
            text = _flipped(content, at).decode()
        except UnicodeDecodeError:
            continue
        if documents.verify_markdown(text).intact:
            unfound.append(content[max(0, at - 20) : at + 20])
    assert unfound == []
    added = content.decode() + "\n## Amendment\n\nBen pays for every session twice.\n"
    [problem] = documents.verify_markdown(added).problems
    assert "Text follows the embedded data" in problem.detail


def test_a_copy_finished_while_its_owner_is_erased_leaves_no_file(
    db, scene, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The worker wrote the whole zip when the person erased their account, before it
    could mark the copy ready: the file holds their data and nobody will ever fetch it."""
    settings.DATA_COPY_DIR = tmp_path
    ben = scene.users["other_party"]
    claimed = takeout.data_copy_claim(DataCopy.objects.create(user=ben).pk)
    build = takeout.data_copy_build(claimed)
    progress = DataCopy.objects.filter(pk=claimed.pk)
    next(build)
    while progress.get().alliances_done < progress.get().alliances_total:
        next(build)
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(ben)
    with pytest.raises(takeout.LostClaim):
        next(build)
    assert list(tmp_path.iterdir()) == []


def test_erasing_twice_a_staff_member_and_an_invitee(db, scene):
    ivy = scene.users["invitee"]
    ivy.is_staff = ivy.is_superuser = True
    ivy.save()
    account_erase(ivy)
    ivy.refresh_from_db()
    assert (ivy.is_staff, ivy.is_superuser, ivy.is_active) == (False, False, False)
    assert not Invitation.objects.filter(email__iexact="ivy@scene.example").exists()
    assert not Invitation.objects.filter(
        alliance=scene.alliance, email="", accepted_at__isnull=True, revoked_at__isnull=True
    ).exists()
    with pytest.raises(AlreadyErased):
        account_erase(ivy)
    assert verify_alliance(scene.alliance).intact
    token = scene.token_for("invitation_accept", "invitee")
    answer = Client(raise_request_exception=False).get(f"/invitations/{token}/")
    assert answer.status_code < 500


def _readme_recipe() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Verify a record yourself", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_recipe_runs_on_plain_python_and_finds_a_changed_byte(db, scene, tmp_path):
    script = tmp_path / "check.py"
    script.write_text(_readme_recipe())
    export = scene.client("party").get(f"/alliances/{scene.alliance.pk}/export.json").content
    data = json.loads(export)
    changed = json.loads(export)
    changed["history"][3]["data"] = {**changed["history"][3]["data"], "extra": 1}
    renumbered = json.loads(export)
    renumbered["versions"][0]["snapshot"]["terms"][0]["text"] += "!"
    answers = []
    for name, content in [("intact", data), ("line", changed), ("version", renumbered)]:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-S", str(script), str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": os.environ["PATH"]},
        )
        answers.append(run.stdout.strip())
    assert answers == ["OK", "BROKEN: history line 4", "BROKEN: version 1"]


def test_someone_who_left_and_came_back_as_an_observer_reads_only_what_they_signed(cast):
    """Ben signs version 1, leaves, comes back as an observer whom the parties show no
    versions: version 1 is his to read, version 2 (signed without him) and the alliance's
    record are not."""
    propose(cast.coach_party, "We meet every Monday.")
    ratify_with([cast.coach_party, cast.client_party])
    alliance_services.party_leave(party=cast.client_party)
    cleo = make_user("Cleo", "cleo@example.org")
    cleo_party = join(cast.alliance, cleo)
    propose(cleo_party, "We review every quarter, quietlark.")
    ratify_with([party_of(cast.alliance, cast.coach), cleo_party])
    join(cast.alliance, cast.client, as_observer=True)
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.client)
    base = f"/alliances/{cast.alliance.pk}"
    for tail in ["versions/1/export.md", "versions/1/print/"]:
        assert browser.get(f"{base}/{tail}").status_code == 200, tail
    for tail in [
        "export.json",
        "export.md",
        "export.pdf",
        "print/",
        "versions/2/export.md",
        "versions/2/export.pdf",
        "versions/2/print/",
    ]:
        answer = browser.get(f"{base}/{tail}")
        assert b"quietlark" not in answer.content, tail


def test_a_name_beside_a_history_line_never_stands_in_for_its_sealed_data(db, scene):
    """`Event.personal` may be updated (erasure does): whoever changes it to say another
    title than the sealed one changes nothing the line shows."""
    line = Event.objects.filter(alliance=scene.alliance, data__has_key="title").first()
    assert line is not None
    Event.objects.filter(pk=line.pk).update(personal={"title": "A loan of 10,000"})
    line.refresh_from_db()
    assert line.details["title"] == line.data["title"]
    page = scene.client("party").get(f"/alliances/{scene.alliance.pk}/history/")
    assert "A loan of 10,000" not in page.content.decode()


def test_an_export_whose_history_shows_other_details_than_it_sealed_is_found(db, scene):
    export = json.loads(
        scene.client("party").get(f"/alliances/{scene.alliance.pk}/export.json").content
    )
    assert verify_export(export).intact
    line = next(line for line in export["history"] if line["data"])
    key = next(iter(line["data"]))
    line["details"] = {**line["details"], key: "something else"}
    [problem] = verify_export(export).problems
    assert problem.where == f"history line {line['position']}"
