"""Every history line reads as a whole sentence: whatever a verb points at ("revealed the
reflections on ...", "invited ...") is named on the line, for every kind of event the
scene (tests/scene.py) records through the real services."""

from html.parser import HTMLParser

import pytest

from alliance.alliances.models import Event
from tests.scene import Scene, scene_fixture

# A line ending in one of these words lost what it was about.
DANGLING = ("on", "to", "for", "of", "about", "a", "the", "version")


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    yield from scene_fixture(django_db_blocker)


class _TimelineLines(HTMLParser):
    """The visible text of each <li> of the page's timelines."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._depth = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and ("class", "timeline") in attrs:
            self._depth = 1
        elif self._depth and tag == "li":
            self._parts = []

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "li":
            self.lines.append(" ".join("".join(self._parts).split()))
        elif self._depth and tag == "ul":
            self._depth = 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._parts.append(data)


def history_lines(scene: Scene) -> list[str]:
    page = scene.client("party").get(f"/alliances/{scene.alliance.pk}/history/")
    assert page.status_code == 200
    parser = _TimelineLines()
    parser.feed(page.content.decode())
    return parser.lines


def test_every_history_line_names_what_its_verb_is_about(db, scene):
    lines = history_lines(scene)
    kinds = set(Event.objects.filter(alliance=scene.alliance).values_list("kind", flat=True))
    assert len(lines) == Event.objects.filter(alliance=scene.alliance).count()
    assert len(kinds) >= 15, kinds  # the scene records most kinds of event
    unfinished = [line for line in lines if line.rstrip(".").split()[-1] in DANGLING]
    assert unfinished == []


def test_a_reveal_names_its_prompt_in_the_history(db, scene):
    prompts = {p.pk: p.text for p in scene.alliance.prompts.all()}
    revealed = [line for line in history_lines(scene) if "revealed the reflections on" in line]
    assert len(revealed) == 2, "the scene reveals P1, and another prompt after Cleo joined"
    assert any(f"revealed the reflections on “{prompts[scene.p1]}”" in line for line in revealed)
    assert all(any(f"on “{text}”" in line for text in prompts.values()) for line in revealed), (
        revealed
    )
