"""Create the demo county (示范县) with its accounts and about 200 supervision items in every stage:

    ducha demo              # the county, its units and accounts, 200 items
    ducha demo --items 60   # fewer items (never fewer than the ones that give every account something to do)

The demo world (units and accounts) comes first, then each installed app's part (ducha.devtools.demo.parts) in
INSTALLED_APPS order; the command names no app. Idempotent: when the demo county is already there, nothing is
changed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.devtools.demo.parts import demo_parts
from ducha.devtools.demo.world import (
    DEMO_PASSWORD,
    account_table,
    demo_world_create,
    demo_world_exists,
    units_count,
)


class Command(BaseCommand):
    help = "Create the demo county with its accounts and supervision items (does nothing if it exists)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--items",
            type=int,
            default=200,
            metavar="N",
            help="About how many supervision items to create (default 200).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["items"]
        if count < 0:
            raise CommandError(_("The number of items must be at least 0."))
        if demo_world_exists():
            self.stdout.write(_("The demo county is already there; nothing was changed."))
            self.stdout.write(_("The demo accounts' password is %(password)s.") % {"password": DEMO_PASSWORD})
            return
        started = time.monotonic()
        with transaction.atomic():
            world = demo_world_create()
            created = 0
            for part in demo_parts():
                if not part.exists():
                    created += part.create(world, items=count)
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created the demo county: %(units)d units, %(accounts)d accounts and %(items)d supervision "
                    "items in %(seconds).1f s."
                )
                % {
                    "units": units_count(),
                    "accounts": len(world.users),
                    "items": created,
                    "seconds": seconds,
                }
            )
        )
        self.stdout.write("")
        for line in account_table(world):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(_("All demo accounts use the password %(password)s.") % {"password": DEMO_PASSWORD})
