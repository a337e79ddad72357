"""Demo data only: an item's history (办理过程) told in the same time as its own fields.

The demo drives every item through the real services "now" and then moves the item's date fields back
(`Builder.backdate`). Left alone, the audit events and reports would keep the moment the demo ran, so an item
created and assigned weeks ago would show every step of its 办理过程 today, after its own 创建/交办 times. Here each
event is moved into the item's own past: the events that mark a date field of the item (created, approved,
assigned, signed for, checked by the head, closed, archived) take that field's moment, and the steps between two
such marks are spread evenly between them, in the order they happened. The reports and reviews the events point
to take their event's moment. The product itself never rewrites an audit event; only the demo builder does, once,
right after creating the item.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ducha.audit.models import Event, EventType
from ducha.items.models import Assignment, Item, Report, Review

E = EventType
# Event type → the item field whose moment it marks.
ITEM_MARKS: dict[str, str] = {
    E.ITEM_CREATED: "created_at",
    E.ITEM_APPROVED: "approved_at",
    E.ITEM_ASSIGNED: "assigned_at",
    E.ITEM_CLOSED: "closed_at",
    E.ITEM_ARCHIVED: "archived_at",
}
STEP = datetime.timedelta(minutes=7)


def _marks(item: Item, events: list[Event]) -> dict[int, datetime.datetime]:
    """Event id → the moment one of the item's own fields says it happened."""
    marks: dict[int, datetime.datetime] = {}
    for event in events:
        field = ITEM_MARKS.get(event.event_type)
        moment = getattr(item, field) if field else None
        if moment is not None:
            marks[event.pk] = moment
    # The first event is the item's creation (item_created, or item_delegated for a delegated child item).
    marks[events[0].pk] = item.created_at
    # Only the last approval counts (a delegated child has none of its own).
    approvals = [e for e in events if e.event_type == E.ITEM_APPROVED]
    for earlier in approvals[:-1]:
        marks.pop(earlier.pk, None)
    # The head's last check is when the item was completed (item_report_approve sets completed_at).
    checks = [e for e in events if e.event_type == E.ITEM_REPORT_APPROVED]
    if checks and item.completed_at is not None:
        marks[checks[-1].pk] = item.completed_at
    # Each unit signs for its own assignment.
    signed = {
        unit_id: moment
        for unit_id, moment in Assignment.objects.filter(item=item, signed_at__isnull=False).values_list(
            "unit_id", "signed_at"
        )
    }
    for event in events:
        if event.event_type == E.ITEM_SIGNED:
            unit_id = (event.new or {}).get("unit") if isinstance(event.new, dict) else None
            unit_id = unit_id or event.actor_unit_id
            moment = signed.get(unit_id) if unit_id else None
            if moment is not None:
                marks[event.pk] = moment
    return marks


def _retimed(events: list[Event], marks: dict[int, datetime.datetime], now: datetime.datetime) -> list[Event]:
    """The events with their new moments: marked ones at their mark, the others spread between the latest moment
    so far and the next mark after it (or now), never before an earlier step and never in the future."""
    floor: datetime.datetime | None = None
    index = 0
    while index < len(events):
        event = events[index]
        if event.pk in marks:
            event.created_at = marks[event.pk]
            floor = event.created_at if floor is None else max(floor, event.created_at)
            index += 1
            continue
        run_end = index
        while run_end < len(events) and events[run_end].pk not in marks:
            run_end += 1
        start = floor if floor is not None else now
        following = [marks[e.pk] for e in events[run_end:] if e.pk in marks and marks[e.pk] > start]
        end = min(following[0] if following else now, now)
        count = run_end - index
        gap = (end - start) / (count + 1) if end > start else datetime.timedelta(0)
        for offset, unmarked in enumerate(events[index:run_end], start=1):
            moment = start + gap * offset if gap else start + STEP * offset
            unmarked.created_at = min(moment, now)
        floor = max(start, events[run_end - 1].created_at)
        index = run_end
    return events


def events_follow_fields(item_ids: Iterable[int], *, now: datetime.datetime) -> None:
    """Move the items' audit events (and the reports and reviews they point to) into the items' own past."""
    for item in Item.objects.filter(pk__in=list(item_ids)):
        events = list(Event.objects.filter(subject_type="item", subject_id=item.pk).order_by("id"))
        if not events:
            continue
        retimed = _retimed(events, _marks(item, events), now)
        Event.objects.bulk_update(retimed, ["created_at"])
        reports: dict[int, datetime.datetime] = {}
        head_checks: dict[int, datetime.datetime] = {}
        reviews: dict[int, datetime.datetime] = {}
        for event in retimed:
            new = event.new if isinstance(event.new, dict) else {}
            if "report" in new and event.event_type in (E.ITEM_PROGRESS, E.ITEM_REPORTED):
                reports.setdefault(new["report"], event.created_at)
            if "report" in new and event.event_type in (E.ITEM_REPORT_APPROVED, E.ITEM_REPORT_RETURNED):
                head_checks[new["report"]] = event.created_at
            if "review" in new:
                reviews[new["review"]] = event.created_at
        for report_id, moment in reports.items():
            Report.objects.filter(pk=report_id).update(created_at=moment)
        for report_id, moment in head_checks.items():
            Report.objects.filter(pk=report_id, head_decided_at__isnull=False).update(head_decided_at=moment)
        for review_id, moment in reviews.items():
            Review.objects.filter(pk=review_id).update(created_at=moment)
