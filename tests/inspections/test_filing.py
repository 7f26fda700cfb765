"""Filing an inspection through the visit's page: answers checked against the checklist
version, photos cleaned, violations fined from the schedule with a follow-up visit, the same
inspection sent twice kept once, and every refusal clear, in the person's language, with
nothing half-saved."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wasl.audit.models import AuditRecord
from wasl.inspections.models import Finding, Inspection, InspectionPhoto, Visit
from wasl.registry import calendar

from .conftest import GOOD_SHOP, filing, jpeg, signed_in

JSON = {"HTTP_ACCEPT": "application/json"}


def photo(name: str = "fridge.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg((800, 600), gps=True))


def post(client, visit, data, **extra):
    return client.post(f"/inspections/visit/{visit.public_id}/", data, **{**JSON, **extra})


def test_an_inspector_files_a_clean_inspection(field):
    visit = field.plan()
    assert visit.inspector == field.hisham_inspector  # named for the historic district
    key = str(uuid.uuid4())
    data = filing(visit, GOOD_SHOP, key) | {"photo-fridge_temperature": photo()}
    response = post(signed_in(field.hisham), visit, data)
    assert response.status_code == 201, response.content
    body = response.json()
    inspection = Inspection.objects.get(public_id=body["inspection"])
    assert body["created"] is True and inspection.score == 100
    assert inspection.checklist.version == 1 and inspection.total_fine_sar == 0
    assert inspection.answers["fridge_temperature"] == 4.0
    (kept,) = InspectionPhoto.objects.filter(inspection=inspection)
    assert kept.item_code == "fridge_temperature" and max(kept.width, kept.height) <= 1600
    visit.refresh_from_db()
    assert visit.state == "done" and not visit.follow_ups.exists()
    record = AuditRecord.objects.get(action="inspections.visit.inspected")
    assert record.object_id == str(visit.public_id)
    assert record.data["state"] == ["assigned", "done"] and record.data["score"] == 100
    # The page shows the inspection as filed.
    page = signed_in(field.hisham, "en").get(f"/inspections/visit/{visit.public_id}/")
    assert b"Score: 100%" in page.content


def test_a_violation_is_fined_from_the_schedule_and_opens_a_follow_up(field):
    visit = field.plan()
    answers = GOOD_SHOP | {"item-fridge_temperature": "9", "item-expired_food": "no"}
    data = filing(visit, answers, str(uuid.uuid4())) | {
        "photo-fridge_temperature": photo(),
        "photo-expired_food": photo("expired.jpg"),
    }
    response = post(signed_in(field.hisham), visit, data)
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get(visit=visit)
    assert sorted(f.violation.code for f in Finding.objects.filter(inspection=inspection)) == [
        "FS-02",
        "FS-03",
    ]
    assert inspection.total_fine_sar == 2000 + 5000
    assert inspection.score == 60  # 40 of 100 weighted points failed
    (follow_up,) = Visit.objects.filter(follows=visit)
    assert follow_up.kind == "follow_up" and follow_up.state == "assigned"
    assert follow_up.inspector == field.hisham_inspector and follow_up.site == field.shop
    # The shortest time to correct (FS-02, FS-03: 1 working day), counted in working days.
    assert follow_up.due_date == calendar.due_after(timezone.localdate(), 1)
    assert AuditRecord.objects.filter(
        action="inspections.visit.opened", object_id=str(follow_up.public_id)
    ).exists()


def test_the_same_inspection_sent_twice_is_one_record(field):
    visit = field.plan()
    key = str(uuid.uuid4())
    client = signed_in(field.hisham)
    first = post(
        client, visit, filing(visit, GOOD_SHOP, key) | {"photo-fridge_temperature": photo()}
    )
    again = post(
        client, visit, filing(visit, GOOD_SHOP, key) | {"photo-fridge_temperature": photo()}
    )
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert again.json()["created"] is False
    assert again.json()["inspection"] == first.json()["inspection"]
    assert Inspection.objects.count() == 1 and InspectionPhoto.objects.count() == 1
    assert AuditRecord.objects.filter(action="inspections.visit.inspected").count() == 1
    # A new key for a visit already inspected is refused, and nothing is added.
    other = post(client, visit, filing(visit, GOOD_SHOP, str(uuid.uuid4())))
    assert other.status_code == 409 and other.json()["code"] == "visit_already_inspected"
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field_name", "arabic"),
    [
        (
            {"item-fridge_temperature": "cold"},
            "answer_wrong_type",
            "item-fridge_temperature",
            "رقم",
        ),
        ({"item-fridge_temperature": "400"}, "answer_wrong_type", "item-fridge_temperature", "رقم"),
        ({"item-licence": "maybe"}, "answer_wrong_type", "item-licence", "نعم"),
        ({"item-cleanliness": "sparkling"}, "answer_wrong_type", "item-cleanliness", "اختر"),
        ({"item-pests": ""}, "answer_required", "item-pests", "مطلوب"),
    ],
)
def test_a_wrong_answer_is_refused_in_the_persons_language(field, change, code, field_name, arabic):
    visit = field.plan()
    data = filing(visit, GOOD_SHOP | change, str(uuid.uuid4())) | {
        "photo-fridge_temperature": photo()
    }
    ar = post(signed_in(field.hisham, "ar"), visit, data)
    assert ar.status_code == 400 and ar.json()["code"] == code
    assert ar.json()["field"] == field_name and arabic in ar.json()["message"]
    en = post(
        signed_in(field.hisham, "en"), visit, dict(data, **{"photo-fridge_temperature": photo()})
    )
    assert en.json()["message"] == en.json()["message_en"] and en.json()["message_en"]
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert Visit.objects.get(pk=visit.pk).state == "assigned"
    assert not AuditRecord.objects.filter(action="inspections.visit.inspected").exists()


def test_a_missing_required_photo_is_refused(field):
    visit = field.plan()
    # The fridge's photo is always required; the expired food's only when it is a violation.
    response = post(signed_in(field.hisham), visit, filing(visit, GOOD_SHOP, str(uuid.uuid4())))
    assert response.status_code == 400
    assert response.json()["code"] == "photo_required"
    assert "صورة" in response.json()["message_ar"] and "photo" in response.json()["message_en"]
    failing = GOOD_SHOP | {"item-expired_food": "no"}
    response = post(
        signed_in(field.hisham),
        visit,
        filing(visit, failing, str(uuid.uuid4())) | {"photo-fridge_temperature": photo()},
    )
    assert response.json()["field"] == "item-expired_food"
    assert not Inspection.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(field):
    visit = field.plan()
    data = filing(visit, GOOD_SHOP, str(uuid.uuid4())) | {
        "photo-fridge_temperature": photo("fridge.jpg", b"%PDF-1.4 not a photo at all")
    }
    response = post(signed_in(field.hisham, "en"), visit, data)
    assert response.status_code == 400 and response.json()["code"] == "photo_not_an_image"
    assert "not a photo" in response.json()["message"]
    assert not Inspection.objects.exists()


def test_a_40_mb_photo_is_refused_before_it_is_read_whole(field):
    visit = field.plan()
    data = filing(visit, GOOD_SHOP, str(uuid.uuid4())) | {
        "photo-fridge_temperature": photo("huge.jpg", b"\xff\xd8\xff" + b"\0" * (40 * 1024 * 1024))
    }
    response = post(signed_in(field.hisham), visit, data)
    assert response.status_code == 413 and response.json()["code"] == "photo_too_large"
    assert "ميجابايت" in response.json()["message"]
    assert not Inspection.objects.exists()


def test_someone_elses_assignment_is_not_found(field):
    visit = field.plan()
    data = filing(visit, GOOD_SHOP, str(uuid.uuid4())) | {"photo-fridge_temperature": photo()}
    # Another inspector of the unit, and an inspector of another municipality.
    for person in (field.lina, field.outsider):
        response = post(signed_in(person, "en"), visit, data)
        assert response.status_code == 404
        assert response.json()["code"] == "not_your_assignment"
        assert "not among your assignments" in response.json()["message"]
        assert signed_in(person).get(f"/inspections/visit/{visit.public_id}/").status_code == 404
    # The supervisor sees the visit but does not fill it in for the inspector.
    response = post(
        signed_in(field.supervisor), visit, dict(data, **{"photo-fridge_temperature": photo()})
    )
    assert response.status_code == 403 and response.json()["code"] == "only_the_assigned_inspector"
    assert not Inspection.objects.exists()


def test_an_inspection_keeps_the_version_it_was_filled_with(field, tmp_path):
    from wasl.inspections import services
    from wasl.inspections.services import CHECKLISTS_DIR, FINES_FILE

    visit = field.plan()
    # A new version is published while the inspector is in the field.
    for path in CHECKLISTS_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        if path.stem == "food-shop-hygiene":
            text = text.replace('"version": 1', '"version": 2').replace(
                '"pass_max": 5', '"pass_max": 4'
            )
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    assert services.load_reference_data(tmp_path, FINES_FILE).new_versions == 1
    answers = GOOD_SHOP | {"item-fridge_temperature": "5"}
    data = filing(visit, answers, str(uuid.uuid4()), version=1) | {
        "photo-fridge_temperature": photo()
    }
    response = post(signed_in(field.hisham), visit, data)
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get(visit=visit)
    assert inspection.checklist.version == 1 and inspection.score == 100
    # A version that does not exist is refused.
    second = field.plan()
    response = post(signed_in(field.hisham), second, filing(second, answers, str(uuid.uuid4()), 7))
    assert response.json()["code"] == "unknown_checklist_version"


def test_the_form_works_without_javascript(field):
    visit = field.plan()
    client = signed_in(field.hisham)
    page = client.get(f"/inspections/visit/{visit.public_id}/")
    assert page.status_code == 200 and b'name="item-fridge_temperature"' in page.content
    refused = client.post(
        f"/inspections/visit/{visit.public_id}/", filing(visit, GOOD_SHOP, str(uuid.uuid4()))
    )
    assert refused.status_code == 400 and "صورة" in refused.content.decode()
    data = filing(visit, GOOD_SHOP, str(uuid.uuid4())) | {"photo-fridge_temperature": photo()}
    done = client.post(f"/inspections/visit/{visit.public_id}/", data)
    assert done.status_code == 302 and Inspection.objects.filter(visit=visit).exists()
