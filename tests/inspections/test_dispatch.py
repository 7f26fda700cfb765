"""Dispatch by area and workload, visits opened from 940 reports, the supervisor's
reassignment, and the one access rule behind every list and page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from wasl.audit.models import AuditRecord
from wasl.core.errors import WaslError
from wasl.inspections import queries, services
from wasl.inspections.models import Visit

from .conftest import signed_in


def test_dispatch_prefers_the_districts_inspector_then_the_least_loaded(field):
    # Historic Al-Balad is Hisham's district: his visits go to him while he is there.
    shop_visits = [field.plan() for _ in range(3)]
    assert {v.inspector for v in shop_visits} == {field.hisham_inspector}
    # Al-Hindawiyah is not his: only Lina, who covers the whole unit, may take it.
    building = field.plan(field.building, "building-site-safety")
    assert building.inspector == field.lina_inspector
    # With Hisham away, his district's visits go to whoever covers it with the least load.
    field.hisham_inspector.is_active = False
    field.hisham_inspector.save(update_fields=["is_active"])
    assert field.plan().inspector == field.lina_inspector


def test_dispatch_balances_the_workload_of_inspectors_who_cover_the_same_area(field):
    services.register_inspector(field.hisham.user, field.unit)  # now covers the whole unit
    visits = [field.plan(field.building, "building-site-safety") for _ in range(4)]
    loads = sorted(
        Visit.objects.filter(pk__in=[v.pk for v in visits]).values_list(
            "inspector__user__username", flat=True
        )
    )
    assert loads == ["balad_inspector", "balad_inspector", "lina", "lina"]


def test_a_visit_with_no_inspector_waits_for_the_supervisor(field):
    for inspector in (field.hisham_inspector, field.lina_inspector):
        inspector.is_active = False
        inspector.save(update_fields=["is_active"])
    visit = field.plan()
    assert visit.state == "unassigned" and visit.inspector is None
    page = signed_in(field.supervisor, "en").get("/inspections/")
    assert b"Waiting for an inspector" in page.content


def test_a_report_opens_a_reactive_visit_in_its_own_transaction(field):
    body = {
        "category": "pothole",
        "lat": 21.486,
        "lon": 39.186,
        "description": "حفرة عميقة أمام بيت نصيف",
        "address": "شارع الذهب، البلد",
        "answers": {"size": "large"},
    }
    response = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    (visit,) = Visit.objects.filter(kind="reactive")
    assert visit.report.transaction.reference == response.json()["reference"]
    assert visit.checklist_code == "public-realm-defect"
    assert visit.inspector == field.hisham_inspector and visit.district.code == "JED-BLD-HST"
    assert AuditRecord.objects.filter(
        action="inspections.visit.opened", object_id=str(visit.public_id)
    ).exists()
    page = signed_in(field.hisham).get("/inspections/")
    assert response.json()["reference"].encode() in page.content
    # A category no checklist serves opens none.
    waste = body | {"category": "waste", "answers": {"waste_type": "debris"}}
    Client().post("/api/v1/reports", json.dumps(waste), content_type="application/json")
    assert Visit.objects.filter(kind="reactive").count() == 1


def test_the_supervisor_reassigns_a_visit_and_it_is_recorded(field):
    visit = field.plan()
    client = signed_in(field.supervisor)
    response = client.post(
        f"/inspections/visit/{visit.public_id}/reassign/",
        {"inspector": "lina", "reason": "هشام في إجازة"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.inspector == field.lina_inspector
    record = AuditRecord.objects.get(action="inspections.visit.reassigned")
    assert record.data["inspector"] == ["balad_inspector", "lina"]
    assert record.data["reason"] == "هشام في إجازة"
    # Now it is Lina's, and no longer Hisham's to see.
    assert signed_in(field.hisham).get(f"/inspections/visit/{visit.public_id}/").status_code == 404
    assert signed_in(field.lina).get(f"/inspections/visit/{visit.public_id}/").status_code == 200


def test_only_the_supervisor_reassigns_and_only_to_the_units_inspectors(field):
    visit = field.plan()
    with pytest.raises(WaslError) as refused:
        services.reassign_visit(field.hisham.actor, visit.public_id, username="lina", reason="")
    assert refused.value.code == "only_the_supervisor"
    with pytest.raises(WaslError) as refused:
        services.reassign_visit(
            field.supervisor.actor, visit.public_id, username="zahir_inspector", reason=""
        )
    assert refused.value.code == "not_an_inspector" and refused.value.message_ar
    response = signed_in(field.supervisor, "en").post(
        f"/inspections/visit/{visit.public_id}/reassign/",
        {"inspector": "zahir_inspector"},
        follow=True,
    )
    assert b"not an inspector of the unit" in response.content
    # The outsider's supervisor (none here) and the outsider cannot reach it at all.
    assert (
        signed_in(field.outsider)
        .post(f"/inspections/visit/{visit.public_id}/reassign/", {"inspector": "lina"})
        .status_code
        == 404
    )
    visit.refresh_from_db()
    assert visit.inspector == field.hisham_inspector
    assert not AuditRecord.objects.filter(action="inspections.visit.reassigned").exists()


def test_each_sees_only_their_assignments_and_the_supervisor_the_units(field):
    mine = [field.plan() for _ in range(2)]
    linas = field.plan(field.building, "building-site-safety")
    assert set(queries.open_assignments(field.hisham.actor)) == set(mine)
    assert list(queries.open_assignments(field.lina.actor)) == [linas]
    assert not list(queries.open_assignments(field.outsider.actor))
    assert set(queries.unit_open_visits(field.supervisor.actor)) == {*mine, linas}
    assert not list(queries.unit_open_visits(field.hisham.actor))
    page = signed_in(field.lina).get("/inspections/")
    assert str(linas.public_id).encode() in page.content
    assert str(mine[0].public_id).encode() not in page.content


def test_the_assignments_page_takes_a_fixed_number_of_queries(field, django_assert_num_queries):
    client = signed_in(field.supervisor)
    client.get("/inspections/")
    for _ in range(3):
        field.plan()
    field.plan(field.building, "building-site-safety")
    # session, user, actor, own visits, unit's visits, inspectors, recently done, and the
    # workspace's unit shown in the page's header
    with django_assert_num_queries(8):
        response = client.get("/inspections/")
    assert response.status_code == 200 and response.content.count(b'class="visit ') == 4


def test_checklists_load_once_and_a_published_version_never_changes(field, tmp_path):
    from wasl.inspections.services import CHECKLISTS_DIR, FINES_FILE

    again = services.load_reference_data()
    assert again.checklists == 3 and again.new_versions == 0
    for path in CHECKLISTS_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8").replace('"weight": 20', '"weight": 21')
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    with pytest.raises(WaslError) as refused:
        services.load_reference_data(tmp_path, FINES_FILE)
    assert refused.value.code == "checklist_version_changed"


def test_the_commands_load_the_data_and_register_an_inspector(field):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("loadinspections", stdout=out)
    assert "checklists: 3, new versions: 0" in out.getvalue()
    call_command("addinspector", "lina", "SUB-JED-BLD/INSPECTION", "--district", "JED-BLD-HND")
    field.lina_inspector.refresh_from_db()
    assert [a.code for a in field.lina_inspector.districts.all()] == ["JED-BLD-HND"]
    with pytest.raises(CommandError):
        call_command("addinspector", "nobody", "SUB-JED-BLD/INSPECTION")
