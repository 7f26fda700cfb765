"""Matters for the demo's citizens and residents (wasl/portal/people.py), registered through
the registry's services by the demo staff of `loaddemo`, so that each person who signs in at
the demo provider has something to follow: open and closed, referred, in three entities, one
confidential, one with the papers they handed in. Running it again registers nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Unit
from wasl.registry import services as registry
from wasl.registry.models import Transaction

from .people import DEMO_PEOPLE, DemoPerson

MARKER = "TAWASUL-DEMO"
# A one-page PDF: the papers a person hands in with a petition.
PAPERS = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class DemoMatter:
    person: int  # index in DEMO_PEOPLE
    clerk: str  # demo staff who registers it
    entity: str
    unit: str
    subject: str
    kind: str = "petition"
    confidentiality: str = "normal"
    refer_to: str = ""  # unit code in the same entity
    close: bool = False
    papers: str = ""  # filename of the papers handed in


MATTERS = (
    DemoMatter(
        0,
        "emk.clerk",
        "EMK",
        "REG",
        "طلب تعويض عن أرض منزوعة لصالح مشروع طريق",
        refer_to="RIGHTS",
        papers="صك-الملكية.pdf",
    ),
    DemoMatter(
        0,
        "jed.clerk",
        "GOV-JED",
        "REG",
        "طلب مقابلة سعادة المحافظ بشأن نزاع على حدود أرض",
        kind="request",
    ),
    DemoMatter(
        0,
        "amnjed.clerk",
        "AMN-JED",
        "REG",
        "شكوى من تأخر إصدار رخصة بناء",
        kind="complaint",
        close=True,
    ),
    DemoMatter(
        0,
        "emk.clerk",
        "EMK",
        "REG",
        "بلاغ عن مخالفة",
        kind="report",
        confidentiality="confidential",
        refer_to="SECURITY",
    ),
    DemoMatter(
        1,
        "emk.clerk",
        "EMK",
        "REG",
        "طلب التنازل عن الحق الخاص في قضية دهس",
        kind="request",
        refer_to="RIGHTS",
    ),
    DemoMatter(
        1, "jed.clerk", "GOV-JED", "REG", "طلب إفادة عن معاملة نقل كفالة عامل منزلي", kind="request"
    ),
    DemoMatter(
        2,
        "emk.clerk",
        "EMK",
        "REG",
        "طلب خطاب بشأن تجديد الإقامة لمرافق",
        kind="request",
        refer_to="LEGAL",
        papers="جواز-السفر.pdf",
    ),
    DemoMatter(
        2,
        "amnjed.clerk",
        "AMN-JED",
        "REG",
        "شكوى من تسرب مياه في الطريق أمام المحل",
        kind="complaint",
    ),
    DemoMatter(
        3, "emk.clerk", "EMK", "REG", "طلب زيارة موقوف", kind="request", refer_to="PRISONERS"
    ),
)


def _actor(username: str) -> Actor:
    return actor_for(get_user_model().objects.get(username=username))


def _unit(entity: str, code: str) -> Unit:
    return Unit.objects.get(entity__code=entity, code=code)


def load(write: Callable[[str], None] | None = None) -> int:
    """Register the demo people's matters once; the number registered."""
    if Transaction.objects.filter(external_reference__startswith=MARKER).exists():
        return 0
    made = 0
    for number, spec in enumerate(MATTERS, 1):
        person: DemoPerson = DEMO_PEOPLE[spec.person]
        actor = _actor(spec.clerk)
        txn = registry.register_transaction(
            actor,
            unit=_unit(spec.entity, spec.unit),
            direction="incoming",
            kind=spec.kind,
            subject=spec.subject,
            confidentiality=spec.confidentiality,
            party=registry.Party(
                type="citizen" if person.id_number[0] == "1" else "resident",
                name=person.name_ar,
                id_number=person.id_number,
                phone=person.phone,
            ),
            external_reference=f"{MARKER}-{number}",
        )
        if spec.papers:
            registry.add_attachment(
                actor,
                txn.public_id,
                chunks=[PAPERS],
                filename=spec.papers,
                declared_type="application/pdf",
            )
        if spec.refer_to:
            registry.refer(
                actor,
                txn.public_id,
                to_units=[_unit(spec.entity, spec.refer_to)],
                instruction="للدراسة والإفادة",
            )
        if spec.close:
            registry.close(actor, txn.public_id, reason="أُنجز الطلب وأُبلغ صاحبه")
        made += 1
    if write:
        write(f"معاملات أصحاب الحسابات التجريبية في تواصل: {made} — Tawasul demo matters: {made}")
        for person in DEMO_PEOPLE:
            write(f"  {person.id_number}  {person.name_ar} — {person.name_en}  {person.phone}")
    return made
