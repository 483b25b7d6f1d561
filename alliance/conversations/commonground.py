"""Common ground on one revealed prompt: what every party said, grouped by what it means,
with where each of them said it; and what only one of them raised.

A reflection is read in three steps, each one a person could check by hand:

1. Phrases the product can tell apart as a whole (groundwords.PHRASES): rhythms, lengths,
   channels, meeting in person, being on time. Each becomes one key, so "fortnightly" and
   "every other week" meet, and their words are not read again one by one.
2. Every other word becomes its lemma (simplemma: "laughing" is "laugh"), then its word
   family (`family`: "honesty" is "honest", "reliability" is "reliable", "openness" is
   "open"), then a synonym from groundwords.SYNONYMS ("kids" is "child"). Lemmatisers keep
   "honest" and "honesty" apart, rightly for a dictionary; people showing each other
   what they share do not, hence the family step.
3. A word is left out when it, or its lemma, is a stop word, filler or a number word
   (groundwords), a part of a party's name, email address or role, or a word of the
   prompt itself (answering the same question is not agreeing); so is anything shorter
   than three letters.

Something is common ground when every party has a mention with the same key. The result
depends only on the revealed reflections of one prompt and the parties' names, so a page
can compute it for the one prompt it shows.
"""

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

import simplemma

from alliance.conversations.groundwords import (
    FILLER,
    NUMBER_WORDS,
    PHRASES,
    STOP_WORDS,
    SYNONYMS,
)

Who = TypeVar("Who", bound=Hashable)

# Letters, joined by inner hyphens or apostrophes: "one-to-one", "don't", "Rosa's".
WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;:\n]")
_NOT_SHARED = STOP_WORDS | FILLER | NUMBER_WORDS
_CONTEXT_WORDS = 4
ONLY_LIMIT = 8

# Derivational endings, tried in this order on a lemma; the first whose shorter word
# simplemma knows (four letters or more) wins. One table, no exceptions: a wrong step
# ("party" -> "part") only matters if another party wrote the shorter word.
_DERIVATIONS = (
    ("iness", "y"),  # happiness -> happy
    ("ness", ""),  # openness -> open
    ("bility", "ble"),  # reliability -> reliable
    ("osity", "ous"),  # curiosity -> curious
    ("ivity", "ive"),  # creativity -> creative
    ("ity", ""),  # equality -> equal
    ("ity", "e"),  # security -> secure
    ("ency", "ent"),  # transparency -> transparent
    ("ancy", "ant"),
    ("acy", "ate"),  # intimacy -> intimate
    ("ence", "ent"),  # patience -> patient
    ("ance", "ant"),
    ("ty", "t"),  # honesty -> honest
    ("ty", ""),  # loyalty -> loyal
    ("sy", "s"),  # jealousy -> jealous
    ("ily", "y"),  # happily -> happy
    ("ly", ""),  # openly -> open
    ("iful", "y"),  # beautiful -> beauty
    ("ful", ""),  # respectful -> respect
    ("ment", ""),  # commitment -> commit
    ("ation", "e"),  # preparation -> prepare
    ("ation", ""),  # expectation -> expect
    ("ion", "e"),  # communication -> communicate
    ("ion", ""),  # connection -> connect
    ("ing", "e"),  # writing -> write
    ("er", "e"),  # writer -> write
    ("er", ""),  # blocker -> block
    ("ing", ""),  # planning -> plan (with the doubled consonant undone)
)


