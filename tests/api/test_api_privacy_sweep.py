"""Private means private through the API too: no answer gives a text to anyone outside its
audience.

Every GET operation of the OpenAPI document (tests/api/sweep.py), as each persona of the
scene (tests/scene.py) with a token of their own, with every prompt anyone wrote on,
both check-ins and every reflection the scene names in the slots that take them, and
every page of a paged list. The scene's ten texts carry marker words with their audiences
(ten drafts, comments and reflections); none may reach anyone outside its audience. And
beyond the texts: nothing of alliance A (its title, its terms, its signal) reaches anyone
outside it, an observer reads only what the parties let them (the title and the versions'
terms), a former party only the versions they signed, and nobody but Olga reads anything
of her alliance B.
"""

import itertools
import json
from collections.abc import Iterator

import pytest

from alliance.accounts.models import TokenScope
from tests.api.client import token_for
from tests.api.sweep import Operation, operations
from tests.helpers import file_text
from tests.scene import (
    ALLIANCE_MARKERS,
    ANA_DRAFT,
    BEN_DRAFT,
    BEN_P1,
    CURRENT_PARTIES,
    FOREIGN_MARKERS,
    PERSONAS,
    SECRETS,
    Scene,
    markers_in,
    scene_fixture,
)

# What of alliance A those outside its designing parties may read: the title and the
# terms of the versions (which every party lets observers see; which the former party
# signed), and what the former party wrote themselves.
OUTSIDE_MAY_READ = {
    "observer": {"Wisteria", "tuesdaybriar"},
    "former_party": {"Wisteria", "tuesdaybriar"},
    "outsider": set(),
    "invitee": set(),
    "anonymous": set(),
}
MAX_PAGES = 20


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker) -> Iterator[Scene]:
    yield from scene_fixture(django_db_blocker)


def _allowed(persona: str) -> set[str]:
    return {s.marker for s in SECRETS if persona in s.audience}


def _what(marker: str) -> str:
    return next((s.what for s in SECRETS if s.marker == marker), marker)


def slot_values(scene: Scene) -> dict[str, list[object]]:
    """Each slot's values to sweep: the scene's, and more where a text hides behind
    another one."""
    values: dict[str, list[object]] = {slot: [value] for slot, value in scene.values.items()}
    values["prompt_id"] = sorted({scene.values["prompt_id"], *scene.written_prompt_ids})
    values["checkin_id"] = [scene.checkin_c1, scene.checkin_c2]
    values["reflection_id"] = sorted(
        {scene.values["reflection_id"], scene.ana_p1_reflection, scene.fred_p1_reflection}
    )
    return values


def urls_of(operation: Operation, scene: Scene) -> list[str]:
    values = slot_values(scene)
    slots = operation.slots
    if not set(slots) <= set(values):
        return [operation.url(scene.values)]  # which fails, naming the slot to fill
    choices = [values[slot] for slot in slots]
    return [
        operation.url({**scene.values, **dict(zip(slots, chosen, strict=True))})
        for chosen in itertools.product(*choices)
    ]


def _text(response) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        return file_text("record.pdf", response.content)
    return response.content.decode(errors="replace")


def answers(operation: Operation, token: str | None, url: str) -> Iterator[tuple[str, str]]:
    """(url, text) of the answer, and of each further page of a paged list."""
    for _ in range(MAX_PAGES):
        response = operation.call(token, url, None)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        yield url, _text(response)
        if not response["Content-Type"].startswith("application/json"):
            return
        body = json.loads(response.content)
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if not cursor:
            return
        url = operation.url({**scene_values_of(url, operation)}, cursor=cursor)


def scene_values_of(url: str, operation: Operation) -> dict[str, str]:
    """The slot values of `url` (a URL of `operation`), to build its next page's URL."""
    parts = url.split("?")[0].strip("/").split("/")
    template = operation.path.strip("/").split("/")
    return {
        name[1:-1]: part for name, part in zip(template, parts, strict=True) if name.startswith("{")
    }


def _reads(name: str) -> bool:
    return any(op.reads and op.path.endswith(name) for op in operations())


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_answer_gives_a_text_to_anyone_outside_its_audience(scene, persona, db):
    token = None
    if persona != "anonymous":
        token = token_for(scene.users[persona], TokenScope.READ, "privacy sweep")
    allowed = _allowed(persona)
    leaks: list[str] = []
    seen: set[str] = set()
    calls = 0
    for operation in operations():
        if not operation.reads:
            continue
        for first in urls_of(operation, scene):
            for url, text in answers(operation, token, first):
                calls += 1
                found = markers_in(text)
                seen |= found
                leaks += [f"{url}: {_what(m)}" for m in found - allowed]
                if persona not in CURRENT_PARTIES:
                    may = OUTSIDE_MAY_READ[persona] | allowed
                    leaks += [f"{url}: {m}" for m in ALLIANCE_MARKERS if m in text and m not in may]
                if persona != "outsider":
                    leaks += [f"{url}: B's {m}" for m in FOREIGN_MARKERS.values() if m in text]
    assert calls, "no GET operation was swept"
    assert not leaks, f"{persona} reads what is not theirs:\n" + "\n".join(sorted(set(leaks)))
    # The sweep looks where the texts are: where the API reads one's own reflection, its
    # author finds their draft; where it reads revealed reflections, a party finds them.
    if _reads("/reflection") and persona in ("party", "other_party"):
        mine = {"party": ANA_DRAFT, "other_party": BEN_DRAFT}[persona]
        assert mine.marker in seen, f"{persona} never read their own {mine.what}"
    if _reads("/reflections") and persona == "party":
        assert BEN_P1.marker in seen, f"{persona} never read {BEN_P1.what}"
