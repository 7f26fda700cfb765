from django.core.management.base import BaseCommand

from wasl.portal.demo import load


class Command(BaseCommand):
    help = (
        "Register matters for the demo citizens and residents of the Tawasul portal (after "
        "loaddemo). Running it again registers nothing."
    )

    def handle(self, *args, **options):
        load(write=self.stdout.write if options["verbosity"] > 0 else None)
