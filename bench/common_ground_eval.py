"""What common ground lists on thirty hand-written pairs of reflections
(tests/conversations/common_ground_pairs.json): how many listed items a person would show,
how many of the hand-labelled shared themes it finds, every failure and miss, and the time
per prompt.

    .venv/bin/python bench/common_ground_eval.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

from alliance.conversations.commonground import common_ground
from tests.conversations.common_ground_evaluation import evaluate, names, pairs, texts


def main() -> None:
    result = evaluate()
    print(f"listed items:              {result.listed}")
    print(f"passing the written rule:  {result.passing}/{result.listed}")
    print(f"  of which hand-labelled:  {result.labelled}")
    print(f"labelled themes found:     {result.themes_found}/{result.themes}")
    print(f"\nItems breaking the rule: {len(result.failures)}")
    for pair_id, said, why in result.failures:
        print(f"  #{pair_id} {said}: {why}")
    print(f"\nItems passing the rule but not labelled (judge by hand): {len(result.unlabelled)}")
    for pair_id, said in result.unlabelled:
        print(f"  #{pair_id} {said}")
    print(f"\nLabelled themes missed: {len(result.missed)}")
    for pair_id, theme in result.missed:
        print(f"  #{pair_id} {theme}")
    every = pairs()
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        for pair in every:
            common_ground(texts(pair), names=names(pair), prompt=pair["prompt"])
    per_prompt = (time.perf_counter() - started) / (runs * len(every))
    print(f"\nTime per prompt (warm cache): {per_prompt * 1000:.2f} ms")


if __name__ == "__main__":
    main()
