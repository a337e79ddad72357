"""The reminders partitioned on PostgreSQL by spans of item ids (migration reminders 0005,
ducha.reminders.partitions): the unique keys that make the sweep safe to re-run hold in every partition and in the
default one (the rectifications' reminders, which have no item), and a second sweep writes nothing when the items
lie in two partitions. SQLite keeps a plain table (tests/audit/test_partitions.py)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from ducha.common import partitions as partitioning
from ducha.reminders.models import Message, Reminder

from .support import running_item, sweep

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _reminder_row(item_id: int | None, rectification_id: int | None, unit_id: int, recipient_id: int) -> list:
    return [
        item_id,
        rectification_id,
        unit_id,
        recipient_id,
        "liaison",
        "overdue",
        "2026-01-05#1",
        1,
        timezone.now(),
    ]


INSERT_REMINDER = (
    "INSERT INTO reminders_reminder (item_id, rectification_id, unit_id, recipient_id, audience, kind, period, step, "
    "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def test_the_reminders_unique_keys_hold_in_every_partition_and_the_default(world):
    unit, user = world.departments["fgw"], world.user("fgw")
    # an item in the first span, one in the second, a rectification's (no item: the default partition)
    rows = [
        _reminder_row(7, None, unit.pk, user.pk),
        _reminder_row(150_007, None, unit.pk, user.pk),
        _reminder_row(None, 31, unit.pk, user.pk),
    ]
    written = []
    for row in rows:
        with connection.cursor() as cursor:
            cursor.execute(INSERT_REMINDER, row)
            written.append(cursor.rowcount)
    again = []
    for row in rows:
        with connection.cursor() as cursor:
            cursor.execute(INSERT_REMINDER, row)
            again.append(cursor.rowcount)

    assert (written, again) == ([1, 1, 1], [0, 0, 0])
    with connection.cursor() as cursor:
        assert partitioning.partition_of_row(cursor, "reminders_reminder", "item_id", 7) == [
            "reminders_reminder_items_0"
        ]
        assert partitioning.partition_of_row(cursor, "reminders_reminder", "item_id", 150_007) == [
            "reminders_reminder_items_100000"
        ]
        assert partitioning.partition_of_row(cursor, "reminders_reminder", "rectification_id", 31) == [
            "reminders_reminder_default"
        ]


def test_a_second_sweep_writes_nothing_when_the_items_lie_in_two_partitions(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    first_item = running_item(world, due=datetime.date(2026, 11, 13))
    second_item = running_item(world, due=datetime.date(2026, 11, 12), title="第二个事项")
    # Cut the first span at the second item (inside this test's transaction): one item in each partition.
    cut = second_item.pk
    sql("ALTER TABLE reminders_reminder DETACH PARTITION reminders_reminder_items_0")
    sql("ALTER TABLE reminders_reminder_items_0 RENAME TO reminders_reminder_items_0_whole")
    sql(
        f"CREATE TABLE reminders_reminder_items_0 PARTITION OF reminders_reminder FOR VALUES FROM (0) TO ({cut})"
    )
    sql(
        f"CREATE TABLE reminders_reminder_items_{cut} PARTITION OF reminders_reminder "
        f"FOR VALUES FROM ({cut}) TO (100000)"
    )
    sql("INSERT INTO reminders_reminder SELECT * FROM reminders_reminder_items_0_whole")
    sql("DROP TABLE reminders_reminder_items_0_whole")

    first = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)
    counts = (Reminder.objects.count(), Message.objects.count())
    again = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)

    assert first.reminders > 0
    assert (again.reminders, again.messages) == (0, 0)
    assert (Reminder.objects.count(), Message.objects.count()) == counts
    with connection.cursor() as cursor:
        assert partitioning.partition_of_row(cursor, "reminders_reminder", "item_id", first_item.pk) == [
            "reminders_reminder_items_0"
        ]
        assert partitioning.partition_of_row(cursor, "reminders_reminder", "item_id", second_item.pk) == [
            f"reminders_reminder_items_{cut}"
        ]
