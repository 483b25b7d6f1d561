from django.apps import AppConfig


class StartingConfig(AppConfig):
    """Starting an alliance: built-in and personal templates, saving an alliance as one,
    starting from one, and the template file format."""

    name = "alliance.starting"
    label = "starting"

    def ready(self) -> None:
        from alliance.alliances.models import EVENT_VERBS
        from alliance.starting import services  # noqa: F401  (registers the groundwork source)
        from alliance.starting.models import StartingEvent

        EVENT_VERBS.update({str(kind.value): kind.label for kind in StartingEvent})
