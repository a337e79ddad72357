from django.core.management.base import BaseCommand, CommandError

from ducha.devtools.gendata import generate


class Command(BaseCommand):
    help = "Generate a large realistic dataset for benchmarks (a synthetic province, items over five years)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--items", type=int, required=True)
        parser.add_argument("--cities", type=int, default=10)
        parser.add_argument("--counties-per-city", type=int, default=10)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--open",
            action="store_true",
            help="every item running (assigned or in progress): the reminder sweep's benchmark",
        )
        parser.add_argument(
            "--tag", default="基准", help="prefix of the generated unit names (use a new one per run)"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["items"] < 1:
            raise CommandError("--items must be at least 1")
        result = generate(
            items=options["items"],
            cities=options["cities"],
            counties_per_city=options["counties_per_city"],
            years=options["years"],
            seed=options["seed"],
            tag=options["tag"],
            open_only=options["open"],
            progress=lambda message: self.stderr.write(message),
        )
        self.stdout.write(
            f"units={result.units} users={result.users} items={result.items} assignments={result.assignments} "
            f"events={result.events} seconds={result.seconds:.1f}"
        )
