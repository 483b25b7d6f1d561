from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """The feedback coach: points out blame, absolutes and negative openings in a
    reflection and suggests an "I"-statement, offline and explainably."""

    name = "alliance.feedback"
    label = "feedback"

    def ready(self) -> None:
        from alliance.feedback import checks  # noqa: F401  (registers the system check)
