"""Precision and recall of the feedback coach on reflections labelled by the contract.

Shared by the evaluation test and `bench/coach_eval.py`. The data
(`coach_reflections.json`) was written and labelled by people who never saw the coach;
the split was fixed before any tuning (odd ids "tune", even ids "holdout"). The coach's
language model learns from every split but the never-trained ones (``untouched``,
``untouched-4``, ``untouched-5``, ``untouched-7``, ``untouched-8`` and ``untouched-9``) and
the eight whose writers choose its thresholds (see labelling.md and bench/train_coach.py).

Blame and absolute are labelled per sentence, so they are scored per sentence: a flag
counts for the labelled sentence its ``sentence`` lies in, found by position in the
reflection the labelled sentences make up. No first person and negative opening are
labelled once per reflection and scored so.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alliance.feedback.coach import (
    ABSOLUTE,
    BLAME,
    KINDS,
    NEGATIVE_OPENING,
    NO_FIRST_PERSON,
    Flag,
    review,
)

DATASET = Path(__file__).with_name("coach_reflections.json")
# Single sentences labelled alone (blame, absolute, and whether the sentence is negative),
# which the coach's model learns from beside the reflections; never measured on.
SENTENCE_BANK = Path(__file__).with_name("coach_sentences.jsonl")
SENTENCE_KINDS = (BLAME, ABSOLUTE)
REFLECTION_KINDS = (NO_FIRST_PERSON, NEGATIVE_OPENING)
# The splits no training reads: the coach is measured on them, and only measured. The
# first shares its two writers with "tune-2"; the second is four writers no training read;
# the third, two more; the fourth, the fifth and the sixth, two, four and four more who
# wrote without the contract in mind.
# ("untouched-2", two more writers, was measured twice and then trained on, as
# "writer-11" and "writer-12"; "untouched-3", four more, was measured three times and
# then trained on, as "writer-17" to "writer-20"; "untouched-6", two writers who wrote
# without the contract in mind, was measured once and then chose thresholds and models, as
# "writer-33" and "writer-34".)
UNTOUCHED = "untouched"
UNTOUCHED_4 = "untouched-4"
UNTOUCHED_5 = "untouched-5"
UNTOUCHED_7 = "untouched-7"
UNTOUCHED_8 = "untouched-8"
UNTOUCHED_9 = "untouched-9"
NEVER_TRAINED = frozenset(
    {UNTOUCHED, UNTOUCHED_4, UNTOUCHED_5, UNTOUCHED_7, UNTOUCHED_8, UNTOUCHED_9}
)
# The coach's model is trained without these, and each flag's threshold is chosen on them
# together: the four most recent writers before "untouched-4" (once "untouched-3") and four
# who wrote without the contract in mind (the first two once "untouched-6"), so that half of
# what the thresholds are chosen on is written as people write.
THRESHOLD_SPLITS = (
    "writer-17",
    "writer-18",
    "writer-19",
    "writer-20",
    "writer-33",
    "writer-34",
    "writer-39",
    "writer-40",
)
# Writers who were given a setting and a brief but never the contract ("writer-33" to
# "writer-61" and the last three untouched splits, ids 42001 on): they write as people do,
# where every writer before them wrote with the contract beside them.
WITHOUT_CONTRACT = frozenset(
    {f"writer-{n}" for n in range(33, 62)} | {UNTOUCHED_7, UNTOUCHED_8, UNTOUCHED_9}
)
SPLIT_ORDER = ("tune", "holdout")

Item = dict[str, object]


@dataclass
class Confusion:
    """Counts for one kind of flag: per sentence or per reflection, as it is labelled."""

    kind: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        claimed = self.tp + self.fp
        return self.tp / claimed if claimed else 1.0

    @property
    def recall(self) -> float:
        expected = self.tp + self.fn
        return self.tp / expected if expected else 1.0

    def add(self, *, expected: bool, found: bool) -> None:
        if expected and found:
            self.tp += 1
        elif found:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1


@dataclass(frozen=True)
class Miss:
    """One disagreement with the labels: ``sentence`` is None for a per-reflection kind."""

    item_id: int
    kind: str
    expected: bool
    sentence: str | None
    text: str


@dataclass
class Evaluation:
    split: str
    size: int
    confusion: dict[str, Confusion]
    misses: list[Miss] = field(default_factory=list)


def items() -> list[Item]:
    return list(json.loads(DATASET.read_text()))


def sentence_bank() -> list[dict[str, object]]:
    lines = SENTENCE_BANK.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def splits() -> list[str]:
    """Every split in the data: tune and holdout first, any other after."""
    present = {str(item["split"]) for item in items()}
    return [s for s in SPLIT_ORDER if s in present] + sorted(present - set(SPLIT_ORDER))


def text_of(item: Item) -> str:
    """The reflection as its author wrote it: sentences joined by a space, or by a line
    break after one that has no closing punctuation (a list written one line each)."""
    sentences = _sentences(item)
    text = ""
    for sentence in sentences:
        if text:
            text += " " if text.rstrip()[-1:] in ".!?\u2026\"'\u201d)" else "\n"
        text += sentence
    return text


def _sentences(item: Item) -> list[str]:
    sentences = item["sentences"]
    assert isinstance(sentences, list)
    return [str(s) for s in sentences]


def _plain(text: str) -> str:
    """Curly quotes straightened one character for one, as the coach reads them."""
    return text.translate(str.maketrans("\u2019\u2018\u02bc\u201c\u201d", "'''\"\""))


def sentence_spans(item: Item) -> list[tuple[int, int]]:
    """Where each labelled sentence lies in ``text_of(item)``."""
    text, spans, start = text_of(item), [], 0
    for sentence in _sentences(item):
        begin = text.index(sentence, start)
        spans.append((begin, begin + len(sentence)))
        start = begin + len(sentence)
    return spans


_WORDS = re.compile(r"\w+")


def flagged_sentences(item: Item, flags: Iterable[Flag], kind: str) -> set[int]:
    """Indices of the labelled sentences that the flags of ``kind`` point at. A flag whose
    sentence cannot be found in the text counts as pointing at none (index -1), so it is
    a false positive rather than silently dropped."""
    text, spans = _plain(text_of(item)), sentence_spans(item)
    found: set[int] = set()
    cursor = 0
    for flag in flags:
        if flag.kind != kind:
            continue
        quoted = _plain(flag.sentence).strip()
        begin = text.find(quoted, cursor) if quoted else -1
        if begin < 0 and quoted:
            begin = text.find(quoted)
        if begin < 0:
            found.add(_closest_by_words(item, quoted))
            continue
        end = begin + len(quoted)
        cursor = end
        overlaps = [(min(end, e) - max(begin, b), i) for i, (b, e) in enumerate(spans)]
        found.add(max(overlaps)[1] if max(overlaps)[0] > 0 else -1)
    return found


def _closest_by_words(item: Item, quoted: str) -> int:
    words = set(_WORDS.findall(quoted.lower()))
    shared = [
        (len(words & set(_WORDS.findall(s.lower()))), i) for i, s in enumerate(_sentences(item))
    ]
    best = max(shared, default=(0, -1))
    return best[1] if best[0] else -1


def _labels(item: Item) -> dict[str, object]:
    labels = item["labels"]
    assert isinstance(labels, dict)
    return labels


def evaluate(split: str) -> Evaluation:
    """Confusion per kind of flag and every miss, for the reflections of ``split``."""
    chosen = [item for item in items() if item["split"] == split]
    confusion = {kind: Confusion(kind) for kind in KINDS}
    misses: list[Miss] = []
    for item in chosen:
        text, labels, sentences = text_of(item), _labels(item), _sentences(item)
        flags = review(text)
        item_id = int(str(item["id"]))
        for kind in SENTENCE_KINDS:
            expected_at = {int(i) for i in labels[kind]}  # type: ignore[attr-defined]
            found_at = flagged_sentences(item, flags, kind)
            for index in sorted(found_at - set(range(len(sentences)))):
                confusion[kind].add(expected=False, found=True)
                misses.append(Miss(item_id, kind, False, f"(unplaced flag {index})", text))
            for index, sentence in enumerate(sentences):
                expected, found = index in expected_at, index in found_at
                confusion[kind].add(expected=expected, found=found)
                if expected != found:
                    misses.append(Miss(item_id, kind, expected, sentence, text))
        kinds_found = {flag.kind for flag in flags}
        for kind in REFLECTION_KINDS:
            expected, found = bool(labels[kind]), kind in kinds_found
            confusion[kind].add(expected=expected, found=found)
            if expected != found:
                misses.append(Miss(item_id, kind, expected, None, text))
    return Evaluation(split, len(chosen), confusion, misses)


def table(evaluations: Iterable[Evaluation]) -> str:
    """Per kind: precision, recall and the confusion, one block per split, as Markdown."""
    lines = [
        "| split | kind | per | precision | recall | tp | fp | fn | tn |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for evaluation in evaluations:
        for kind, c in evaluation.confusion.items():
            per = "sentence" if kind in SENTENCE_KINDS else "reflection"
            lines.append(
                f"| {evaluation.split} ({evaluation.size}) | {kind} | {per} | "
                f"{c.precision:.2f} | {c.recall:.2f} | {c.tp} | {c.fp} | {c.fn} | {c.tn} |"
            )
    return "\n".join(lines)
