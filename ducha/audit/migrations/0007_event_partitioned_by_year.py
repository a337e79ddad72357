"""The audit log partitioned by Beijing calendar year on PostgreSQL (ducha.audit.partitions says why and what
replaces the keys PostgreSQL cannot keep global); SQLite keeps its plain table and 0006's triggers.

Converts a filled table in this migration's transaction: the partitioned table beside it with a partition per year
of the data (from its earliest year, at most 30 back) and of the next year, plus a DEFAULT one; every row copied;
the old table dropped; the identity continued from its sequence; the primary key (id, created_at), the foreign
keys, the indexes under their names, chain_seq unique in each partition; the guards (0006's, extended) and the
TRUNCATE guard of each partition. ACCESS EXCLUSIVE on the table meanwhile: writers wait. Reversible: the reverse
makes the plain table again from the model of 0006 and reinstalls 0006's triggers.

The model is unchanged (Django still sees `id` as the primary key and `chain_seq` as unique, which the database
keeps as said): a later migration that alters those two on PostgreSQL must be written by hand.
"""

import importlib

from django.db import migrations
from django.utils import timezone

GUARDS_0006 = "ducha.audit.migrations.0006_chain_and_guards"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ducha.audit.partitions import EVENTS
    from ducha.common.partitions import convert

    report = convert(schema_editor.connection, EVENTS, now=timezone.now())
    if report.done:
        print(f"\n  {report}", end="")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from ducha.audit.partitions import EVENTS
    from ducha.common.partitions import revert

    report = revert(
        schema_editor.connection, EVENTS, model=apps.get_model("audit", "Event"), schema_editor=schema_editor
    )
    if report.done:
        with schema_editor.connection.cursor() as cursor:
            for function in ("audit_event_moved_guard()", "audit_event_partition_truncate_guard()"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}")
        importlib.import_module(GUARDS_0006).guards_install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0006_chain_and_guards"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
