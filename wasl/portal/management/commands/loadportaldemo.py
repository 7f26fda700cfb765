from django.core.management.base import BaseCommand

from wasl.portal.demo import load
from wasl.portal.eservices.services import load_demo_services


class Command(BaseCommand):
    help = (
        "Register matters for the demo citizens and residents of the Tawasul portal (after "
        "loaddemo), and load the demo Emirate's 33 e-services. Running it again registers "
        "nothing."
    )

    def handle(self, *args, **options):
        load(write=self.stdout.write if options["verbosity"] > 0 else None)
        loaded = load_demo_services()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"الخدمات الإلكترونية: {loaded.services} — e-services: {loaded.services} "
                f"({loaded.new_versions} new versions)"
            )
