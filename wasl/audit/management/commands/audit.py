from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wasl.audit.services import BASELINES, ResealRefused, reseal, verify_all


class Command(BaseCommand):
    help = (
        "Audit log tools. `wasl audit verify` checks every hash chain, its sealed head, and "
        "every registry row against its audit record. `wasl audit baseline` records the "
        "digests of every registry row as it stands: once, after upgrading to a Wasl that "
        "records them (it accepts whatever it finds). `wasl audit reseal` seals the logs' "
        "heads again under the current WASL_CHAIN_KEY (a backup restored under a new key, a "
        "rotated key), after verifying everything (the old seals too, under "
        "WASL_PREVIOUS_CHAIN_KEY when it is set); it refuses otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "baseline", "reseal"])

    def handle(self, *args, **options):
        if options["action"] == "baseline":
            rows = sum(baseline() for baseline in BASELINES)
            self.stdout.write(f"audit baseline: {rows} rows recorded")
            return
        if options["action"] == "reseal":
            try:
                resealed = reseal(previous_key=settings.WASL_PREVIOUS_CHAIN_KEY)
            except ResealRefused as refused:
                for problem in refused.problems:
                    self.stderr.write(f"TAMPERED: {problem}")
                raise CommandError(
                    f"audit reseal refused: {len(refused.problems)} problem(s); "
                    "nothing was re-sealed"
                ) from None
            if not resealed:
                self.stdout.write("audit reseal: every seal already holds under the current key")
                return
            seals = ", ".join(f"{count} in {log}" for log, count in resealed.items())
            self.stdout.write(f"audit reseal: seals renewed under the current key: {seals}")
            if not settings.WASL_PREVIOUS_CHAIN_KEY:
                self.stdout.write(
                    "audit reseal: records, chains and rows were verified; the previous seals "
                    "were not (WASL_PREVIOUS_CHAIN_KEY not set)"
                )
            return
        checked, problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED: {problem}")
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s)")
        self.stdout.write(f"audit log OK: {checked} records verified")
