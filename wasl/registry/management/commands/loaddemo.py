from django.core.management.base import BaseCommand

from wasl.registry.demo import load_demo


class Command(BaseCommand):
    help = (
        "Build the demo Makkah Region: entities, units, demo accounts and transactions, "
        "through the services. Running it again creates nothing new."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 0
        load_demo(write=self.stdout.write if verbose else None)
