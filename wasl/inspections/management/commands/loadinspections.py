from typing import Any

from django.core.management.base import BaseCommand

from wasl.inspections.services import load_reference_data


class Command(BaseCommand):
    help = (
        "Load the schedule of fines and the inspection checklists (wasl/inspections/data); a "
        "checklist file with a new version number becomes the current version. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = load_reference_data()
        self.stdout.write(
            f"violations: {loaded.violations}, checklists: {loaded.checklists}, "
            f"new versions: {loaded.new_versions}"
        )
