from django.core.management.base import BaseCommand, CommandError

from ducha.devtools.bench_documents import run


class Command(BaseCommand):
    help = (
        "Measure a supervision notice's .docx and PDF (with references, alone and two at once) and the day's batch "
        "of notices in one PDF (time and memory). Needs the PDF engine running; nothing it makes is kept."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            run(runs=options["runs"], batch_size=options["batch"], write=self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
