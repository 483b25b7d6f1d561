"""The table of alliance stamps (`alliance.lib.stamps`); its triggers are installed after
every `migrate`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alliances", "0008_chained_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="AllianceStamp",
            fields=[
                ("alliance_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
    ]
