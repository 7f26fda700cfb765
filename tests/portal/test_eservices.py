"""E-services as data: definitions checked by their JSON Schema and versioned; applications
made step by step over HTTP, checked again on the server, kept as drafts for the person, and
submitted as registered transactions with a receipt and a reference on "my matters"."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Cast
from tests.security.report import record
from wasl.audit.models import AuditRecord
from wasl.portal.eservices import definitions, services
from wasl.portal.eservices.models import Application, Service, ServiceVersion
from wasl.registry import attachments as attachment_files
from wasl.registry.models import Attachment, Transaction

from .conftest import CITIZEN, CITIZEN_2, RESIDENT, sign_in
from .eservice_fixtures import PNG, WAIVER, deed, services_file, step_one

OTHER_PARTY = CITIZEN_2.id_number


@pytest.fixture
def waiver(cast: Cast) -> Service:
    services.import_services(services_file(WAIVER), by="test")
    return Service.objects.get(code="test-waiver")


def signed_in(sub: str) -> Client:
    client = Client()
    sign_in(client, sub)
    return client


def start(client: Client, code: str = "test-waiver") -> Any:
    answer = client.post(f"/portal/services/{code}/start/")
    return answer


def draft_url(client: Client) -> str:
    answer = start(client)
    assert answer.status_code == 302, answer.content[:500]
    return str(answer["Location"])


def fill_to_review(client: Client) -> str:
    """Steps 1 and 2 answered: the review page's address."""
    url = draft_url(client)
    answer = client.post(url, step_one(OTHER_PARTY))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    second = str(answer["Location"])
    answer = client.post(
        second,
        {"f_deed": deed(), "f_place_lat": "21.4", "f_place_lon": "39.8", "f_phone": "0501234567"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert answer["Location"].endswith("/review/")
    return str(answer["Location"])


# -------------------------------------------------------------------------------------------
# Definitions


def test_the_demo_file_matches_the_schema_and_holds_18_citizen_and_15_resident_services(
    cast: Cast,
) -> None:
    with services.DEMO_FILE.open(encoding="utf-8") as f:
        data = json.load(f)
    checked = definitions.check_file(data)
    audiences = [s["audience"] for s in checked]
    assert (len(checked), audiences.count("citizen"), audiences.count("resident")) == (33, 18, 15)
    for s in checked:  # Arabic and English complete
        assert s["name"]["ar"] and s["name"]["en"] and s["description"]["en"]
    loaded = services.load_demo_services()
    assert (loaded.services, loaded.new_versions) == (33, 33)
    assert services.load_demo_services().new_versions == 0  # again: nothing new
    # The cast's Emirate has only some of the demo's receiving units.
    assert "EMK/PRISONERS" in loaded.missing_units and "EMK/RIGHTS" not in loaded.missing_units
    exported = services.export_services()
    assert [s["code"] for s in exported["services"]] == [s["code"] for s in checked]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(audience="everyone"), "services[1].audience"),
        (lambda d: d["name"].pop("en"), "services[1].name"),
        (lambda d: d["steps"][0]["fields"][0].update(type="signature"), "services[1].steps[0]"),
        (lambda d: d["rules"][0].update(when={"eval": ["x"]}), "services[1].rules[0].when"),
        (lambda d: d["rules"][0].update(show=["nowhere"]), "services[1].rules[0].show"),
        (
            lambda d: d["steps"][1]["fields"][0].update(accept=["application/x-msdownload"]),
            "services[1].steps[1]",
        ),
        (lambda d: d.update(sla_working_days=0), "services[1].sla_working_days"),
    ],
)
def test_a_file_that_does_not_match_the_schema_is_refused_whole(
    cast: Cast, change: Any, where: str
) -> None:
    good = copy.deepcopy(WAIVER) | {"code": "first-one"}
    bad = copy.deepcopy(WAIVER)
    change(bad)
    with pytest.raises(definitions.InvalidDefinition) as refused:
        services.import_services(services_file(good, bad), by="test")
    assert refused.value.where.startswith(where), refused.value.where
    assert "لا يطابق المخطط" in refused.value.message_ar
    assert "does not match the schema" in refused.value.message_en
    assert not Service.objects.exists()  # not even the good one


