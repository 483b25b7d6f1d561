"""The table of alliance stamps (`alliance.lib.stamps`) and its triggers. The triggers are
put in place again after every `migrate` as well; undone, they go before the table."""

from django.db import migrations, models

from alliance.lib import stamps


def install(apps, schema_editor):
    stamps.install(schema_editor.connection.alias)


def drop(apps, schema_editor):
    stamps.drop(schema_editor.connection.alias)


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
        migrations.RunPython(install, drop),
    ]
