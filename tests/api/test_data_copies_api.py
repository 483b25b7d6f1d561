"""A copy of all one's data through the API: asked for, followed while the worker builds
it, and downloaded only through the link emailed to its owner."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope
from alliance.core.management.commands.worker import periodic_pass
from alliance.record.models import DataCopy, DataCopyState
from tests.api.client import ApiClient
from tests.conftest import login
from tests.helpers import LINK, path_of

pytestmark = pytest.mark.django_db

COPIES = "/api/v1/me/data-copies"


@pytest.fixture(autouse=True)
def _copies_dir(settings, tmp_path):
    settings.DATA_COPY_DIR = tmp_path / "copies"


def run_worker_jobs() -> None:
    for _ in periodic_pass():
        pass


def test_a_copy_asked_for_is_followed_until_ready_and_its_link_comes_only_by_email(cast):
    ben = ApiClient(cast.client)
    asked = ben.post(COPIES)
    assert asked.status_code == 201
    copy = asked.json()
    assert copy["state"] == "waiting"
    assert copy["url"] == f"{COPIES}/{copy['id']}"
    assert ben.get(copy["url"]).json()["state"] == "waiting"

    # Asking again while it waits is a conflict that shows the copy on its way.
    again = ben.post(COPIES)
    assert again.status_code == 409
    assert "already being prepared" in again.json()["detail"]
    assert again.json()["current"]["id"] == copy["id"]
    assert DataCopy.objects.filter(user=cast.client).count() == 1

    run_worker_jobs()
    ready = ben.get(copy["url"]).json()
    assert ready["state"] == "ready"
    assert ready["alliances_total"] == ready["alliances_done"] == 1
    assert ready["expires_at"] is not None
    [message] = [m for m in mail.outbox if "ben@example.org" in m.to]
    link = path_of(next(url for url in LINK.findall(message.body) if "/profile/data/" in url))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    for response in (ben.get(copy["url"]), ben.get(COPIES)):
        assert token not in response.content.decode()

    # The link downloads it, in the owner's browser; the API then shows it downloaded.
    assert login(cast.client).get(link).status_code == 200
    assert ben.get(copy["url"]).json()["state"] == "downloaded"


def test_asking_once_it_is_ready_replaces_it(cast):
    ben = ApiClient(cast.client)
    first = ben.post(COPIES).json()
    run_worker_jobs()
    second = ben.post(COPIES)
    assert second.status_code == 201
    listed = ben.get(COPIES).json()["items"]
    assert [c["id"] for c in listed] == [second.json()["id"], first["id"]]  # newest first
    assert [c["state"] for c in listed] == ["waiting", "expired"]


def test_someone_elses_copy_is_404_as_a_missing_one_and_never_listed(cast):
    bens = ApiClient(cast.client).post(COPIES).json()
    ana = ApiClient(cast.coach)
    missing = ana.get(f"{COPIES}/999999")
    theirs = ana.get(bens["url"])
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert ana.get(COPIES).json()["items"] == []


def test_a_read_token_follows_copies_but_may_not_ask_for_one(cast):
    reader = ApiClient(cast.client, scope=TokenScope.READ)
    assert reader.post(COPIES).status_code == 403
    assert not DataCopy.objects.exists()
    assert reader.get(COPIES).json() == {"items": [], "next_cursor": None}


def test_copies_page_by_cursor_and_cost_the_same_at_one_or_twenty(cast):
    client = ApiClient(cast.client)
    DataCopy.objects.create(user=cast.client, state=DataCopyState.EXPIRED)
    client.get(COPIES)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(COPIES).json()["items"]) == 1
    DataCopy.objects.bulk_create(
        DataCopy(user=cast.client, state=DataCopyState.EXPIRED) for _ in range(19)
    )
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(COPIES).json()["items"]) == 20
    assert len(twenty) == len(one)
    page = client.get(f"{COPIES}?limit=15").json()
    rest = client.get(f"{COPIES}?limit=15&cursor={page['next_cursor']}").json()
    assert len(page["items"]) + len(rest["items"]) == 20
    assert rest["next_cursor"] is None


def test_a_bad_limit_or_cursor_names_the_field(cast):
    client = ApiClient(cast.client)
    assert client.get(f"{COPIES}?limit=0").json()["errors"][0]["field"] == "limit"
    assert client.get(f"{COPIES}?cursor=forged").json()["errors"][0]["field"] == "cursor"
