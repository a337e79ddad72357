"""The reminders partitioned on PostgreSQL: by spans of item ids, about a year of new items each (migration
reminders 0005).

Why by item and not by time: the reminders' unique keys — (item, unit, recipient, kind, period), and
(rectification, unit, recipient, kind, period) — are what makes the sweep safe to re-run, and they must stay global:
the sweep selects the same keys again every five minutes for as long as their condition holds (an item overdue for
two years is a candidate for its "overdue" steps every day), and only the key stops a second reminder. PostgreSQL
keeps a unique key on a partitioned table only when it holds the partition key; `created_at` is in neither key, the
item is in the first. Items are numbered in the order they are made, so a span of item ids is an era of items, and
every reminder of one item lies in one partition: the unique key per partition is the global one. The sweep's
`INSERT … ON CONFLICT DO NOTHING` is routed to the item's partition and probes only its index.

What replaces what PostgreSQL cannot keep:

- Reminders of a rectification have no item (NULL): they live in the default partition, and their key carries the
  item column too, with NULLS NOT DISTINCT — unchanged in effect, as the item is always NULL on those rows.
- No primary key on the parent (a key column may be NULL): each partition has its own on `id` (an identity
  sequence numbers them all); nothing refers to a reminder by a foreign key.

Read by run, by recipient or by the unit's record (evaluation, accountability: by time), a query visits every
partition's index (there are few: a span per year of items); read by item (the item page, the sweep's keys), one.
A span is archived once every item in it is finished (`ducha partitions detach`).
"""

from __future__ import annotations

import datetime

from django.db.backends.utils import CursorWrapper

from ducha.common.partitions import Partition, SpanScheme, quote, register
from ducha.items.statuses import ItemStatus


class ReminderScheme(SpanScheme):
    label = "items"

    def is_closed(self, cursor: CursorWrapper, partition: Partition, *, now: datetime.datetime) -> str | None:
        bounds = partition.bounds
        if bounds is None:
            return "not a span of items"
        lower, upper = (int(bound.strip("'")) for bound in bounds)
        if upper > self._domain_max(cursor) + 1:
            return "items are still being numbered into this span"
        finished = sorted(ItemStatus.finished())
        cursor.execute(
            f"SELECT count(*) FROM {quote(self.domain_table)} WHERE id >= %s AND id < %s "
            f"AND NOT (status = ANY(%s))",
            [lower, upper, finished],
        )
        running = int(cursor.fetchone()[0])
        return f"{running} item(s) of this span are not finished" if running else None


REMINDERS = register(
    ReminderScheme(
        "reminders_reminder",
        "item_id",
        local_primary_key=("id",),
        # Insert-only: the insert threshold vacuums often enough to keep the visibility map (index-only scans of
        # the unit's record) and the statistics fresh after each day's first sweep.
        storage={
            "autovacuum_vacuum_insert_scale_factor": "0.05",
            "autovacuum_analyze_scale_factor": "0.02",
        },
        domain_table="items_item",
        domain_time="created_at",
    )
)
