from django.apps import AppConfig


class TendingConfig(AppConfig):
    """Keeping an alliance alive: check-in rhythm, check-ins, tending signals, reminders,
    the health timeline and the personal calendar feed."""

    name = "alliance.tending"
    label = "tending"

    def ready(self) -> None:
        from alliance.alliances.models import EVENT_VERBS
        from alliance.tending import nudges, services  # noqa: F401  (they register themselves)
        from alliance.tending.models import TendingEvent

        EVENT_VERBS.update({str(kind.value): kind.label for kind in TendingEvent})
