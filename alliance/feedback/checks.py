"""The feedback coach's configuration check, seen in `alliance check` and at start-up."""

from typing import Any

from django.core.checks import Error, register


@register()
def check_coach_weights(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Weights that are missing, unreadable or trained for other features would make
    every review fail: say so at start rather than on someone's first keystroke."""
    from alliance.feedback.model import models

    try:
        models()
    except (OSError, ValueError, KeyError, RuntimeError) as problem:
        return [
            Error(
                f"The feedback coach cannot read its weights: {problem}",
                hint="Reinstall Alliance, or train them again with `make train-coach`.",
                id="feedback.E001",
            )
        ]
    return []