def test_importservices_refuses_a_bad_file_in_both_languages(cast: Cast, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "wasl.eservices/1", "services": [{"code": "x"}]}))
    with pytest.raises(CommandError) as refused:
        call_command("importservices", str(path))
    assert "لا يطابق المخطط" in str(refused.value) and "does not match" in str(refused.value)
    assert not Service.objects.exists()


def test_an_edit_makes_a_new_version_and_old_applications_keep_theirs(
    cast: Cast, waiver: Service
) -> None:
    client = signed_in(CITIZEN.subject)
    review = fill_to_review(client)
    edited = copy.deepcopy(WAIVER)
    # The new version asks for one more required field in the first step.
    edited["steps"][0]["fields"].append(
        {
            "key": "court",
            "type": "text",
            "label": {"ar": "المحكمة", "en": "Court"},
            "required": True,
        }
    )
    version, created = services.publish(edited, by="admin")
    assert created and version.number == 2
    assert services.publish(edited, by="admin") == (version, False)  # unchanged: no version
    # The draft stays on version 1, and is submitted as version 1 asked.
    answer = client.post(review)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    app = Application.objects.get()
    assert (app.state, app.version.number) == ("submitted", 1)
    # A new application starts on version 2.
    other = signed_in(CITIZEN_2.subject)
    start(other)
    assert Application.objects.get(person__id_number=CITIZEN_2.id_number).version.number == 2
    actions = list(
        AuditRecord.objects.filter(action="portal.eservice.published").values_list(
            "data", flat=True
        )
    )
    assert [a["version"] for a in actions] == [[None, 1], [1, 2]]


# -------------------------------------------------------------------------------------------
# Applying


def test_a_citizen_applies_and_gets_a_registered_transaction_a_receipt_and_the_reference(
    cast: Cast, waiver: Service
) -> None:
    client = signed_in(CITIZEN.subject)
    catalogue = client.get("/portal/services/").content.decode()
    assert "طلب التنازل عن الحق الخاص" in catalogue
    card = client.get("/portal/services/test-waiver/").content.decode()
    assert "الإدارة العامة للحقوق" in card and "صورة الهوية" in card
    review = fill_to_review(client)
    page = client.get(review).content.decode()
    assert "قضية دهس" in page and "تنازل.pdf" in page and "0501234567" in page
    answer = client.post(review)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    app = Application.objects.get()
    txn = Transaction.objects.get()
    assert app.transaction_id == txn.pk and app.state == "submitted"
    assert (txn.unit_id, txn.direction, txn.kind) == (cast.rights.pk, "incoming", "petition")
    assert (txn.party_type, txn.party_id_number) == ("citizen", CITIZEN.id_number)
    assert txn.subject == "طلب التنازل عن الحق الخاص: قضية دهس"
    assert "هوية الطرف الآخر: " + OTHER_PARTY in txn.body and txn.due_date is not None
    assert Attachment.objects.get(transaction=txn).filename == "تنازل.pdf"
    done = client.get(answer["Location"]).content.decode()
    assert txn.reference in done
    receipt = client.get(answer["Location"] + "receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    # The visitor's reference, on "my matters", with the papers they handed in.
    matters = client.get("/portal/matters/").content.decode()
    assert txn.reference in matters and "تنازل.pdf" in matters
    # Nobody else sees the application, its page or its receipt.
    other = signed_in(CITIZEN_2.subject)
    assert other.get(answer["Location"]).status_code == 404
    assert other.get(answer["Location"] + "receipt.pdf").status_code == 404
    assert txn.reference not in other.get("/portal/matters/").content.decode()


def test_a_resident_cannot_apply_for_a_citizens_service(cast: Cast, waiver: Service) -> None:
    client = signed_in(RESIDENT.subject)
    assert "test-waiver" not in client.get("/portal/services/").content.decode()
    card = client.get("/portal/services/test-waiver/").content.decode()
    assert "للمواطنين فقط" in card and 'id="start"' not in card
    answer = start(client)
    text = answer.content.decode()
    assert answer.status_code == 403
    assert "هذه الخدمة للمواطنين فقط" in text
    assert not Application.objects.exists()
    client.cookies["django_language"] = "en"
    answer = start(client)
    assert "This service is for citizens only" in answer.content.decode()
    record("e-service: resident applies for a citizens' service", attempts=2, leaks=0)


def test_the_server_enforces_the_rules_the_browser_enforced(cast: Cast, waiver: Service) -> None:
    client = signed_in(CITIZEN.subject)
    url = draft_url(client)
    # "Other" requires "case_other": a client that skips the browser's rule is refused.
    answer = client.post(url, step_one(OTHER_PARTY, f_case_type="other"))
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "«نوع القضية الأخرى» مطلوب." in text
    assert 'id="f_case_other_error"' in text  # next to the field
    app = Application.objects.get()
    assert app.answers == {} and app.step == 0  # nothing half-saved
    # A value for a field the rules hide is dropped, not kept.
    answer = client.post(url, step_one(OTHER_PARTY, f_case_other="سرّي"))
    assert answer.status_code == 302
    app.refresh_from_db()
    assert "case_other" not in app.answers and app.answers["case_type"] == "traffic"
    # Submitting straight away, with step 2 never answered: refused, nothing registered.
    review = url.replace("step/1/", "review/")
    answer = client.post(review)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "«صك التنازل» مطلوب." in text
    # Shown on the step of the field, beside it, and in the summary linking to it.
    assert 'id="f_deed_error"' in text and '<a href="#f_deed">' in text
    assert re.search(r'<input type="file" id="f_deed"[^>]*aria-invalid="true"', text)
    assert f'action="{url.replace("step/1/", "step/2/")}"' in text
    assert not Transaction.objects.exists()
    assert Application.objects.get().state == "draft"
    record("e-service: submission breaking the rules", attempts=2, undetected=0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("f_other_party", "1234567890", "رقم الهوية"),
        ("f_amount", "كثير", "اكتب رقمًا"),
        ("f_amount", "2000000", "يجب أن يكون بين"),
        ("f_happened_on", "1499/01/01", "لا يكون في المستقبل"),
        ("f_case_type", "bribe", "اختر من الخيارات المعروضة"),
        ("f_summary", "a\u202eb", "«الموضوع»"),
    ],
)
def test_a_wrong_answer_is_refused_next_to_its_field(
    cast: Cast, waiver: Service, field: str, value: str, message: str
) -> None:
    client = signed_in(CITIZEN.subject)
    url = draft_url(client)
    answer = client.post(url, step_one(OTHER_PARTY, **{field: value}))
    text = answer.content.decode()
    assert answer.status_code == 400
    assert f'id="{field}_error"' in text and message in text
    assert Application.objects.get().answers == {}


