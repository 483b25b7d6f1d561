from django.apps import AppConfig


class TendingConfig(AppConfig):
    """Keeping an alliance alive: check-in rhythm, check-ins, tending signals, reminders,
    the health timeline and the personal calendar feed."""

    name = "alliance.tending"
    label = "tending"

    def ready(self) -> None:
        from alliance.alliances.models import EVENT_VERBS
        from alliance.lib import stamps
        from alliance.tending import nudges, services  # noqa: F401  (they register themselves)
        from alliance.tending.models import TendingEvent

        EVENT_VERBS.update({str(kind.value): kind.label for kind in TendingEvent})
        # When the next check-in is, whether one is due, what was signalled
        # (`alliance.lib.stamps`).
        stamps.watch("tending_rhythm", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch("tending_checkin", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch(
            "tending_rating", "SELECT alliance_id FROM tending_checkin WHERE id = {row}.checkin_id"
        )
        stamps.watch("tending_signal", "SELECT {row}.alliance_id AS alliance_id")
