"""The coach's learned weights: one linear model per kind of flag, read from
``coach_weights.json`` (written by ``bench/train_coach.py`` from the labelled reflections
in tests/feedback/, never from the untouched splits).

A score is the sum of the weights of the features present (``features``); the kind is
flagged when the score reaches the model's threshold. Being linear, every decision is the
sum of named weights a person can list and argue with.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alliance.feedback.features import FEATURES_VERSION

WEIGHTS = Path(__file__).with_name("coach_weights.json")


@dataclass(frozen=True)
class LinearModel:
    weights: dict[str, float]
    threshold: float

    def score(self, features: list[str]) -> float:
        """The log-odds that the kind applies, from the distinct features present."""
        weights = self.weights
        return sum(weights.get(feature, 0.0) for feature in set(features))

    def applies(self, features: list[str]) -> bool:
        return self.score(features) >= self.threshold


def probability(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))


@cache
def models() -> dict[str, LinearModel]:
    """Every kind's model, loaded once per process. The file names the feature version it
    was trained with; a mismatch means the weights no longer fit the features."""
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    if data.get("features_version") != FEATURES_VERSION:
        raise RuntimeError(
            f"{WEIGHTS.name} was trained for features version {data.get('features_version')}, "
            f"these are version {FEATURES_VERSION}: run bench/train_coach.py"
        )
    return {
        kind: LinearModel(weights=dict(model["weights"]), threshold=float(model["threshold"]))
        for kind, model in data["models"].items()
    }