@pytest.mark.parametrize(
    ("upload", "message_ar", "message_en"),
    [
        (deed("صورة.png", PNG, "image/png"), "نوع الملف غير مقبول هنا", "not accepted here"),
        (deed("تنازل.pdf", PNG, "application/pdf"), "نوع الملف غير مقبول هنا", "not accepted"),
        (deed("برنامج.exe", b"MZ" + b"\x00" * 40, "application/octet-stream"), "نوع الملف", "type"),
        (
            deed("كبير.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)),
            "أكبر من 1 ميجابايت",
            "larger than 1 MB",
        ),
    ],
)
def test_a_file_of_the_wrong_type_or_size_is_refused_and_nothing_is_stored(
    cast: Cast, waiver: Service, settings: Any, upload: Any, message_ar: str, message_en: str
) -> None:
    client = signed_in(CITIZEN.subject)
    url = draft_url(client)
    second = client.post(url, step_one(OTHER_PARTY))["Location"]
    answer = client.post(second, {"f_deed": upload, "f_phone": "0501234567"})
    text = answer.content.decode()
    assert answer.status_code == 400
    assert 'id="f_deed_error"' in text and message_ar in text
    client.cookies["django_language"] = "en"
    upload.seek(0)
    answer = client.post(second, {"f_deed": upload, "f_phone": "0501234567"})
    assert message_en in answer.content.decode()
    assert "deed" not in Application.objects.get().answers
    blobs = (
        list((settings.MEDIA_ROOT / "blobs").rglob("*"))
        if (settings.MEDIA_ROOT / "blobs").exists()
        else []
    )
    assert not [b for b in blobs if b.is_file()]
    record("e-service: file of the wrong type or size", attempts=2, undetected=0, leaks=0)


# -------------------------------------------------------------------------------------------
# Save and continue


def test_a_draft_is_kept_and_finished_on_another_device(cast: Cast, waiver: Service) -> None:
    phone = signed_in(CITIZEN.subject)
    url = draft_url(phone)
    answer = phone.post(url, step_one(OTHER_PARTY, action="save"))
    assert answer.status_code == 302 and answer["Location"] == "/portal/services/"
    listing = phone.get("/portal/services/").content.decode()
    assert "طلبات لم تقدّمها بعد" in listing or "Applications you have not submitted" in listing
    # Another device, another session: the same person finds the draft where it was left.
    laptop = signed_in(CITIZEN.subject)
    answer = start(laptop)
    assert answer["Location"] == url  # the step it was saved at
    page = laptop.get(url).content.decode()
    assert "قضية دهس" in page and "1445/01/10" in page, page[page.find("f_happened_on") :][:600]
    laptop.post(url, step_one(OTHER_PARTY))
    second = url.replace("step/1/", "step/2/")
    answer = laptop.post(second, {"f_deed": deed(), "f_phone": "0501234567", "action": "save"})
    assert answer.status_code == 302
    # Back on the phone: the file is kept with the draft and the application is submitted.
    again = phone.get(second).content.decode()
    assert "تنازل.pdf" in again
    review = url.replace("step/1/", "review/")
    assert phone.post(second, {"f_phone": "0501234567"})["Location"] == review
    assert phone.post(review).status_code == 302
    assert Transaction.objects.get().party_id_number == CITIZEN.id_number
    # One draft per person and service; submitted, a new start begins a new draft.
    assert start(phone).status_code == 302
    assert Application.objects.filter(state="draft").count() == 1


def test_another_persons_draft_is_not_found(cast: Cast, waiver: Service) -> None:
    mine = signed_in(CITIZEN.subject)
    url = draft_url(mine)
    theirs = signed_in(CITIZEN_2.subject)
    attempts = 0
    for path in (url, url.replace("step/1/", "review/")):
        attempts += 2
        assert theirs.get(path).status_code == 404
        assert theirs.post(path, step_one(OTHER_PARTY)).status_code == 404
    assert Application.objects.get().answers == {}
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page
    record("e-service: another person's draft", attempts=attempts, leaks=0)


def test_a_service_whose_unit_is_missing_is_refused_plainly_and_the_draft_kept(
    cast: Cast, waiver: Service
) -> None:
    client = signed_in(CITIZEN.subject)
    review = fill_to_review(client)
    cast.rights.is_active = False
    cast.rights.save(update_fields=["is_active"])
    answer = client.post(review)
    assert answer.status_code == 503
    assert "لا يمكن استقبال طلبات هذه الخدمة الآن" in answer.content.decode()
    assert Application.objects.get().state == "draft" and not Transaction.objects.exists()
    assert ServiceVersion.objects.count() == 1
    assert attachment_files  # the draft's file stays kept for later


def test_an_administrator_edits_a_service_as_a_new_version(cast: Cast, waiver: Service) -> None:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    url = f"/admin/eservices/service/{waiver.pk}/change/"
    page = client.get(url).content.decode()
    assert "test-waiver" in page
    edited = copy.deepcopy(WAIVER)
    edited["sla_working_days"] = 5
    answer = client.post(url, {"is_active": "on", "definition": json.dumps(edited)})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    waiver.refresh_from_db()
    assert waiver.current is not None and waiver.current.number == 2
    assert waiver.current.definition["sla_working_days"] == 5
    edited["audience"] = "everyone"
    answer = client.post(url, {"is_active": "on", "definition": json.dumps(edited)})
    assert answer.status_code == 200 and "does not match the schema" in answer.content.decode()
    assert ServiceVersion.objects.count() == 2


def test_a_second_submission_of_the_same_application_registers_nothing(
    cast: Cast, waiver: Service
) -> None:
    client = signed_in(CITIZEN.subject)
    review = fill_to_review(client)
    assert client.post(review).status_code == 302
    assert client.post(review).status_code == 404  # submitted: no longer a draft
    assert Transaction.objects.count() == 1
    record("e-service: submitted twice", attempts=2, duplicated=Transaction.objects.count() - 1)


def test_the_catalogue_costs_the_same_queries_for_33_services(
    cast: Cast, waiver: Service, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(CITIZEN.subject)
    start(client)
    with django_assert_max_num_queries(5) as few:
        page = client.get("/portal/services/")
    services.load_demo_services()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/portal/services/")
    text = page.content.decode()
    assert text.count('class="card es-service"') == 19  # 18 demo + the test service
    assert "طلب خطاب متعلق بالإقامة" not in text  # a residents' service
