"""Take all my data in the background: asked for on the profile, built by the worker's
periodic job, emailed as a link that downloads it once; a failure or a dead worker loses
nothing and holds nobody else up."""

import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from alliance.core.management.commands.worker import periodic_pass
from alliance.lib.clock import now
from alliance.record.models import DataCopy, DataCopyState
from alliance.record.takeout import data_copy_path
from alliance.starting.models import Template
from tests.conftest import login
from tests.helpers import LINK, path_of
from tests.test_takeout import zip_texts


@pytest.fixture(autouse=True)
def _copies_dir(settings, tmp_path):
    settings.DATA_COPY_DIR = tmp_path / "copies"


def run_worker_jobs() -> None:
    for _ in periodic_pass():
        pass


def emailed_link(address: str) -> str:
    [message] = [m for m in mail.outbox if address in m.to]
    return path_of(next(url for url in LINK.findall(message.body) if "/profile/data/" in url))


# Asking for it, building it, downloading it --------------------------------------------


def test_a_copy_is_asked_for_built_in_the_background_emailed_and_downloaded_once(cast):
    ben = login(cast.client)
    profile = ben.get("/profile/").content.decode()
    assert "Prepare a copy of all my data" in profile
    response = ben.post("/profile/data/", follow=True)
    page = response.content.decode()
    assert "waits for its turn" in page
    assert "data-poll" in page  # the page follows it while it is prepared
    # Asking again while it waits says so, and asks for nothing more.
    again = ben.post("/profile/data/", follow=True).content.decode()
    assert "already being prepared" in again
    assert DataCopy.objects.filter(user=cast.client).count() == 1

    run_worker_jobs()
    [message] = [m for m in mail.outbox if "ben@example.org" in m.to]
    assert "copy of your data is ready" in message.subject
    link = emailed_link("ben@example.org")
    page = ben.get("/profile/data/").content.decode()
    assert "Your copy is ready" in page
    assert "data-poll" not in page

    # Someone else signed in finds nothing there; a visitor is asked to sign in.
    assert login(cast.coach).get(link).status_code == 404
    assert Client().get(link).status_code == 302

    download = ben.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    files = zip_texts(b"".join(download.streaming_content))
    assert json.loads(files["account.json"])["email"] == "ben@example.org"
    copy = DataCopy.objects.get(user=cast.client)
    assert copy.state == DataCopyState.DOWNLOADED
    assert not data_copy_path(copy).exists()

    second = ben.get(link)
    assert second.status_code == 410
    assert "was used" in second.content.decode()
    assert (
        "Prepare a new copy" in second.content.decode()
        or "Prepare a copy" in second.content.decode()
    )


def test_a_link_not_used_in_seven_days_expires_and_its_file_goes(cast):
    ben = login(cast.client)
    ben.post("/profile/data/")
    run_worker_jobs()
    link = emailed_link("ben@example.org")
    copy = DataCopy.objects.get(user=cast.client)
    assert data_copy_path(copy).exists()
    with time_machine.travel(now() + timedelta(days=7, minutes=1)):
        response = ben.get(link)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        run_worker_jobs()
    copy.refresh_from_db()
    assert copy.state == DataCopyState.EXPIRED
    assert not data_copy_path(copy).exists()
    # A new copy can be asked for at once.
    ben.post("/profile/data/")
    assert DataCopy.objects.filter(user=cast.client, state=DataCopyState.WAITING).count() == 1


def test_a_build_that_fails_is_tried_again_and_never_stops_anothers(cast, monkeypatch):
    """The disk fills up while Ana's copy is half written: it waits for another try, with
    no file offered, while Ben's copy is built and emailed; the next try succeeds."""
    ana_copy = DataCopy.objects.create(user=cast.coach)
    DataCopy.objects.create(user=cast.client)
    real_writestr = zipfile.ZipFile.writestr

    def disk_full_for_ana(archive, name, data, *args, **kwargs):
        if name.startswith("alliances/") and f"data-copy-{ana_copy.pk}." in str(archive.filename):
            raise OSError(28, "No space left on device")
        return real_writestr(archive, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full_for_ana)
    run_worker_jobs()
    ana_copy.refresh_from_db()
    assert ana_copy.state == DataCopyState.WAITING
    assert ana_copy.attempts == 1
    assert not list(data_copy_path(ana_copy).parent.glob(f"data-copy-{ana_copy.pk}*"))
    assert DataCopy.objects.get(user=cast.client).state == DataCopyState.READY
    assert [m.to for m in mail.outbox if "ready" in m.subject] == [["ben@example.org"]]

    monkeypatch.undo()
    run_worker_jobs()
    ana_copy.refresh_from_db()
    assert ana_copy.state == DataCopyState.READY
    assert zip_texts(data_copy_path(ana_copy))["account.json"]


