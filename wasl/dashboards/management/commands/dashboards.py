"""`wasl dashboards rebuild` recounts the roll-ups from the raw tables; `wasl dashboards
check` proves that the stored roll-ups equal that recount (exit status 1 when not)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wasl.dashboards import rollups


class Command(BaseCommand):
    help = "Roll-ups of the dashboards: rebuild them from the raw tables, or check them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["rebuild", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "rebuild":
            report = rollups.rebuild(
                progress=(lambda line: self.stdout.write(line))
                if options["verbosity"] > 1
                else None
            )
            self.stdout.write(
                f"rebuilt {report.rows} roll-up rows for {report.entities} entities "
                f"in {time.perf_counter() - started:.1f} s"
            )
            return
        result = rollups.check()
        seconds = time.perf_counter() - started
        if result.ok:
            self.stdout.write(
                f"ok: the roll-ups equal a recount ({result.rows_compared} rows, {seconds:.1f} s)"
            )
            return
        for line in result.differences:
            self.stderr.write(line)
        raise CommandError(
            f"the roll-ups differ from a recount in {len(result.differences)} rows; "
            "run `wasl dashboards rebuild`"
        )
