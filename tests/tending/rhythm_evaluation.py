"""How the rhythm reader agrees with tables of phrases labelled by hand.

`rhythm_phrases.json` was written with the reader; the `outside` tables were written and
labelled by engineers who had not seen the reader, against a written contract (the rhythms
the form can hold, and null for anything else): `outside` was used to improve the reader,
`outside_untouched` was measured once after and never tuned on.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from alliance.tending.rhythms import rhythm_suggest

HERE = Path(__file__).parent
TABLES = {
    "own": HERE / "rhythm_phrases.json",
    "outside": HERE / "rhythm_phrases_outside.json",
    "outside_untouched": HERE / "rhythm_phrases_outside_untouched.json",
}


def as_row(text: str) -> dict[str, object] | None:
    """What the reader suggests for `text`, in the tables' own shape."""
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


def expected(row: dict) -> dict[str, object] | None:
    if row["expect"] is None:
        return None
    return {key: value for key, value in row["expect"].items() if key != "note"}


def rows(table: str) -> list[dict]:
    return json.loads(TABLES[table].read_text())


@dataclass
class Agreement:
    phrases: int = 0
    exact: int = 0
    rhythms: int = 0
    rhythms_found: int = 0
    nones: int = 0
    false_suggestions: int = 0
    misses: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.exact / self.phrases


def agreement(table: str) -> Agreement:
    result = Agreement()
    for row in rows(table):
        want, got = expected(row), as_row(row["text"])
        result.phrases += 1
        result.exact += want == got
        if want is None:
            result.nones += 1
            result.false_suggestions += got is not None
        else:
            result.rhythms += 1
            result.rhythms_found += got is not None
        if want != got:
            result.misses.append((row["text"], want, got))
    return result
