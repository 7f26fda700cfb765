"""`wasl loaddemo`: the demo region, its people and transactions, loaded twice."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from wasl.audit.services import verify_all
from wasl.directory.models import Entity, Membership, Unit
from wasl.registry import demo
from wasl.registry.models import (
    Classification,
    Direction,
    Event,
    Kind,
    Link,
    PartyType,
    Referral,
    Transaction,
)

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
# The regulation of 1445H: no honorific titles in official letters.
TITLES = ("سعادة", "معالي", "فضيلة", "المكرم", "حفظه الله", "الأستاذ", "صاحب السمو")


def snapshot() -> dict[str, int]:
    return {
        "entities": Entity.objects.count(),
        "units": Unit.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "transactions": Transaction.objects.count(),
        "referrals": Referral.objects.count(),
        "events": Event.objects.count(),
        "links": Link.objects.count(),
    }


@pytest.mark.django_db
def test_loaddemo_builds_the_region_once_and_a_second_run_adds_nothing():
    first_out = StringIO()
    call_command("loaddemo", stdout=first_out)
    after_first = snapshot()

    assert after_first["entities"] >= 100
    assert set(Entity.objects.values_list("kind", flat=True)) == set(Entity.Kind.values)
    assert Entity.objects.filter(kind=Entity.Kind.GOVERNORATE).count() == 17
    assert Entity.objects.filter(kind=Entity.Kind.AMANAH).count() == 3
    assert not Entity.objects.filter(units__isnull=True).exists()  # every entity has units
    for entity in Entity.objects.all():
        assert entity.units.filter(is_registry=True).count() == 1, entity.code
    emk_units = set(Unit.objects.filter(entity__code="EMK").values_list("code", flat=True))
    assert {"REG", "RIGHTS", "SECURITY", "PRISONERS", "LEGAL"} <= emk_units

    assert after_first["transactions"] >= 200
    states = set(Transaction.objects.values_list("state", flat=True))
    assert len(states) >= 6, states
    for code in demo.VOLUME:
        assert Transaction.objects.filter(entity__code=code).exists(), code
    assert Transaction.objects.filter(confidentiality="top_secret").count() >= 2
    assert Transaction.objects.filter(confidentiality="confidential").exists()
    assert Transaction.objects.filter(urgency="immediate").exists()
    assert Transaction.objects.filter(party_type=PartyType.RESIDENT).exists()
    assert set(Referral.objects.values_list("state", flat=True)) >= {
        "pending",
        "acknowledged",
        "answered",
        "returned",
        "forwarded",
    }
    assert after_first["links"] > 0
    assert Event.objects.filter(action="commented").exists()

    for person in demo.PEOPLE:
        assert Membership.objects.filter(
            user__username=person.username,
            user__first_name=person.first_name,
            user__last_name=person.last_name,
            role=person.role,
            unit__code=person.unit,
            unit__entity__code=person.entity,
        ).exists(), person.username
    clerk = get_user_model().objects.get(username="emk.clerk")
    assert clerk.check_password(demo.PASSWORD)
    registry_unit = Membership.objects.get(user=clerk).unit
    assert registry_unit.is_registry
    assert registry_unit.name_ar == "الإدارة العامة للاتصالات الإدارية"
    assert demo.PASSWORD in first_out.getvalue()
    assert "emk.auditor" in first_out.getvalue()

    second_out = StringIO()
    call_command("loaddemo", stdout=second_out)
    assert snapshot() == after_first
    assert "already exist" in second_out.getvalue()

    checked, problems = verify_all()
    assert checked > after_first["transactions"]
    assert problems == []

    # Exchange-ready: every entity with a registry unit is a member of the demo's node, and a
    # letter from the Emirate to the Jeddah Amanah is delivered and registered there.
    from wasl.directory.actors import actor_for
    from wasl.exchange import delivery, services
    from wasl.exchange.models import IncomingMessage, Member

    assert Member.objects.filter(node__is_self=True, is_active=True).count() == (
        Entity.objects.filter(units__is_registry=True, units__is_active=True).distinct().count()
    )
    sent = services.send_letter(
        actor_for(clerk), unit=registry_unit, to=["AMN-JED"], subject="خطاب تجريبي عبر وصل"
    )
    delivery.deliver_due()
    (message,) = sent.messages
    message.refresh_from_db()
    assert message.state == "delivered" and message.their_reference.startswith("AMN-JED-")
    assert IncomingMessage.objects.get(message_id=message.message_id).transaction is not None


def test_the_region_file_is_complete_and_well_formed():
    region = demo.load_region()
    entities = region["entities"]
    codes = [e["code"] for e in entities]
    assert len(codes) == len(set(codes)) >= 105
    assert all(CODE.match(code) and len(code) <= 20 for code in codes)
    assert {e["type"] for e in entities} == set(Entity.Kind.values)
    assert all(e["parent"] is None or e["parent"] in codes for e in entities)
    assert {"emirate", "governorate", "amanah", "default"} <= set(region["units_by_type"])
    assert "licence" in region["about"].lower()
    for specs in region["units_by_type"].values():
        taken: set[str] = set()
        for spec in specs:
            assert CODE.match(demo.derive_unit_code(spec, taken))
        assert sum(bool(s.get("registry")) for s in specs) == 1


def test_the_demo_texts_are_valid_and_use_no_titles():
    texts = demo.load_texts()
    subjects = texts["subjects"]
    assert len(subjects) >= 60
    placeholders = {"party", "h", "y", "t", "place", "ext_ref", "ext_date", "year"}
    for s in subjects:
        assert s["kind"] in Kind.values
        assert s["classification"] in Classification.values
        assert s["direction"] in Direction.values
        assert s["party"] in PartyType.values
        assert set(s["for"]) <= {"emirate", "governorate", "amanah"}
        used = set(re.findall(r"{(\w+)}", s["subject"] + s["body"]))
        assert used <= placeholders, s["subject"]
        if s["party"] == PartyType.NONE:
            assert "party" not in used, s["subject"]
        if s["direction"] != Direction.INTERNAL and s["party"] in ("none", "entity"):
            assert s.get("correspondents"), s["subject"]
    assert {s["kind"] for s in subjects} == set(Kind.values)
    assert {s["classification"] for s in subjects} == set(Classification.values)
    assert len(texts["first_names"]["male"]) >= 40
    assert len(texts["family_names"]) >= 40
    everything = json.dumps(texts, ensure_ascii=False)
    assert "lorem" not in everything.lower()
    for title in TITLES:  # as words: مكة المكرمة is a place, not a title
        assert not re.search(rf"(?<!\w){title}(?!\w)", everything), title
