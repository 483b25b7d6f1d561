"""The coach measured on reflections it was not tuned on: if a change makes it worse at
any kind of flag, this fails. `bench/coach_eval.py` prints the full table."""

import pytest

from alliance.feedback.coach import KINDS
from tests.feedback.evaluation import reflections, scores

THRESHOLD = 0.85


def test_the_dataset_is_large_split_in_halves_and_covers_every_kind():
    tune, holdout = reflections("tune"), reflections("holdout")
    assert len(tune) + len(holdout) >= 100
    assert abs(len(tune) - len(holdout)) <= 1
    for half in (tune, holdout):
        labelled = {kind for item in half for kind in item["expected"]}
        assert labelled == set(KINDS)
        assert sum(1 for item in half if not item["expected"]) >= 15


@pytest.mark.parametrize("kind", KINDS)
def test_holdout_precision_and_recall_stay_high(kind):
    score = scores("holdout")[kind]
    assert score.precision >= THRESHOLD, score
    assert score.recall >= THRESHOLD, score
