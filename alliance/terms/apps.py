from django.apps import AppConfig


class TermsConfig(AppConfig):
    """Agreeing on terms: proposals, per-term consent, and ratified versions."""

    name = "alliance.terms"
    label = "terms"

    def ready(self) -> None:
        from alliance.terms import services  # noqa: F401  (registers its reactions)
