"""Precision and recall of the feedback coach per flag kind, on both halves of the
labelled reflections (tests/feedback/reflections.json), plus every miss.

    .venv/bin/python bench/coach_eval.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.feedback.evaluation import SPLITS, misses, table


def main() -> None:
    print(table())
    for split in SPLITS:
        wrong = misses(split)
        print(f"\nMisses in {split}: {len(wrong)}")
        for item_id, expected, found, text in wrong:
            print(f"  #{item_id} expected {expected} found {found}: {text}")


if __name__ == "__main__":
    main()
