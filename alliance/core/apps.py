from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every part of the site shares: the layout, the home page, the commands."""

    name = "alliance.core"
    label = "core"

    def ready(self) -> None:
        from alliance.core import checks  # noqa: F401  (registers the system checks)
