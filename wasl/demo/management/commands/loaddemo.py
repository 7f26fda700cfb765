from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wasl.demo.loader import load_demo


class Command(BaseCommand):
    help = (
        "Build the demo Makkah Region from the files of wasl/demo/data — entities, units, demo "
        "accounts, holidays, every entity a member of the exchange — and play six months of "
        "its work through the services, dated in the past. Running it again creates nothing new."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--end",
            help="the moment the history ends (ISO 8601, Riyadh time unless given; default: now)",
        )
        parser.add_argument(
            "--months", type=float, help="how many months of history (default: the data's, 6)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        end = None
        if options["end"]:
            try:
                end = datetime.fromisoformat(options["end"])
            except ValueError as exc:
                raise CommandError(f"--end: {exc}") from None
            if timezone.is_naive(end):
                end = timezone.make_aware(end)
        verbose = options["verbosity"] > 0
        load_demo(write=self.stdout.write if verbose else None, end=end, months=options["months"])
