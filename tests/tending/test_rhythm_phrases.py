"""Reading a rhythm from a term's words: a table of phrases written by hand, each with
the rhythm a person would read from it, or none."""

import json
from pathlib import Path

import pytest

from alliance.tending.rhythms import rhythm_suggest

PHRASES = json.loads((Path(__file__).parent / "rhythm_phrases.json").read_text())


def _as_table(text: str) -> dict[str, object] | None:
    suggestion = rhythm_suggest(text)
    if suggestion is None:
        return None
    row: dict[str, object] = {"repeat": suggestion.repeat}
    if suggestion.repeat == "weeks":
        row["interval"] = suggestion.interval
    if suggestion.repeat == "weekday":
        row["ordinal"] = suggestion.ordinal
    if suggestion.weekday is not None:
        row["weekday"] = suggestion.weekday
    if suggestion.monthday is not None:
        row["monthday"] = suggestion.monthday
    if suggestion.at_time is not None:
        row["at"] = f"{suggestion.at_time:%H:%M}"
    return row


def test_the_table_is_large_and_includes_phrases_without_a_rhythm():
    assert len(PHRASES) >= 40
    assert sum(row["expect"] is None for row in PHRASES) >= 10


@pytest.mark.parametrize("row", PHRASES, ids=[row["text"] for row in PHRASES])
def test_a_phrase_reads_as_the_rhythm_a_person_would_read(row):
    assert _as_table(row["text"]) == row["expect"]
