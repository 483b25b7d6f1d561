from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    """Alliances, their parties, the invitations that make parties, and their history."""

    name = "alliance.alliances"
    label = "alliances"
