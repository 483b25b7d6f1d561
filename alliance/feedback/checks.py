"""The feedback coach's configuration check, seen in `alliance check` and at start-up."""

from typing import Any

from django.core.checks import Error, register


@register()
def check_coach_model(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A language model that is missing or unreadable would make every review fail: say so
    at start rather than on someone's first keystroke."""
    from alliance.feedback.coach import KINDS, NO_FIRST_PERSON
    from alliance.feedback.reading import load

    try:
        # A model of its own, dropped after: a process that never reviews (the worker, a
        # command) does not keep one loaded for the check's sake.
        model = load()
        missing = set(KINDS) - {NO_FIRST_PERSON} - set(model.thresholds)
        if missing:
            raise KeyError(f"no threshold for {', '.join(sorted(missing))}")
        model.read(["A sentence to read.", "And another one."])
    except Exception as problem:  # any reason it cannot serve, from files to ONNX Runtime
        return [
            Error(
                f"The feedback coach cannot load its language model: {problem}",
                hint="Reinstall Alliance, or train it again with `make train-coach`.",
                id="feedback.E001",
            )
        ]
    return []
