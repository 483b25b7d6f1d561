"""The feedback coach measured: precision, recall and the confusion per kind of flag on
every split of the labelled reflections (tests/feedback/coach_reflections.json), every
miss, and the time one review takes (median and 99th percentile per reflection).

Only the ``untouched`` and ``untouched-4`` splits say how the coach does on text it never
read (the second by writers no training read either): every other
split trained its weights, so their figures show only that training took (see
bench/train_coach.py, whose cross-validation measures each split with a model that did not
read it).

    .venv/bin/python bench/coach_eval.py            # tables, timing and every miss
    .venv/bin/python bench/coach_eval.py --summary  # tables and timing only

The misses of the untouched splits are not printed unless asked (``--untouched-misses``):
reading them is how a rule comes to be fixed against the very text that measures it.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

import django

django.setup()  # the coach's words go through gettext, which needs the app registry

from alliance.feedback.coach import review  # noqa: E402
from tests.feedback.evaluation import (  # noqa: E402
    NEVER_TRAINED,
    Evaluation,
    evaluate,
    items,
    splits,
    table,
    text_of,
)

ROUNDS = 20


def timings_ms() -> list[float]:
    """Milliseconds per review, every reflection of the data reviewed ``ROUNDS`` times
    after one warm-up round (the first review loads VADER's lexicon)."""
    texts = [text_of(item) for item in items()]
    for text in texts:
        review(text)
    spent = []
    for _ in range(ROUNDS):
        for text in texts:
            start = time.perf_counter()
            review(text)
            spent.append((time.perf_counter() - start) * 1000)
    return spent


def print_misses(evaluation: Evaluation) -> None:
    print(f"\nMisses in {evaluation.split}: {len(evaluation.misses)}")
    for miss in evaluation.misses:
        missed = "missed" if miss.expected else "wrongly flagged"
        where = f": {miss.sentence}" if miss.sentence is not None else f" in: {miss.text}"
        print(f"  #{miss.item_id} {miss.kind} {missed}{where}")


def main() -> None:
    evaluations = [evaluate(split) for split in splits()]
    print(table(evaluations))
    spent = sorted(timings_ms())
    p99 = spent[min(len(spent) - 1, int(len(spent) * 0.99))]
    print(
        f"\nTime per reflection over {len(spent)} reviews: median "
        f"{statistics.median(spent):.2f} ms, p99 {p99:.2f} ms, max {spent[-1]:.2f} ms"
    )
    if "--summary" not in sys.argv:
        for evaluation in evaluations:
            if evaluation.split not in NEVER_TRAINED or "--untouched-misses" in sys.argv:
                print_misses(evaluation)


if __name__ == "__main__":
    main()
