import json

from django.core.management.base import BaseCommand

from wasl.portal.eservices.services import export_services


class Command(BaseCommand):
    help = "Print every active e-service's current definition as a services file (JSON)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(export_services(), ensure_ascii=False, indent=1))
