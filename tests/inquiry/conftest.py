"""Fixtures of the inquiry tests: a few transactions worded the way people write them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, make_transaction
from wasl.registry import services as registry


@pytest.fixture
def corpus(cast: Cast) -> dict[str, Any]:
    """Transactions of the Emirate's registry (and one confidential in rights, one of the
    Jeddah Amanah), keyed by a short name."""
    made: dict[str, Any] = {}
    made["land"] = make_transaction(
        cast,
        subject="معروض بطلب صرف تعويض عن أرض نُزعت ملكيتها لصالح مشروع طريق",
        body="ورد معروض المواطن عبد الله بن سعد الحربي المتضمن أن الأرض العائدة له نُزعت ملكيتها.",
        party=registry.Party(
            type="citizen",
            name="عبد الله بن سعد الحربي",
            id_number="1058529940",
            phone="0551234567",
        ),
    )
    made["lands"] = make_transaction(
        cast,
        subject="حصر الأراضي الحكومية في محافظة الليث",
        body="نرفق لكم بيان الأراضي والمعاملات المتعلقة بها.",
        kind="letter",
        urgency="urgent",
        party=registry.Party(type="none"),
        correspondent_code="GOV-JED",
    )
    made["complaint"] = make_transaction(
        cast,
        subject="شكوى من تأخر صرف المستحقات المالية",
        body="يشكو المواطن عبدالله العتيبي من تأخر صرف مستحقاته لدى الجهة، ويطلب الإفادة.",
        kind="complaint",
        party=registry.Party(type="citizen", name="عبدالله العتيبي", id_number="1001244019"),
    )
    made["official"] = make_transaction(
        cast,
        subject="تكليف مسئول عن متابعة المعاملات المتأخرة",
        body="بشأن تكليف مسؤول في شئون الموظفين.",
        kind="memo",
        direction="internal",
        party=registry.Party(type="none"),
    )
    made["secret"] = make_transaction(
        cast,
        by=cast.rights_clerk,
        unit=cast.rights,
        subject="تعويض سري عن أرض في حي الروضة",
        confidentiality="confidential",
        party=registry.Party(type="citizen", name="خالد الزهراني", id_number="1000000008"),
    )
    made["amanah"] = make_transaction(
        cast,
        by=cast.outsider,
        unit=cast.amanah_registry,
        subject="طلب تعويض عن أرض في حي السامر",
        party=registry.Party(type="citizen", name="سلمان الغامدي", id_number="1058529940"),
    )
    return made


def refs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["reference"] for r in response.json()["results"]]


def all_words(response: Any) -> list[str]:
    """The references of the first tier: results holding every word of the query."""
    assert response.status_code == 200, response.content
    return [r["reference"] for r in response.json()["results"] if r["tier"] == "all_words"]
