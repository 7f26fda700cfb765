"""A transaction's life through the API: register, refer, acknowledge, answer, close."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from wasl.registry import services
from wasl.registry.models import Event, Referral, Transaction

from ..conftest import make_referred, make_transaction


def register_payload(cast, **overrides):
    payload = {
        "unit": str(cast.registry.public_id),
        "direction": "incoming",
        "kind": "petition",
        "subject": "معروض المواطن بشأن تأخر صرف التعويض",
        "body": "يشكو المواطن من تأخر صرف تعويض أرضه منذ عامين.",
        "urgency": "urgent",
        "party": {
            "type": "citizen",
            "name": "عبدالرحمن بن سعيد الغامدي",
            "id_number": "١٠٥٨٥٢٩٩٤٠",
            "phone": "٠٥٥ ١٢٣ ٤٥٦٧",
        },
    }
    payload.update(overrides)
    return payload


def test_a_clerk_registers_refers_and_the_unit_answers_until_it_is_closed(cast, api):
    clerk, rights = api(cast.clerk), api(cast.rights_clerk)

    r = clerk.post("/transactions", register_payload(cast))
    assert r.status_code == 201, r.content
    txn = r.json()
    assert txn["reference"].startswith("EMK-14")
    assert txn["state"] == "registered"
    assert txn["registered_on"]["hijri"].endswith("هـ")
    detail = clerk.get(f"/transactions/{txn['id']}").json()
    assert detail["party"]["id_number"] == "1058529940"  # Arabic digits folded
    assert detail["party"]["phone"] == "+966551234567"
    assert "refer" in detail["allowed_steps"]

    r = clerk.post(
        f"/transactions/{txn['id']}/referrals",
        {
            "to_units": [str(cast.rights.public_id)],
            "instruction": "لدراسة الموضوع والإفادة",
            "due_in_days": 3,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["state"] == "referred"
    (made,) = r.json()["referrals"]
    assert made["to_unit"] == str(cast.rights.public_id)
    assert made["state"] == "pending"
    ref_id = made["id"]

    inbox = rights.get("/inbox").json()
    assert [item["transaction"]["reference"] for item in inbox["items"]] == [txn["reference"]]
    assert inbox["count"] == 1

    assert rights.post(f"/referrals/{ref_id}/acknowledge").status_code == 200
    r = rights.post(f"/referrals/{ref_id}/answer", {"text": "تمت دراسة الموضوع ويُوصى بالصرف."})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "answered"
    assert r.json()["referral"] == {
        **r.json()["referral"],
        "id": ref_id,
        "state": "answered",
        "answer": "تمت دراسة الموضوع ويُوصى بالصرف.",
    }

    r = clerk.post(f"/transactions/{txn['id']}/close", {"reason": "تمت الإفادة وأُبلغ المواطن"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"
    assert r.json()["closed_at"] is not None
    final = clerk.get(f"/transactions/{txn['id']}").json()
    assert final["updated_at"] == r.json()["updated_at"]
    assert [e["action"] for e in final["timeline"]] == [
        "registered",
        "referred",
        "acknowledged",
        "answered",
        "closed",
    ]
    assert final["timeline"][1]["actor"] == "سعد الحربي"
    assert final["referrals"][0]["state"] == "answered"
    assert rights.get("/inbox").json()["count"] == 0


def test_a_transaction_stays_referred_until_every_unit_has_answered(cast):
    txn = make_transaction(cast)

    refs = services.refer(
        cast.clerk.actor,
        txn.public_id,
        to_units=[cast.rights, cast.security],
        instruction="للإفادة",
    )
    services.answer(cast.rights_clerk.actor, refs[0].public_id, text="لا مانع")
    assert Transaction.objects.get(pk=txn.pk).state == "referred"
    services.return_referral(cast.security_clerk.actor, refs[1].public_id, reason="ليس من اختصاصنا")
    assert Transaction.objects.get(pk=txn.pk).state == "returned"


def test_a_referral_can_be_forwarded_to_another_unit(cast, api):
    txn, ref = make_referred(cast)
    r = api(cast.rights_clerk).post(
        f"/referrals/{ref.public_id}/forward",
        {"to_unit": str(cast.security.public_id), "instruction": "من اختصاصكم"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["referral"]["to_unit"] == str(cast.security.public_id)
    detail = api(cast.clerk).get(f"/transactions/{txn.public_id}").json()
    states = {x["to_unit"]["code"]: x["state"] for x in detail["referrals"]}
    assert states == {"RIGHTS": "forwarded", "SECURITY": "pending"}
    assert api(cast.security_clerk).get("/inbox").json()["count"] == 1
    assert api(cast.rights_clerk).get("/inbox").json()["count"] == 0


def test_closing_with_open_referrals_is_refused_with_a_clear_error(cast, api):
    txn, _ = make_referred(cast)
    r = api(cast.clerk).post(f"/transactions/{txn.public_id}/close", {"reason": "انتهى"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "invalid_transition"
    assert "«حفظ»" in body["message_ar"] and "referred" in body["message_en"]
    assert Transaction.objects.get(pk=txn.pk).state == "referred"


def test_only_the_target_unit_answers_a_referral(cast, api):
    _, ref = make_referred(cast)
    # The owning unit sees the referral but does not hold it; another unit does not even see it.
    assert (
        api(cast.security_clerk)
        .post(f"/referrals/{ref.public_id}/answer", {"text": "تم"})
        .status_code
        == 404
    )
    r = api(cast.clerk).post(f"/referrals/{ref.public_id}/answer", {"text": "تم"})
    assert r.status_code == 403
    assert r.json()["code"] == "not_referral_holder"
    assert Referral.objects.get(pk=ref.pk).state == "pending"


def test_a_closed_transaction_is_reopened_by_the_head_only(cast, api):
    txn = make_transaction(cast)
    api(cast.clerk).post(f"/transactions/{txn.public_id}/close", {"reason": "حفظ"})
    assert (
        api(cast.clerk).post(f"/transactions/{txn.public_id}/reopen", {"reason": "خطأ"}).status_code
        == 403
    )
    r = api(cast.head).post(
        f"/transactions/{txn.public_id}/reopen", {"reason": "وردت معلومات جديدة"}
    )
    assert r.status_code == 200
    assert r.json()["state"] == "reopened"
    assert "refer" in api(cast.clerk).get(f"/transactions/{txn.public_id}").json()["allowed_steps"]


def test_cancelling_cancels_open_referrals_and_ends_the_life(cast, api):
    txn, ref = make_referred(cast)
    r = api(cast.head).post(f"/transactions/{txn.public_id}/cancel", {"reason": "سُجلت بالخطأ"})
    assert r.status_code == 200
    assert Referral.objects.get(pk=ref.pk).state == "cancelled"
    r = api(cast.rights_clerk).post(f"/referrals/{ref.public_id}/answer", {"text": "تم"})
    assert r.status_code == 409
    r = api(cast.clerk).post(f"/transactions/{txn.public_id}/comments", {"text": "ملاحظة"})
    assert r.status_code == 409


def test_comments_and_links_appear_on_the_timeline(cast, api):
    a, b = make_transaction(cast), make_transaction(cast, subject="متابعة المعروض السابق")
    clerk = api(cast.clerk)
    assert (
        clerk.post(
            f"/transactions/{a.public_id}/comments", {"text": "تم التواصل هاتفياً"}
        ).status_code
        == 201
    )
    r = clerk.post(
        f"/transactions/{b.public_id}/links", {"target": str(a.public_id), "kind": "follows"}
    )
    assert r.status_code == 201
    assert r.json()["link"] == {
        "kind": "follows",
        "direction": "out",
        "id": str(a.public_id),
        "reference": a.reference,
    }
    assert clerk.get(f"/transactions/{b.public_id}").json()["links"] == [r.json()["link"]]
    assert (
        clerk.post(f"/transactions/{b.public_id}/links", {"target": str(a.public_id)}).json()[
            "code"
        ]
        == "link_exists"
    )
    detail = clerk.get(f"/transactions/{a.public_id}").json()
    assert detail["timeline"][-1]["note"] == "تم التواصل هاتفياً"
    assert detail["links"][0]["direction"] == "in"


def test_auditors_read_but_do_not_comment(cast, api):
    txn = make_transaction(cast)
    auditor = api(cast.auditor)
    assert auditor.get(f"/transactions/{txn.public_id}").status_code == 200
    r = auditor.post(f"/transactions/{txn.public_id}/comments", {"text": "ملاحظة"})
    assert r.status_code == 403
    assert Event.objects.filter(transaction=txn).count() == 1


def test_timeline_events_cannot_be_changed_or_deleted(cast):
    import pytest

    txn = make_transaction(cast)
    event = Event.objects.get(transaction=txn)
    event.note = "edited"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_due_dates_skip_the_weekend_and_holidays(cast):
    import datetime

    from django.utils import timezone

    from wasl.core import hijri
    from wasl.registry import calendar, services
    from wasl.registry.models import Holiday

    today = timezone.localdate()
    tomorrow_working = hijri.add_working_days(today, 1, set())
    assert tomorrow_working not in calendar.holidays()  # read and kept before the holiday is added
    Holiday.objects.create(date=tomorrow_working, name_ar="يوم التأسيس")
    txn = make_transaction(cast)
    (ref,) = services.refer(
        cast.clerk.actor,
        txn.public_id,
        to_units=[cast.rights],
        instruction="للإفادة",
        due_in_days=1,
    )
    assert ref.due_date > tomorrow_working
    assert ref.due_date.weekday() not in (4, 5)  # Friday, Saturday
    assert ref.due_date - today <= datetime.timedelta(days=5)


def test_a_unit_that_already_holds_an_open_referral_is_not_referred_again(cast, api):
    txn, _ = make_referred(cast)
    r = api(cast.clerk).post(
        f"/transactions/{txn.public_id}/referrals",
        {"to_units": [str(cast.rights.public_id)], "instruction": "تذكير"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "already_referred"
    assert Referral.objects.filter(transaction=txn).count() == 1


def test_a_referral_is_not_forwarded_to_a_unit_that_already_holds_one(cast, api):
    txn, ref = make_referred(cast)
    services.refer(cast.clerk.actor, txn.public_id, to_units=[cast.security], instruction="لكم")
    r = api(cast.rights_clerk).post(
        f"/referrals/{ref.public_id}/forward",
        {"to_unit": str(cast.security.public_id), "instruction": "من اختصاصكم"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "already_referred"
    assert Referral.objects.get(pk=ref.pk).state == "pending"
    assert Referral.objects.filter(transaction=txn).count() == 2


def test_the_database_refuses_a_second_open_referral_to_a_unit(cast):
    # What refer and forward rely on when two of them race: the constraint, not a read.
    _, ref = make_referred(cast)
    ref.pk = None
    ref.public_id = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        ref.save()
    ref.state = "answered"
    ref.save()  # a finished one may sit beside the open one
