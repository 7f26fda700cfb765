import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wasl.core.errors import WaslError
from wasl.portal.eservices.services import import_services


class Command(BaseCommand):
    help = (
        "Import e-service definitions from a JSON file (format wasl.eservices/1, checked "
        "against wasl/portal/eservices/schema/service.schema.json): a new version of each "
        "service that changed. A file that does not match the schema is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        try:
            with options["file"].open(encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        try:
            result = import_services(data, by="importservices")
        except WaslError as exc:
            raise CommandError(f"{exc.message_ar}\n{exc.message_en}") from exc
        self.stdout.write(
            f"الخدمات: {result.services}، إصدارات جديدة: {result.new_versions} — "
            f"services: {result.services}, new versions: {result.new_versions}"
        )
        for missing in result.missing_units:
            self.stderr.write(f"receiving unit not in the directory: {missing}")
