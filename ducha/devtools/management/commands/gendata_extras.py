from django.core.management.base import BaseCommand, CommandError

from ducha.devtools.gendata_extras import generate_extras
from ducha.orgs.models import User


class Command(BaseCommand):
    help = (
        "Add to a `ducha gendata` database what gendata leaves out, in the provincial office's scope: inspections "
        "(an annual plan, inspections in every stage with findings, evidence, conclusions, rectifications), "
        "documents, source records, item attachments, scores of the last ended quarter, a sample of counties' "
        "ledgers, reports, accountability records and public clues with photos, and a province's clues (set-based). "
        "Creates and changes no item. Each step is skipped when its rows are there, so a second run adds nothing. "
        "Run it after `ducha gendata`, before `ducha bench_urls` (docs/benchmarks.md, every URL)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--user",
            default="",
            help="the provincial office's account (default: the newest bench_office_<id>)",
        )
        parser.add_argument(
            "--counties",
            type=int,
            default=10,
            help="counties whose ledgers, reports, accountability records and public clues are made through the "
            "services (default 10)",
        )
        parser.add_argument(
            "--inspections", type=int, default=30, help="the provincial office's inspections (default 30)"
        )
        parser.add_argument(
            "--clues",
            type=int,
            default=200_000,
            help="the province's clues over a year, written set-based (default 200,000)",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        office = None
        if options["user"]:
            office = User.objects.filter(username=options["user"]).first()
            if office is None:
                raise CommandError(f"No account {options['user']!r}.")
        if options["counties"] < 1 or options["inspections"] < 5 or options["clues"] < 0:
            raise CommandError("--counties must be at least 1, --inspections at least 5, --clues at least 0")
        try:
            result = generate_extras(
                office=office,
                counties=options["counties"],
                inspections=options["inspections"],
                clues=options["clues"],
                write=lambda message: self.stderr.write(message),
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        counts = " ".join(f"{name}={count}" for name, count in result.counts.items())
        skipped = f" skipped={','.join(result.skipped)}" if result.skipped else ""
        self.stdout.write(f"{counts}{skipped} seconds={result.seconds:.1f}")