def test_a_copy_that_fails_every_try_says_so_and_can_be_asked_for_again(cast):
    """A hand-edited template the copy cannot read fails each try; after the last, the
    page says so and offers another."""
    Template.objects.create(owner=cast.client, name="Broken", kind="coaching", roles=[{}])
    ben = login(cast.client)
    ben.post("/profile/data/")
    for _ in range(3):
        run_worker_jobs()
    copy = DataCopy.objects.get(user=cast.client)
    assert copy.state == DataCopyState.FAILED
    assert copy.attempts == 3
    page = ben.get("/profile/data/").content.decode()
    assert "could not be prepared" in page
    ben.post("/profile/data/")
    assert DataCopy.objects.filter(user=cast.client, state=DataCopyState.WAITING).count() == 1


def test_a_build_left_by_a_worker_that_died_is_built_again_whole(cast, settings):
    """What a SIGKILL leaves: the request claimed long ago and a half-written part file."""
    copy = DataCopy.objects.create(
        user=cast.client,
        state=DataCopyState.BUILDING,
        attempts=1,
        alliances_done=0,
        alliances_total=1,
        claimed_at=now() - timedelta(seconds=settings.DATA_COPY_CLAIM_TIMEOUT + 1),
    )
    leftover = data_copy_path(copy).with_name(f"{data_copy_path(copy).name}.dead.part")
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"PK\x03\x04 half a zip")
    page = login(cast.client).get("/profile/data/").content.decode()
    assert "0 of 1 alliance written" in page
    run_worker_jobs()
    copy.refresh_from_db()
    assert copy.state == DataCopyState.READY
    assert copy.alliances_done == copy.alliances_total == 1
    assert not leftover.exists()
    assert "account.json" in zip_texts(data_copy_path(copy))


def test_a_build_still_moving_is_left_to_its_worker(cast):
    DataCopy.objects.create(
        user=cast.client, state=DataCopyState.BUILDING, attempts=1, claimed_at=now()
    )
    run_worker_jobs()
    assert DataCopy.objects.get(user=cast.client).state == DataCopyState.BUILDING
    assert not [m for m in mail.outbox if "ready" in m.subject]


def test_a_new_copy_replaces_one_ready_but_not_downloaded(cast, django_capture_on_commit_callbacks):
    ben = login(cast.client)
    ben.post("/profile/data/")
    run_worker_jobs()
    first = DataCopy.objects.get(user=cast.client)
    link = emailed_link("ben@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        ben.post("/profile/data/")
    first.refresh_from_db()
    assert first.state == DataCopyState.EXPIRED
    assert not data_copy_path(first).exists()
    assert ben.get(link).status_code == 410


def test_erasing_the_account_removes_its_copies_and_their_files(
    cast, django_capture_on_commit_callbacks
):
    """A copy ready for download holds everything of the person: once they erase their
    account, the file and the request are gone, and the emailed link leads nowhere."""
    from alliance.accounts.erasure import account_erase

    ben = login(cast.client)
    ben.post("/profile/data/")
    run_worker_jobs()
    copy = DataCopy.objects.get(user=cast.client)
    assert copy.state == DataCopyState.READY
    path = data_copy_path(copy)
    assert path.exists()
    [link] = [u for u in LINK.findall(mail.outbox[-1].body) if "/profile/data/" in u]

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(cast.client)

    assert not DataCopy.objects.filter(user=cast.client).exists()
    assert not path.exists()
    assert login(cast.coach).get(path_of(link)).status_code == 404
