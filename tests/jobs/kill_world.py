"""Builds a database file for the killed-worker test: migrated, the demo county, ITEMS drafts the office sees (one
made by the services, the rest copied in bulk) and the office's ledger export asked for — queued as a task of the
database backend (DUCHA_TASKS_BACKEND=db), which `ducha db_worker` will take. Run as: python kill_world.py ITEMS
(through tests.clock.python_command); prints the job's id last."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(count: int) -> None:
    import django
    import django.apps

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tables straight from the models (replaying every migration takes ~10 s).
    settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)

    from ducha.devtools.demo import demo_world_create
    from ducha.items.models import Item
    from ducha.jobs import services
    from tests.helpers import make_item

    world = demo_world_create()
    first = make_item(world, co_units=(), title="事项0")
    copies = []
    for n in range(1, count):
        copy = Item.objects.get(pk=first.pk)
        copy.pk = None
        copy.title = f"事项{n}"
        copies.append(copy)
    Item.objects.bulk_create(copies, batch_size=500)
    job, _joined = services.start(kind="ledger_export", owner=world.user("office"), params={"query": ""})
    print(job.pk)


if __name__ == "__main__":
    main(int(sys.argv[1]))
