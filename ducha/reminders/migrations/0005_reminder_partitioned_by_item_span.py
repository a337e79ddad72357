"""The reminders partitioned by spans of item ids on PostgreSQL (ducha.reminders.partitions says why: the unique
keys that make the sweep safe to re-run hold the item, not the time); SQLite keeps its plain table.

Converts a filled table in this migration's transaction: partitions of about a year of items each (the last
year's rate, at least 100,000 ids) from 0 to one span beyond the highest item, plus a DEFAULT one (the
rectifications' reminders, which have no item); every row copied; the old table dropped; the identity continued;
a primary key on `id` in each partition; the unique keys with the item column (NULLS NOT DISTINCT for the
rectifications' key); the other indexes and constraints under their names. ACCESS EXCLUSIVE on the table
meanwhile: a sweep waits. Reversible: the reverse makes the plain table again from the model of 0004.

The model is unchanged; a later migration that alters the primary key or the unique keys on PostgreSQL must be
written by hand.
"""

from django.db import migrations
from django.utils import timezone


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ducha.common.partitions import convert
    from ducha.reminders.partitions import REMINDERS

    report = convert(schema_editor.connection, REMINDERS, now=timezone.now())
    if report.done:
        print(f"\n  {report}", end="")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ducha.common.partitions import revert
    from ducha.reminders.partitions import REMINDERS

    revert(
        schema_editor.connection,
        REMINDERS,
        model=apps.get_model("reminders", "Reminder"),
        schema_editor=schema_editor,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("reminders", "0004_delivery_queued_task_id"),
        ("items", "0010_daily_work"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
