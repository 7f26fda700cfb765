"""Al-Balad's field inspection unit: its head (`supervisor`), two inspectors — `hisham`, who
covers the historic district, and `lina`, who covers all of the unit — and an outsider
inspector of Makkah's Az-Zahir; the checklists and the schedule of fines loaded from the app's
data; a food shop and a building site in historic Al-Balad."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast, Person
from tests.reports.conftest import Municipal, jpeg  # noqa: F401 — `jpeg` for the tests
from wasl.inspections import services
from wasl.inspections.models import Inspector, Site, Visit

SHOP_POINT = (21.486, 39.186)  # historic Al-Balad
SITE_POINT = (21.460, 39.180)  # Al-Hindawiyah

GOOD_SHOP = {
    "item-licence": "yes",
    "item-health_certificates": "0",
    "item-fridge_temperature": "4",
    "item-expired_food": "yes",
    "item-cleanliness": "good",
    "item-pests": "yes",
    "item-hand_basin": "yes",
    "item-notes": "",
}


class Field:
    def __init__(self, municipal: Municipal) -> None:
        self.municipal = municipal
        cast = municipal.cast
        self.loaded = services.load_reference_data()
        unit = municipal.units[("SUB-JED-BLD", "INSPECTION")]
        self.unit = unit
        self.hisham: Person = municipal.inspector
        self.lina = cast.person("lina", "لينا", "باخشب", unit, "clerk")
        self.supervisor = cast.person("balad_head", "منصور", "الجهني", unit, "unit_head")
        self.outsider: Person = municipal.makkah_inspector
        self.hisham_inspector = services.register_inspector(self.hisham.user, unit, ["JED-BLD-HST"])
        self.lina_inspector = services.register_inspector(self.lina.user, unit)
        zahir = municipal.units[("SUB-HC-ZHR", "INSPECTION")]
        self.outsider_inspector = services.register_inspector(self.outsider.user, zahir)
        self.shop = services.add_site(
            kind="food_shop",
            name="مطعم البيك — فرع البلد",
            lat=SHOP_POINT[0],
            lon=SHOP_POINT[1],
            licence="40021133",
            address="شارع قابل",
        )
        self.building = services.add_site(
            kind="building_site",
            name="عمارة سكنية — مخطط الهنداوية",
            lat=SITE_POINT[0],
            lon=SITE_POINT[1],
            licence="4401/1447",
        )

    def plan(self, site: Site | None = None, checklist: str = "food-shop-hygiene") -> Visit:
        return services.plan_visit(
            self.supervisor.actor,
            (site or self.shop).public_id,
            checklist_code=checklist,
            due_date=timezone.localdate() + timedelta(days=3),
        )


@pytest.fixture
def field(cast: Cast) -> Field:
    return Field(Municipal(cast))


def signed_in(person: Person, language: str = "ar") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(person.user)
    return client


def inspector_of(person: Person) -> Inspector:
    return Inspector.objects.get(user=person.user)


def filing(visit: Visit, answers: dict[str, str], key: str, version: int = 1) -> dict[str, Any]:
    return {
        **answers,
        "idempotency_key": key,
        "checklist_version": str(version),
        "filled_at": timezone.now().isoformat(),
    }
