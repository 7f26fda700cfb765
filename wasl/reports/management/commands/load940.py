from django.core.management.base import BaseCommand

from wasl.reports.services import load_reference_data


class Command(BaseCommand):
    help = (
        "Load the Balagh 940 categories and areas (wasl/reports/data) and make the channel's "
        "account a clerk of every receiving unit. Run after `wasl loaddemo`; idempotent."
    )

    def handle(self, *args, **options):
        loaded = load_reference_data()
        self.stdout.write(
            f"categories: {loaded.categories}, areas: {loaded.areas}, "
            f"new receiving-unit grants: {loaded.grants}"
        )
        if loaded.missing:
            self.stderr.write("entities missing from the directory: " + ", ".join(loaded.missing))
