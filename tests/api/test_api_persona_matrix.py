"""Nothing of an alliance is visible, or changeable, through the API outside the people
each operation promises to answer.

Every operation of the OpenAPI document (tests/api/sweep.py) x eight personas
(tests/scene.py), each with a write token of their own; then every operation with a read
token of each signed-in persona. Each operation says whom it answers (`x-alliance-access`)
and is held to it:

- anonymous: 401;
- an operation of one alliance: its present parties get an answer (never 401, 404 or
  5xx); the outsider, the invitee who has not accepted and the former party get 404, the
  same 404 as for an alliance that does not exist; the observer too, unless the operation
  answers "observers"; the former party reads the versions they signed ("version_readers");
- an "own" operation: any signed-in person, about themselves; where its path names an
  object (a template, a token, a webhook endpoint), the scene's is Ana's, and anyone else
  gets 404; where a token in the body is the permission (accepting an invitation), whoever
  holds it (Ivy), and 404 for a token that matches nothing;
- a read token: 403 on every operation but GET;
- a request that is refused changes nothing: every row of the alliance, and the number of
  rows of every table, are the same after the walk (the cells a party may change run in a
  savepoint that is rolled back).

Writes carry the smallest body the operation's schema accepts, so a missing permission
check would change something rather than fail on the body.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import transaction

from alliance.accounts.models import TokenScope
from tests.api.client import token_for
from tests.api.sweep import MISSING_ID, Operation, operations
from tests.scene import (
    CURRENT_PARTIES,
    PERSONAS,
    TEMPLATE_OWNER,
    Scene,
    scene_fixture,
    snapshot,
    snapshot_diff,
)

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker) -> Iterator[Scene]:
    yield from scene_fixture(django_db_blocker)


@dataclass
class Tokens:
    write: dict[str, str | None]
    read: dict[str, str]


@pytest.fixture(scope="module")
def tokens(scene, django_db_blocker) -> Tokens:
    """Made inside the scene's transaction, and gone with it."""
    with django_db_blocker.unblock():
        write: dict[str, str | None] = {"anonymous": None}
        read = {}
        for persona in SIGNED_IN:
            write[persona] = token_for(scene.users[persona], TokenScope.WRITE, "sweep")
            read[persona] = token_for(scene.users[persona], TokenScope.READ, "sweep, read")
    return Tokens(write=write, read=read)


def allowed(operation: Operation, persona: str, scene: Scene) -> bool:
    """Whether `persona` is among those `operation` answers (with the scene's values)."""
    if persona == "anonymous":
        return False
    holds = operation.holds_token(scene, persona)
    if holds is not None:
        return holds
    if operation.of_an_alliance:
        if persona in CURRENT_PARTIES:
            return True
        if persona == "observer":
            return operation.access in ("observers", "version_readers")
        if persona == "former_party":
            return operation.access == "version_readers"
        return False
    if operation.owned_slots:
        return persona == TEMPLATE_OWNER
    return True


def fingerprint(alliance_id: int) -> dict[str, object]:
    """Every row of the alliance, and how many rows every table holds."""
    counts = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed
    }
    return {**snapshot(alliance_id), "row counts": counts}


@dataclass
class Tally:
    cells: int = 0
    failures: list[str] = field(default_factory=list)


TALLY: dict[str, Tally] = {}


def _cell(scene: Scene, token: str | None, persona: str, operation: Operation, tally: Tally):
    url = operation.url(scene.values)
    body = operation.body(scene, persona)
    name = f"{persona:13} {operation}"
    response = operation.call(token, url, body)
    status = response.status_code
    tally.cells += 1
    if status >= 500:
        tally.failures.append(f"{name}: {status}")
    elif persona == "anonymous":
        if status != 401:
            tally.failures.append(f"{name}: {status}, expected 401")
    elif allowed(operation, persona, scene):
        if status in (401, 404):
            tally.failures.append(f"{name}: {status}, expected an answer: {response.content!r}")
    elif status != 404:
        tally.failures.append(f"{name}: {status}, expected 404")
    elif operation.of_an_alliance:
        # The same answer as for an alliance that does not exist: nothing to tell them apart.
        missing = operation.call(
            token, operation.url({**scene.values, "alliance_id": MISSING_ID}), body
        )
        if (missing.status_code, missing.json()) != (status, response.json()):
            tally.failures.append(f"{name}: its 404 differs from a missing alliance's")
    return response


def _walk(scene: Scene, tokens: Tokens, persona: str, tally: Tally, attribute: bool) -> None:
    """One persona through every operation. A write they may make runs in a savepoint
    that is rolled back; anything else they changed stays, for the snapshot after the
    walk to find (with `attribute`, each cell is snapshotted to name the one)."""
    alliance_id = scene.alliance.pk
    for operation in operations():
        may_change = not operation.reads and allowed(operation, persona, scene)
        before = fingerprint(alliance_id) if attribute and not may_change else None
        if may_change:
            with transaction.atomic():
                _cell(scene, tokens.write[persona], persona, operation, tally)
                transaction.set_rollback(True)
        else:
            _cell(scene, tokens.write[persona], persona, operation, tally)
        if before is not None:
            after = fingerprint(alliance_id)
            if before != after:
                tally.failures.append(
                    f"{persona:13} {operation}: changed {snapshot_diff(before, after)}"
                )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_each_persona_as_it_promises(scene, tokens, persona, db):
    tally = TALLY.setdefault(persona, Tally())
    before = fingerprint(scene.alliance.pk)
    with transaction.atomic():
        _walk(scene, tokens, persona, tally, attribute=False)
        changed = snapshot_diff(before, fingerprint(scene.alliance.pk))
        transaction.set_rollback(True)
    if changed:
        _walk(scene, tokens, persona, Tally(), attribute=True)
        tally.failures.append(f"{persona}'s refused requests changed {changed}")
    assert not tally.failures, "\n".join(tally.failures)


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_a_read_token_reads_as_the_write_token_does_and_writes_nothing(scene, tokens, persona, db):
    """Every operation but GET is 403 with a read token, before anything is looked at
    (so an outsider's read token learns nothing more than their write token); a GET
    answers as with the write token."""
    failures = []
    before = fingerprint(scene.alliance.pk)
    for operation in operations():
        url = operation.url(scene.values)
        response = operation.call(tokens.read[persona], url, operation.body(scene, persona))
        if operation.reads:
            with_write = operation.call(tokens.write[persona], url, None)
            if response.status_code != with_write.status_code:
                failures.append(
                    f"{persona} {operation}: {response.status_code} with a read token, "
                    f"{with_write.status_code} with a write token"
                )
        elif response.status_code != 403:
            failures.append(f"{persona} {operation}: {response.status_code}, expected 403")
    changed = snapshot_diff(before, fingerprint(scene.alliance.pk))
    assert not changed, f"{persona}'s read token changed {changed}"
    assert not failures, "\n".join(failures)


def test_the_matrix_size(scene, db):
    """Counted, not only walked: the closing note reports these figures."""
    found = operations()
    alliance = sum(1 for op in found if op.of_an_alliance)
    cells = sum(t.cells for t in TALLY.values())
    print(
        f"\nAPI persona matrix: {len(PERSONAS)} personas x {len(found)} operations "
        f"({alliance} of one alliance) = {len(PERSONAS) * len(found)} cells; walked {cells}, "
        f"failed {sum(len(t.failures) for t in TALLY.values())}; plus "
        f"{len(SIGNED_IN) * len(found)} with read tokens"
    )
    assert len(found) >= 5
    kinds = {op.access for op in found}
    assert {"own", "parties", "observers"} <= kinds
