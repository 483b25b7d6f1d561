from django.apps import AppConfig


class TermsConfig(AppConfig):
    """Agreeing on terms: proposals, per-term consent, and ratified versions."""

    name = "alliance.terms"
    label = "terms"
