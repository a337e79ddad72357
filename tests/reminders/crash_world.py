"""Builds a database file for the subprocess tests: migrated, the demo county, six items due on the last working
day before today (by the project's calendar: this file has no official arrangement, so the package's data or the
provisional calendar decides, as in the sweeps that follow), a group robot at a given URL that fgw and its liaison
use. Run as: python crash_world.py ROBOT_URL (through tests.clock.python_command); prints the due date last."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(robot_url: str) -> None:
    import django
    import django.apps

    django.setup()
    import time_machine
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tables straight from the models (replaying every migration takes ~10 s); the default rules seeded below.
    settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    import importlib

    importlib.import_module("ducha.reminders.migrations.0002_default_rules").seed(django.apps.apps, None)

    from django.utils import timezone

    from ducha.devtools.demo import demo_world_create
    from ducha.items import services as item_services
    from ducha.reminders import services
    from ducha.reminders.models import WebhookEndpoint
    from ducha.workcalendar.services import is_workday
    from tests.helpers import advance, make_item

    world = demo_world_create()
    due = timezone.localdate() - datetime.timedelta(days=1)
    while not is_workday(due):
        due -= datetime.timedelta(days=1)
    created = datetime.datetime.combine(due - datetime.timedelta(days=30), datetime.time(10))
    with time_machine.travel(created.replace(tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        for n in range(6):
            item = advance(world, make_item(world, co_units=(), due_date=due, title=f"事项{n}"), "assigned")
            item_services.item_sign(item_id=item.pk, actor=world.user("fgw"))
    # Start from a clean slate: no notices of the assignments above (nor their deliveries).
    from ducha.reminders.models import Message, Reminder, ReminderRun

    Message.objects.all().delete()
    Reminder.objects.all().delete()
    ReminderRun.objects.all().delete()
    WebhookEndpoint.objects.create(name="robot", url=robot_url)
    for username in ("fgw", "fgw_liaison"):
        services.preferences_set(user=world.user(username), channels_enabled={"webhook": True})
    print(due.isoformat())


if __name__ == "__main__":
    main(sys.argv[1])
