from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "alliance.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        # Registers the nudge providers this app knows about, what a party's leaving does
        # to what is held for their digest, and what erasing an account deletes.
        from alliance.outbox import digests, nudges, services  # noqa: F401
