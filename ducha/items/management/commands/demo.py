"""Create the demo county (示范县) with its accounts and about 200 supervision items in every stage:

    ducha demo              # the county, its units and accounts, 200 items
    ducha demo --items 60   # fewer items (never fewer than the ones that give every account something to do)

Idempotent: when the demo county is already there, nothing is changed.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.inspections.demo import demo_inspections_create, demo_inspections_exist
from ducha.items.demo import demo_items_create
from ducha.orgs.demo import DEMO_PASSWORD, DemoWorld, demo_world_create, demo_world_exists
from ducha.orgs.models import Role, Unit, User


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _roles(user: User) -> str:
    return "、".join(str(role.label) for role in Role if role.value in user.roles)


def account_table(world: DemoWorld) -> list[str]:
    """The demo accounts as lines of an aligned table: username, name, unit, roles, password."""
    header = [_("Username"), _("Name"), _("Unit"), _("Roles"), _("Password")]
    rows = [
        [
            user.username,
            user.display_name,
            (user.unit.short_name or user.unit.name) if user.unit else "",
            _roles(user),
            DEMO_PASSWORD,
        ]
        for user in world.users.values()
    ]
    widths = [max(_width(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = []
    for index, row in enumerate([header, *rows]):
        lines.append("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


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
            created = demo_items_create(world, count=count) if count else 0
            # The year's inspections: an annual plan, inspections in every stage, findings and rectifications.
            if not demo_inspections_exist():
                demo_inspections_create(world)
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created the demo county: %(units)d units, %(accounts)d accounts and %(items)d supervision "
                    "items in %(seconds).1f s."
                )
                % {
                    "units": Unit.objects.count(),
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