def normal(word: str) -> str:
    """Lower case, straight apostrophes, no possessive: "Rosa's" is "rosa"."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word


@lru_cache(maxsize=20_000)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="en").lower()


def _known(word: str) -> bool:
    return len(word) >= 4 and simplemma.is_known(word, lang="en")


@lru_cache(maxsize=20_000)
def family(word: str) -> str:
    """The base of a lemma's word family, by at most two derivational steps:
    "honesty" -> "honest", "carefully" -> "careful" -> "care"."""
    for _ in range(2):
        for ending, replacement in _DERIVATIONS:
            if not word.endswith(ending):
                continue
            base = word[: -len(ending)] + replacement
            if not _known(base) and len(base) > 4 and base[-1] == base[-2]:
                base = base[:-1]  # planning -> plann -> plan
            if _known(base):
                word = base
                break
        else:
            break
    return word


@lru_cache(maxsize=20_000)
def _word_key(word: str) -> tuple[str, str] | None:
    """(key, lemma) for a normalised word, or None when it carries no content."""
    if len(word) < 3 or word in _NOT_SHARED:
        return None
    base = lemma(word)
    if base in _NOT_SHARED:
        return None
    return family(SYNONYMS.get(base) or SYNONYMS.get(family(base)) or base), base


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    key: str
    # How it reads in a list of what one person raised: a lemma, or the phrase as written.
    label: str


def excluded_words(names: Iterable[str] = (), prompt: str = "") -> frozenset[str]:
    """Every word of the parties' names (and email local parts, role labels) and every
    lemma of the prompt: never common ground."""
    words = {normal(w) for name in names for w in WORD.findall(name)}
    words |= {lemma(normal(w)) for w in WORD.findall(prompt)}
    return frozenset(words)


def mentions(text: str, excluded: frozenset[str] = frozenset()) -> list[_Mention]:
    """The content of one reflection, in reading order."""
    found: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    for pattern, key in PHRASES:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            said = " ".join(match.group().lower().split())
            found.append(
                _Mention(*match.span(), key=key if isinstance(key, str) else key(match), label=said)
            )
    for match in WORD.finditer(text):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        word = normal(match.group())
        if word in excluded:
            continue
        keyed = _word_key(word)
        if keyed is None or keyed[1] in excluded:
            continue
        found.append(_Mention(*match.span(), key=keyed[0], label=keyed[1]))
    return sorted(found, key=lambda m: m.start)


@dataclass(frozen=True)
class Quote(Generic[Who]):
    """Where one person said a shared thing: the words as written and a few around them."""

    who: Who
    said: str
    before: str
    after: str
    label: str


@dataclass(frozen=True)
class SharedItem(Generic[Who]):
    quotes: list[Quote[Who]]

    @property
    def same_words(self) -> bool:
        """Everyone put it the same way ("both mention honesty"); otherwise the quotes
        show each way it was put ("every two weeks" and "fortnightly")."""
        return len({q.label for q in self.quotes}) == 1

    @property
    def label(self) -> str:
        return self.quotes[0].said.lower()


@dataclass
class Ground(Generic[Who]):
    shared: list[SharedItem[Who]] = field(default_factory=list)
    # Per person, what only they raised: most mentioned first, then in reading order.
    only: list[tuple[Who, list[str]]] = field(default_factory=list)
    # Per person, their text cut into pieces, True where it is common ground.
    segments: dict[Who, list[tuple[str, bool]]] = field(default_factory=dict)


def common_ground(
    said: Mapping[Who, str], *, names: Iterable[str] = (), prompt: str = ""
) -> Ground[Who]:
    """Common ground among the reflections in `said` (one prompt's, one per person).

    `names` are the parties' display names, email local parts and role labels, `prompt`
    the question they answered; their words are never listed.
    """
    excluded = excluded_words(names, prompt)
    found = {who: mentions(text, excluded) for who, text in said.items()}
    if len(found) < 2:
        return Ground(segments={who: _cut(text, []) for who, text in said.items()})
    keys = {who: {m.key for m in ms} for who, ms in found.items()}
    common = set.intersection(*keys.values())
    first_speaker = next(iter(found))
    shared = []
    for mention in found[first_speaker]:
        if mention.key in common:
            common.discard(mention.key)
            shared.append(
                SharedItem(
                    quotes=[
                        _quote(who, said[who], next(m for m in ms if m.key == mention.key))
                        for who, ms in found.items()
                    ]
                )
            )
    shared_keys = set.intersection(*keys.values())
    only = []
    for who, ms in found.items():
        others = set().union(*(k for other, k in keys.items() if other != who))
        counts: dict[str, list[_Mention]] = {}
        for m in ms:
            if m.key not in others:
                counts.setdefault(m.key, []).append(m)
        ranked = sorted(counts.values(), key=lambda group: (-len(group), group[0].start))
        if ranked:
            only.append((who, [group[0].label for group in ranked[:ONLY_LIMIT]]))
    segments = {
        who: _cut(said[who], [m for m in ms if m.key in shared_keys]) for who, ms in found.items()
    }
    return Ground(shared=shared, only=only, segments=segments)


def _quote(who: Who, text: str, mention: _Mention) -> Quote[Who]:
    before_words = _SENTENCE_END.split(text[: mention.start])[-1].split()
    after_words = _SENTENCE_END.split(text[mention.end :])[0].split()
    before = " ".join(before_words[-_CONTEXT_WORDS:])
    if len(before_words) > _CONTEXT_WORDS:
        before = "\u2026" + before
    if before and text[mention.start - 1].isspace():
        before += " "
    after = " ".join(after_words[:_CONTEXT_WORDS])
    if len(after_words) > _CONTEXT_WORDS:
        after += "\u2026"
    if after and text[mention.end].isspace():
        after = " " + after
    return Quote(
        who=who,
        said=text[mention.start : mention.end],
        before=before,
        after=after,
        label=mention.label,
    )


def _cut(text: str, marked: list[_Mention]) -> list[tuple[str, bool]]:
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in marked:
        if m.start > last:
            pieces.append((text[last : m.start], False))
        pieces.append((text[m.start : m.end], True))
        last = m.end
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
