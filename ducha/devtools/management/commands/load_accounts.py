"""Write the accounts the load scenario signs in with (ducha/devtools/loadtest, `make load`):

    ducha load_accounts --set demo --out var/load/accounts-demo.json     # the demo county's people
    ducha load_accounts --set bench --out var/load/accounts-bench.json   # a sample of `ducha gendata`'s province

Run it on the target's database (DATABASE_URL): the scenario talks to the target over HTTP only and cannot look its
accounts up itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ducha.devtools.loadtest.accounts import SETS
from ducha.devtools.loadtest.roster import DEFAULT_PER_ROLE, RosterError, bench_roster, demo_roster


class Command(BaseCommand):
    help = "Write the accounts the load scenario signs in with (the demo county or the bench province) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", dest="account_set", choices=SETS, required=True, help="demo or bench")
        parser.add_argument("--out", required=True, metavar="FILE", help="the JSON file to write")
        parser.add_argument(
            "--per-role",
            type=int,
            default=DEFAULT_PER_ROLE,
            metavar="N",
            help=f"bench: at most this many accounts of each role (default {DEFAULT_PER_ROLE})",
        )
        parser.add_argument("--seed", type=int, default=2026, help="bench: the seed of the draw")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["per_role"] < 1:
            raise CommandError(_("--per-role must be at least 1."))
        try:
            if options["account_set"] == "demo":
                roster = demo_roster()
            else:
                roster = bench_roster(per_role=options["per_role"], seed=options["seed"])
        except RosterError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(roster.as_json(), encoding="utf-8")
        counts = ", ".join(f"{role} {count}" for role, count in roster.counts().items())
        self.stdout.write(
            _("Wrote %(count)d accounts of the %(set)s set to %(path)s (%(counts)s).")
            % {"count": len(roster.accounts), "set": roster.set, "path": out, "counts": counts}
        )
