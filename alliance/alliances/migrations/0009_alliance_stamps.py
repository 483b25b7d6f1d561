"""Alliance stamps (`alliance.lib.stamps`): the table, and the triggers of this app's rows
a dashboard card and the agenda show: the alliance's title, who is in it, who is invited,
and their names."""

from django.conf import settings
from django.db import migrations, models

from alliance.lib.stamps import stamp_alliance_on_write

OWN_ALLIANCE = "SELECT {row}.alliance_id AS alliance_id"


class Migration(migrations.Migration):
    dependencies = [
        ("alliances", "0008_chained_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AllianceStamp",
            fields=[
                ("alliance_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        # The alliance's title shows on its agenda lines (its card names its row itself).
        stamp_alliance_on_write(
            "alliances_alliance",
            "SELECT {row}.id AS alliance_id",
            columns=("title", "kind", "purpose", "current_version_id", "closed_at"),
        ),
        stamp_alliance_on_write("alliances_party", OWN_ALLIANCE),
        stamp_alliance_on_write("alliances_invitation", OWN_ALLIANCE),
        # A person's name shows on the cards of every alliance they were ever in.
        stamp_alliance_on_write(
            "accounts_user",
            "SELECT alliance_id FROM alliances_party WHERE user_id = {row}.id",
            columns=("display_name", "email", "pseudonym_number"),
        ),
    ]
