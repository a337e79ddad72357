from __future__ import annotations

from django.core.management.base import BaseCommand

from ducha.devtools import clues_quality


class Command(BaseCommand):
    help = (
        "Measure the public-clue engine (issue 15) on the labelled messages: duplicate grouping (pairwise P/R/F1), "
        "routing (5-fold cross-validation, duties only, holdout), category and urgency, and throughput; "
        "prints a markdown table."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--no-throughput", action="store_true", help="skip the timings")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        figures = clues_quality.report(with_throughput=not options["no_throughput"])
        self.stdout.write(clues_quality.markdown(figures))
