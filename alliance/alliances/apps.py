from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    """Alliances, their parties, the invitations that make parties, and their history."""

    name = "alliance.alliances"
    label = "alliances"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from alliance.alliances import checks  # noqa: F401  (registers the stamps' check)
        from alliance.lib import stamps

        # What a dashboard card, the agenda and the alliance page show of these rows
        # (`alliance.lib.stamps`): the alliance's title (a card names its whole row), who
        # is in it, who is invited, and their names.
        stamps.watch(
            "alliances_alliance",
            "SELECT {row}.id AS alliance_id",
            columns=("title", "kind", "purpose", "current_version_id", "closed_at"),
        )
        stamps.watch("alliances_party", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch("alliances_invitation", "SELECT {row}.alliance_id AS alliance_id")
        # The alliance page also shows the recent history and what observers may see.
        stamps.watch("alliances_event", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch("alliances_observerallowance", "SELECT {row}.alliance_id AS alliance_id")
        stamps.watch(
            "accounts_user",
            "SELECT alliance_id FROM alliances_party WHERE user_id = {row}.id",
            columns=("display_name", "email", "pseudonym_number"),
        )
        pre_migrate.connect(stamps.drop_before_migrate, sender=self)
        post_migrate.connect(stamps.install_after_migrate, sender=self)
