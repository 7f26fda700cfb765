"""The demo region's citizens and residents: who can sign in at the demo provider.

Framework-free, so that the provider process (`python -m wasl.portal.provider`) reads it
without Django. Their ID numbers carry real check digits; `loaddemo` registers matters for
them (wasl/portal/demo.py), so that each has something to follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasl.core.identity import make_national_id


@dataclass(frozen=True)
class DemoPerson:
    id_number: str
    name_ar: str
    name_en: str
    phone: str

    @property
    def subject(self) -> str:
        """The provider's opaque subject: never the ID number itself."""
        return f"demo-{self.id_number[-4:]}-{self.id_number[0]}"

    def claims(self, id_claim: str = "national_id") -> dict[str, object]:
        return {
            "sub": self.subject,
            id_claim: self.id_number,
            "name": self.name_ar,
            "name_en": self.name_en,
            "phone_number": self.phone,
            "phone_number_verified": True,
        }


DEMO_PEOPLE = (
    DemoPerson(
        make_national_id("104857361"), "محمد بن علي الحربي", "Mohammed Ali Alharbi", "+966501234561"
    ),
    DemoPerson(
        make_national_id("109384756"),
        "نورة بنت سعد القحطاني",
        "Noura Saad Alqahtani",
        "+966501234562",
    ),
    DemoPerson(make_national_id("237465901"), "أحمد رضا خان", "Ahmed Raza Khan", "+966501234563"),
    DemoPerson(make_national_id("248193027"), "ماريا سانتوس", "Maria Santos", "+966501234564"),
)


def demo_person(id_number: str) -> DemoPerson | None:
    return next((p for p in DEMO_PEOPLE if p.id_number == id_number), None)
