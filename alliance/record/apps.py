from django.apps import AppConfig


class RecordConfig(AppConfig):
    """The record people keep: sealed versions and history, refused changes, exports that
    verify, and each person's own data to take or erase."""

    name = "alliance.record"
    label = "record"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from alliance.record import checks, triggers  # noqa: F401  (checks registers)

        triggers.register_sqlite_functions()
        post_migrate.connect(triggers.install_after_migrate, sender=self)
