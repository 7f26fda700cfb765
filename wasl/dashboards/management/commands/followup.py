"""`wasl followup [--date YYYY-MM-DD]`: the day's reminders and escalations (run each working
day by cron or a worker; harmless to run twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wasl.core import hijri
from wasl.core.errors import WaslError
from wasl.dashboards import followup


class Command(BaseCommand):
    help = "Raise the day's follow-up reminders and escalations (once a working day)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the day to run for (default: today, Riyadh)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = hijri.parse_date(options["date"]) if options["date"] else None
        except WaslError as exc:
            raise CommandError(exc.message_en) from exc
        report = followup.run(day)
        if not report.working_day:
            self.stdout.write(f"{report.day}: not a working day, nothing to send.")
            return
        sent = ", ".join(f"{k} {v}" for k, v in report.sent.items())
        self.stdout.write(f"{report.day}: {report.total} sent ({sent}).")
