from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand

from wasl.registry.demo import load_demo

# The demo region is one node of the exchange, every entity a member with its keys: a letter
# from one demo entity to another is signed, delivered by the worker and answered, end to end.
DEMO_NODE = "DEMO-NODE"
DEMO_NODE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Build the demo Makkah Region: entities, units, demo accounts and transactions, "
        "through the services, and make every entity a member of the exchange on this node. "
        "Running it again creates nothing new."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 0
        load_demo(write=self.stdout.write if verbose else None)
        # By the command's name: the registry does not import the exchange (layers).
        said = StringIO()
        call_command(
            "exchange",
            "setup",
            "--node",
            DEMO_NODE,
            "--url",
            DEMO_NODE_URL,
            "--all",
            stdout=said,
        )
        if verbose:
            lines = said.getvalue().splitlines()
            joined = sum(1 for line in lines if line.startswith("joined "))
            self.stdout.write(
                f"تبادل وصل: {len(lines) - 1} جهة عضو في {DEMO_NODE} (جديدة {joined}) — "
                f"exchange: {len(lines) - 1} members on {DEMO_NODE}, {joined} new"
            )
