"""Deadlines that rest on the working-day calendar move when a year's arrangement is entered or corrected. The
calendar does not know items: it publishes `calendar.arrangement_changed` and items listen (`apps.py`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.items.services.base import compute_due_date, record
from ducha.orgs.models import User
from ducha.workcalendar import services as workdays


def deadline_recompute_candidates(year: int | None) -> Q:
    """The items a change of `year`'s arrangement may move: running items resting on provisional days, or whose
    deadline period touches `year`. Shared by the recomputation and the calendar page's preview."""
    affected = Q(due_date_is_provisional=True)
    if year is not None:
        affected |= Q(
            due_date__gte=datetime.date(year, 1, 1), assigned_at__date__lt=datetime.date(year + 1, 1, 1)
        )
    return affected & Q(status__in=ItemStatus.running())


@transaction.atomic
def item_deadlines_recompute(*, actor: User | None, year: int | None = None) -> int:
    """Recompute stored due dates after a year's working-day arrangement was entered or corrected.

    Affected: running items whose due date rests on provisional days, and (with `year`) running items whose
    deadline period touches that year. Items whose deadline is N working days are recounted from their
    assignment date; items with a fixed date keep it and only their yellow-light date moves. Returns how many
    items changed. Not a transition: the status stays. Audit: item_deadline_recomputed per changed item (old and
    new due date)."""
    queryset = Item.objects.select_for_update().filter(deadline_recompute_candidates(year))
    changed = 0
    for item in queryset.order_by("pk").iterator(chunk_size=500):
        old = (item.due_date, item.warn_date, item.due_date_is_provisional)
        assert item.assigned_at is not None
        compute_due_date(item, timezone.localdate(item.assigned_at))
        if (item.due_date, item.warn_date, item.due_date_is_provisional) == old:
            continue
        item.save(update_fields=["due_date", "warn_date", "due_date_is_provisional", "updated_at"])
        record(
            item,
            EventType.ITEM_DEADLINE_RECOMPUTED,
            actor,
            old={"due_date": old[0].isoformat() if old[0] else None, "provisional": old[2]},
            new={
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "provisional": item.due_date_is_provisional,
            },
        )
        changed += 1
    return changed


def on_arrangement_changed(*, year: int, actor: User | None, **_: Any) -> int:
    """Listener of `calendar.arrangement_changed`: move the deadlines resting on `year`. Returns how many moved."""
    return item_deadlines_recompute(actor=actor, year=year)


@transaction.atomic
def calendar_arrangement_enter(
    *,
    year: int,
    holidays: dict[datetime.date, str] | list[datetime.date],
    workdays_list: list[datetime.date],
    actor: User,
    note: str = "",
) -> int:
    """Enter the State Council's arrangement for `year` (holidays and make-up working days) and move every
    deadline that depends on it (the calendar publishes the change; `on_arrangement_changed` moves them), in one
    transaction. Returns how many items' due dates changed."""
    entered = workdays.calendar_year_set(
        year=year, holidays=holidays, workdays=workdays_list, actor=actor, note=note
    )
    return entered.moved
