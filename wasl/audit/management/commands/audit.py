from django.core.management.base import BaseCommand, CommandError

from wasl.audit.services import BASELINES, verify_all


class Command(BaseCommand):
    help = (
        "Audit log tools. `wasl audit verify` checks every hash chain, its sealed head, and "
        "every registry row against its audit record. `wasl audit baseline` records the "
        "digests of every registry row as it stands: once, after upgrading to a Wasl that "
        "records them (it accepts whatever it finds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "baseline"])

    def handle(self, *args, **options):
        if options["action"] == "baseline":
            rows = sum(baseline() for baseline in BASELINES)
            self.stdout.write(f"audit baseline: {rows} rows recorded")
            return
        checked, problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED: {problem}")
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s)")
        self.stdout.write(f"audit log OK: {checked} records verified")
