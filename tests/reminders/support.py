"""Helpers: items in a given state at a given time, sweeps inside on-commit capture, readable reminder sets."""

from __future__ import annotations

import datetime

from ducha.devtools.demo import DemoWorld
from ducha.items import services as item_services
from ducha.items.models import Item
from ducha.reminders import services
from ducha.reminders.models import Reminder
from tests.helpers import advance, make_item


def running_item(
    world: DemoWorld, *, due: datetime.date, signed: bool = True, co_units: tuple[str, ...] = (), **fields
) -> Item:
    """An item due on `due`, assigned now (the caller travels first) to fgw (and co-units), signed by fgw."""
    item = make_item(world, co_units=co_units, due_date=due, **fields)
    item = advance(world, item, "assigned")
    if signed:
        item_services.item_sign(item_id=item.pk, actor=world.user("fgw"))
        item.refresh_from_db()
    return item


def sweep(travel, capture, *when: int) -> services.SweepResult:
    at = travel(*when)
    with capture(execute=True):
        return services.sweep(at=at)


def sent(item: Item | None = None, **filters) -> set[tuple[str, str, int]]:
    """{(recipient username, kind, step)} of the reminders written so far."""
    queryset = Reminder.objects.filter(**filters)
    if item is not None:
        queryset = queryset.filter(item=item)
    return set(queryset.values_list("recipient__username", "kind", "step"))
