from django.core.management.base import BaseCommand, CommandError

from wasl.audit.services import verify_all


class Command(BaseCommand):
    help = (
        "Audit log tools. `wasl audit verify` checks every hash chain, its sealed head, and "
        "every registry row against its audit record."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        checked, problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED: {problem}")
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s)")
        self.stdout.write(f"audit log OK: {checked} records verified")
