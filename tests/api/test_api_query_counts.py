"""A list costs the same number of queries however long it is.

Every list operation of the OpenAPI document (a GET answering an array or a page of
`items`, tests/api/sweep.py) is counted as Ana reads it in the scene (tests/scene.py),
then again after the scene's alliance has grown by many more of everything a list shows
(terms, versions, history lines, prompts, conversations, invitations, check-ins, signals,
and Ana's own alliances, templates and tokens), added through the real services: the
counts must be equal. A new list operation is counted without an edit here; one that
lists a kind of row `grow` does not add is still counted, only against no growth of its
own (its area's tests count it at 1 and 20 items).
"""

import contextlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import TokenScope
from alliance.alliances import services as alliance_services
from alliance.conversations import services as conversation_services
from alliance.starting import services as starting_services
from alliance.tending import services as tending_services
from tests.api.client import token_for
from tests.api.sweep import Operation, lists_items, operations
from tests.conversations.factories import plant
from tests.factories import make_alliance, party_of, propose, ratify_with
from tests.scene import Scene, _ratings, scene_fixture

MORE = 20


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker) -> Iterator[Scene]:
    yield from scene_fixture(django_db_blocker)


def grow(scene: Scene) -> None:
    """MORE of everything a list of the API may show, through the services."""
    alliance = scene.alliance
    ana = scene.users["party"]
    a, b, c = (party_of(alliance, scene.users[p]) for p in ("party", "other_party", "late_joiner"))
    for n in range(MORE):
        propose(a, f"Growing term {n}.")
        conversation_services.prompt_add(party=a, theme="feel", text=f"Growing question {n}?")
        tending_services.signal_raise(party=b, note=f"Growing signal {n}.")
        alliance_services.invitation_create(party=a, email=f"grow{n}@scene.example")
        plant(a)
        make_alliance(ana, title=f"Growing alliance {n}")
    for n in range(3):
        ratify_with([a, b, c])
        propose(a, f"Growing ratified term {n}.")
        checkin = tending_services.checkin_start(party=a, extra=True)
        for party in (a, b, c):
            # The scene's C2 is open and answered by those who were there: it is closed first.
            with contextlib.suppress(ValidationError):
                tending_services.checkin_answer(
                    party=party, checkin_id=checkin.pk, ratings=_ratings(checkin), reflection=""
                )
        tending_services.checkin_close(party=a, checkin_id=checkin.pk, outcome="kept")
        starting_services.template_save(party=a, name=f"Growing template {n}")
        token_for(ana, TokenScope.READ, f"growing token {n}")


def count(operation: Operation, scene: Scene, token: str) -> tuple[int, list[str]]:
    url = operation.url(scene.values)
    operation.call(token, url, None)  # caches warmed, as in a running app
    with CaptureQueriesContext(connection) as queries:
        response = operation.call(token, url, None)
    assert response.status_code == 200, f"{operation}: {response.status_code}"
    return len(queries), [q["sql"] for q in queries.captured_queries]


def test_every_list_costs_the_same_queries_with_many_more_items(scene, db):
    token = token_for(scene.users["party"], TokenScope.READ, "query counts")
    lists = [op for op in operations() if lists_items(op)]
    assert lists, "the API has no list operation"
    before = {op.id: count(op, scene, token) for op in lists}
    with transaction.atomic():
        grow(scene)
        after = {op.id: count(op, scene, token) for op in lists}
        transaction.set_rollback(True)
    grew = [
        f"{op}: {before[op.id][0]} queries, {after[op.id][0]} with {MORE} more items:\n  "
        + "\n  ".join(after[op.id][1])
        for op in lists
        if before[op.id][0] != after[op.id][0]
    ]
    assert not grew, "\n".join(grew)
    print(f"\nquery counts: {len(lists)} list operations, each the same with {MORE} more items")
