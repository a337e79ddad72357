"""The default reminder rules. The data migration 0002 writes a copy of them to the database, where the office
edits them (admin); while the table is empty (never seeded, or flushed) the sweep uses these. To stop a kind, make
its steps inactive rather than deleting every rule."""

from __future__ import annotations

from ducha.reminders.models import ReminderRule

# (kind, urgency, step, offset_workdays, offset_hours, audiences); the tracker always hears too.
DEFAULT_RULES = [
    ("not_signed", "", 1, 0, 4, ("liaison",)),
    ("not_signed", "", 2, 0, 8, ("unit_head",)),
    ("not_signed", "extra_urgent", 1, 0, 1, ("liaison",)),
    ("not_signed", "extra_urgent", 2, 0, 2, ("unit_head",)),
    ("due_soon", "", 1, -3, 0, ("handler", "liaison")),
    ("due_soon", "", 2, -1, 0, ("handler", "liaison")),
    ("due_today", "", 1, 0, 0, ("handler", "liaison")),
    ("overdue", "", 1, 1, 0, ("handler", "liaison")),
    ("overdue", "", 2, 3, 0, ("unit_head",)),
    ("overdue", "", 3, 5, 0, ("office",)),
    ("overdue", "", 4, 10, 0, ("leader",)),
    ("overdue", "extra_urgent", 1, 1, 0, ("handler", "liaison", "unit_head")),
    ("overdue", "extra_urgent", 2, 2, 0, ("office",)),
    ("overdue", "extra_urgent", 3, 3, 0, ("leader",)),
    ("progress_due", "", 1, -2, 0, ("handler", "liaison")),
    ("progress_due", "", 2, 1, 0, ("unit_head",)),
    ("report_check", "", 1, 1, 0, ("unit_head",)),
    ("review", "", 1, 3, 0, ("office",)),
    ("extension", "", 1, 1, 0, ("office", "leader")),
]


def default_rules(kind: str) -> list[ReminderRule]:
    """The defaults of `kind` as unsaved rule objects."""
    return [
        ReminderRule(
            kind=rule_kind,
            urgency=urgency,
            source_type="",
            step=step,
            offset_workdays=workdays,
            offset_hours=hours,
            to_tracker=True,
            **{f"to_{audience}": True for audience in audiences},
        )
        for rule_kind, urgency, step, workdays, hours, audiences in DEFAULT_RULES
        if rule_kind == kind
    ]
