"""Precision and recall of the feedback coach on the labelled reflections.

Shared by the evaluation test and `bench/coach_eval.py`. The split field was set before
any tuning, alternating; only the "tune" half was looked at while writing the rules.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from alliance.feedback.coach import KINDS, review

DATASET = Path(__file__).with_name("reflections.json")
SPLITS = ("tune", "holdout")


@dataclass(frozen=True)
class Score:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        claimed = self.true_positives + self.false_positives
        return self.true_positives / claimed if claimed else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def reflections(split: str) -> list[dict]:
    return [item for item in json.loads(DATASET.read_text()) if item["split"] == split]


def scores(split: str) -> dict[str, Score]:
    """Per flag kind, counted per reflection: a kind is found or missed once per text."""
    counts = {kind: [0, 0, 0] for kind in KINDS}
    for item in reflections(split):
        expected = set(item["expected"])
        found = {flag.kind for flag in review(item["text"])}
        for kind in KINDS:
            tp_fp_fn = counts[kind]
            tp_fp_fn[0] += kind in expected and kind in found
            tp_fp_fn[1] += kind in found and kind not in expected
            tp_fp_fn[2] += kind in expected and kind not in found
    return {kind: Score(kind, *counts[kind]) for kind in KINDS}


def misses(split: str) -> list[tuple[int, list[str], list[str], str]]:
    """(id, expected, found, text) for every reflection the coach gets wrong."""
    wrong = []
    for item in reflections(split):
        found = sorted({flag.kind for flag in review(item["text"])})
        if found != sorted(item["expected"]):
            wrong.append((item["id"], sorted(item["expected"]), found, item["text"]))
    return wrong


def table() -> str:
    """The per-kind table for both halves, as Markdown."""
    lines = [
        "| split | kind | precision | recall | tp | fp | fn |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split in SPLITS:
        for score in scores(split).values():
            lines.append(
                f"| {split} ({len(reflections(split))}) | {score.kind} | {score.precision:.2f} "
                f"| {score.recall:.2f} | {score.true_positives} | {score.false_positives} "
                f"| {score.false_negatives} |"
            )
    return "\n".join(lines)
