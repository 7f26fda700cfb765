from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wasl.directory.models import Unit
from wasl.inspections.services import register_inspector


class Command(BaseCommand):
    help = (
        "Make a person an inspector of a field inspection unit: "
        "`wasl addinspector USERNAME SUB-JED-BLD/INSPECTION --district JED-BLD-HST`. "
        "With no district, the inspector covers all of the unit. Run again to change districts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("unit", help="ENTITY/UNIT, e.g. SUB-JED-BLD/INSPECTION")
        parser.add_argument("--district", action="append", default=[], help="an area code")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        entity_code, _, unit_code = str(options["unit"]).partition("/")
        unit = Unit.objects.filter(entity__code=entity_code, code=unit_code).first()
        if user is None or unit is None:
            raise CommandError("unknown person or unit")
        inspector = register_inspector(user, unit, options["district"])
        self.stdout.write(f"inspector {inspector.pk}: {user.get_username()} in {options['unit']}")
