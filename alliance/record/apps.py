from django.apps import AppConfig


class RecordConfig(AppConfig):
    """The record people keep: sealed versions and history, refused changes, exports that
    verify, and each person's own data to take or erase."""

    name = "alliance.record"
    label = "record"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # checks registers the triggers' check, takeout its reaction to an erasure
        from alliance.record import checks, takeout, triggers  # noqa: F401

        triggers.register_sqlite_functions()
        post_migrate.connect(triggers.install_after_migrate, sender=self)
