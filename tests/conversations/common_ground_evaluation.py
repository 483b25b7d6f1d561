"""How much of what common ground lists a person would show the two of them, on the thirty
hand-written pairs in common_ground_pairs.json (written before the rules were).

A listed item passes the written rule when each quote is words its person wrote, and no
word quoted is a stop word of a list we did not write (the `stop-words` package's English
list), a part of a party's name, address or role, or a number word as `num2words` spells
numbers. It matches the hand labels when, for every party, what they are quoted saying
and the word the labels give them overlap ("team" within "in front of the team").
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from num2words import num2words
from stop_words import get_stop_words

from alliance.conversations.commonground import common_ground

PAIRS = Path(__file__).with_name("common_ground_pairs.json")
WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")


def pairs() -> list[dict]:
    return json.loads(PAIRS.read_text())["pairs"]


def texts(pair: dict) -> dict[str, str]:
    return {p["name"]: p["text"] for p in pair["parties"]}


def names(pair: dict) -> list[str]:
    return [v for p in pair["parties"] for v in (p["name"], p["email"].split("@")[0], p["role"])]


@cache
def number_words() -> frozenset[str]:
    spelled = {num2words(n) for n in range(101)} | {
        num2words(n, to="ordinal") for n in range(1, 32)
    }
    return frozenset(w for s in spelled for w in re.split(r"[\s,-]+", s) if w) | {"once", "twice"}


@cache
def stop_words() -> frozenset[str]:
    return frozenset(get_stop_words("en"))


def broken_rule(pair: dict, said: dict[str, str]) -> str | None:
    """Why an item (what each party is quoted saying) is not one to show, or None."""
    written = texts(pair)
    if set(said) != set(written):
        return "not said by everyone"
    name_words = {w.lower() for n in names(pair) for w in WORD.findall(n)}
    for who, words in said.items():
        if words.lower() not in written[who].lower():
            return f"{who} did not write {words!r}"
        for word in WORD.findall(words.lower()):
            if word in name_words:
                return f"{word!r} is a name"
        tokens = WORD.findall(words.lower())
        if all(t in stop_words() for t in tokens):
            return f"{words!r} is a stop word"
        if all(t in number_words() for t in tokens):
            return f"{words!r} is a number word"
    return None


def matches(theme: dict[str, str], said: dict[str, str]) -> bool:
    return all(
        who in said and (said[who].lower() in want.lower() or want.lower() in said[who].lower())
        for who, want in theme.items()
    )


@dataclass
class Result:
    listed: int = 0
    passing: int = 0
    labelled: int = 0
    themes: int = 0
    themes_found: int = 0
    failures: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    unlabelled: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    missed: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def new_items(pair: dict) -> list[dict[str, str]]:
    ground = common_ground(texts(pair), names=names(pair), prompt=pair["prompt"])
    return [{q.who: q.said for q in item.quotes} for item in ground.shared]


def evaluate(items_of: Callable[[dict], list[dict[str, str]]] = new_items) -> Result:
    result = Result()
    for pair in pairs():
        items = items_of(pair)
        result.themes += len(pair["shared"])
        result.themes_found += sum(any(matches(t, i) for i in items) for t in pair["shared"])
        result.missed += [
            (pair["id"], t) for t in pair["shared"] if not any(matches(t, i) for i in items)
        ]
        for said in items:
            result.listed += 1
            why = broken_rule(pair, said)
            if why:
                result.failures.append((pair["id"], said, why))
                continue
            result.passing += 1
            if any(matches(t, said) for t in pair["shared"]):
                result.labelled += 1
            else:
                result.unlabelled.append((pair["id"], said))
    return result
