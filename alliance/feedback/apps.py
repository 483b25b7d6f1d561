from django.apps import AppConfig
from django.core import checks


class FeedbackConfig(AppConfig):
    """The feedback coach: points out blame, absolutes and negative openings in a
    reflection and suggests an "I"-statement, offline and explainably."""

    name = "alliance.feedback"
    label = "feedback"

    def ready(self) -> None:
        checks.register(weights_fit_the_features)


def weights_fit_the_features(**kwargs: object) -> list[checks.CheckMessage]:
    """A deploy whose weights were trained for other features would make every review
    fail; say so at start rather than on the first keystroke."""
    from alliance.feedback.model import models

    try:
        models()
    except (OSError, ValueError, KeyError, RuntimeError) as problem:
        return [checks.Error(str(problem), id="feedback.E001")]
    return []
