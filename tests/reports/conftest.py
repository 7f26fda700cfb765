"""The Jeddah and Holy Capital amanahs with their sub-municipalities, the 940 categories and
areas loaded from the app's data files, and a clerk of Al-Balad's field inspection."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.conftest import Cast, Person
from wasl.directory import services as directory
from wasl.directory.models import Entity, Unit
from wasl.reports import services

SUBS = {
    "AMN-JED": [
        "SUB-JED-BLD",
        "SUB-JED-JMA",
        "SUB-JED-AZZ",
        "SUB-JED-ABH",
        "SUB-JED-JNB",
        "SUB-JED-MTR",
    ],
    "AMN-HC": ["SUB-HC-AZZ", "SUB-HC-ZHR", "SUB-HC-MAB", "SUB-HC-AWL"],
}
SUB_UNITS = {"INSPECTION": "الرقابة الميدانية", "BUILDING": "رخص البناء", "CLEANING": "النظافة"}

# Points inside areas of the data file (lat, lon).
HISTORIC_BALAD = (21.485, 39.185)  # Jeddah, Al-Balad sub-municipality, historic district
OBHUR = (21.70, 39.12)
HARAM_NORTH = (21.435, 39.81)  # Makkah, Az-Zahir
RED_SEA = (21.48, 39.10)  # off Jeddah's shore
RIYADH = (24.71, 46.67)


class Municipal:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.units: dict[tuple[str, str], Unit] = {}
        hc, _ = directory.ensure_entity(
            code="AMN-HC", kind="amanah", name_ar="أمانة العاصمة المقدسة", name_en="Holy Capital"
        )
        amanahs = {"AMN-JED": cast.amanah, "AMN-HC": hc}
        for amanah_code, subs in SUBS.items():
            amanah = amanahs[amanah_code]
            unit, _ = directory.ensure_unit(
                entity=amanah, code="SERVICES", name_ar="وكالة الخدمات", name_en="Services"
            )
            self.units[(amanah_code, "SERVICES")] = unit
            for code in subs:
                entity, _ = directory.ensure_entity(
                    code=code,
                    kind="municipality",
                    name_ar=f"بلدية {code}",
                    name_en=code,
                    parent=amanah,
                )
                for unit_code, name in SUB_UNITS.items():
                    unit, _ = directory.ensure_unit(
                        entity=entity, code=unit_code, name_ar=name, name_en=unit_code.title()
                    )
                    self.units[(code, unit_code)] = unit
        self.loaded = services.load_reference_data()
        self.inspector = cast.person(
            "balad_inspector", "هشام", "المغربي", self.units[("SUB-JED-BLD", "INSPECTION")], "clerk"
        )
        self.makkah_inspector = cast.person(
            "zahir_inspector",
            "عبدالإله",
            "القرشي",
            self.units[("SUB-HC-ZHR", "INSPECTION")],
            "clerk",
        )


@pytest.fixture
def municipal(cast: Cast) -> Municipal:
    return Municipal(cast)


def report_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "pothole",
        "lat": HISTORIC_BALAD[0],
        "lon": HISTORIC_BALAD[1],
        "description": "حفرة كبيرة أمام بيت نصيف تعيق حركة السيارات.",
        "address": "شارع الذهب، البلد",
        "answers": {"size": "large"},
        "contact": {"name": "أحمد الزهراني", "phone": "0551234567", "email": "ahmad@example.sa"},
    }
    data.update(overrides)
    return data


def jpeg(size: tuple[int, int] = (64, 48), *, gps: bool = False, fmt: str = "JPEG") -> bytes:
    """A small photo; with `gps`, EXIF that a phone writes: position, make, model, serial."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model X-940"  # Model
        exif[0x0112] = 6  # Orientation: rotate 90
        exif.get_ifd(0x8769)[0xA431] = "SERIAL-123456"  # BodySerialNumber
        exif.get_ifd(0x8825).update(
            {1: "N", 2: (21.0, 29.0, 6.0), 3: "E", 4: (39.0, 11.0, 6.0)}  # GPS
        )
        image.save(out, format=fmt, exif=exif, comment=b"taken at home of Ahmad")
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def close_with_proof(person: Any, reference: str, note: str = "تم الإصلاح") -> Any:
    """Close a report as staff do: a note and a photo of the fix."""
    from wasl.reports import photos

    return services.close_report(
        person.actor, reference, note=note, photos=[photos.prepare([jpeg()])]
    )


def entity(code: str) -> Entity:
    return Entity.objects.get(code=code)


def as_json(response: Any) -> Any:
    return json.loads(response.content)


__all__ = ["Municipal", "Person", "report_data"]
