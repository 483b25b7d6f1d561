from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "alliance.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        # Registers the nudge providers this app knows about.
        from alliance.outbox import nudges  # noqa: F401
