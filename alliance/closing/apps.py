from django.apps import AppConfig


class ClosingConfig(AppConfig):
    """Closing the alliance well: a closing conversation, everyone agrees, the record stays;
    reopening it takes everyone too."""

    name = "alliance.closing"
    label = "closing"

    def ready(self) -> None:
        from alliance.alliances.models import EVENT_VERBS
        from alliance.alliances.services import KINDS_WHEN_CLOSED
        from alliance.closing import services  # noqa: F401  (it registers its reactions)
        from alliance.closing.models import ClosingEvent

        EVENT_VERBS.update({str(k.value): k.label for k in ClosingEvent})
        KINDS_WHEN_CLOSED.update(
            {
                ClosingEvent.REOPENING_PROPOSED,
                ClosingEvent.REOPENING_WITHDRAWN,
                ClosingEvent.REOPENING_AGREED,
                ClosingEvent.REOPENED,
            }
        )
