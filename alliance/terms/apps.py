from django.apps import AppConfig


class TermsConfig(AppConfig):
    """Agreeing on terms: proposals, per-term consent, and ratified versions."""

    name = "alliance.terms"
    label = "terms"

    def ready(self) -> None:
        from alliance.lib import stamps
        from alliance.terms import services  # noqa: F401  (registers its reactions)

        # The draft, what waits on whose consent, the version in force (`alliance.lib.stamps`).
        stamps.watch("terms_term", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch("terms_consent", "SELECT alliance_id FROM terms_term WHERE id = {row}.term_id")
        stamps.watch("terms_version", "SELECT {row}.alliance_id AS alliance_id")
