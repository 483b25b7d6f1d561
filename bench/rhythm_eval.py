"""How often the rhythm read from a term is the one a person would read, per table of
hand-labelled phrases (tests/tending/rhythm_evaluation.py), plus every miss.

    .venv/bin/python bench/rhythm_eval.py
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

from tests.tending.rhythm_evaluation import TABLES, agreement


def main() -> None:
    print(f"{'table':<18} {'phrases':>7} {'exact':>6} {'rhythms found':>14} {'false':>6}")
    results = {table: agreement(table) for table in TABLES}
    for table, result in results.items():
        print(
            f"{table:<18} {result.phrases:>7} {result.rate:>6.0%} "
            f"{result.rhythms_found:>6}/{result.rhythms:<7} "
            f"{result.false_suggestions:>3}/{result.nones}"
        )
    for table, result in results.items():
        print(f"\nMisses in {table}: {len(result.misses)}")
        for text, want, got in result.misses:
            print(f"  expected {want} found {got}: {text}")


if __name__ == "__main__":
    main()
