"""Default reminder rules (a copy of ducha/reminders/defaults.py as it was): the office edits them in the admin.
Safe to re-run (only missing steps are added)."""

from django.db import migrations

# (kind, urgency, step, offset_workdays, offset_hours, audiences)
DEFAULTS = [
    # Not signed for: the liaison after half a working day, the unit head after a working day; 特急 faster.
    ("not_signed", "", 1, 0, 4, ("liaison",)),
    ("not_signed", "", 2, 0, 8, ("unit_head",)),
    ("not_signed", "extra_urgent", 1, 0, 1, ("liaison",)),
    ("not_signed", "extra_urgent", 2, 0, 2, ("unit_head",)),
    # Due soon: 3 and 1 working days before; due today; then the overdue ladder.
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
    # Progress reports: 2 working days before the period's last working day; missed → the unit head.
    ("progress_due", "", 1, -2, 0, ("handler", "liaison")),
    ("progress_due", "", 2, 1, 0, ("unit_head",)),
    # Decisions waiting.
    ("report_check", "", 1, 1, 0, ("unit_head",)),
    ("review", "", 1, 3, 0, ("office",)),
    ("extension", "", 1, 1, 0, ("office", "leader")),
]


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for kind, urgency, step, workdays, hours, audiences in DEFAULTS:
        ReminderRule.objects.get_or_create(
            kind=kind,
            urgency=urgency,
            source_type="",
            step=step,
            defaults={
                "offset_workdays": workdays,
                "offset_hours": hours,
                **{f"to_{audience}": True for audience in audiences},
                "to_tracker": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_reminders")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
