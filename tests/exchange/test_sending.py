"""Sending a letter through Wasl: one signed envelope per receiver, written with the outgoing
registration; unknown and revoked receivers refused at sending with a clear error."""

from __future__ import annotations

import json

import pytest

from wasl.audit.models import AuditRecord
from wasl.exchange import envelope, log, members
from wasl.exchange.models import LogEntry, OutgoingMessage
from wasl.registry.models import Transaction

from .conftest import outbox


def letter(net, **overrides):
    data = {
        "unit": str(net.registry.public_id),
        "to": ["AMN-JED"],
        "cc": ["GOV-JED"],
        "subject": "طلب إزالة التعديات على أرض مخطط الروضة",
        "body": "نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات.",
        "urgency": "urgent",
    }
    data.update(overrides)
    return data


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message_ar"] and body["message_en"]
    return body


def test_a_letter_to_an_entity_with_a_copy_becomes_one_signed_envelope_per_receiver(net, api):
    r = api(net.clerk).post("/exchange/letters", letter(net))
    assert r.status_code == 201, r.content
    data = r.json()
    txn = Transaction.objects.get(public_id=data["transaction"]["id"])
    assert txn.direction == "outgoing"
    assert txn.correspondent.code == "AMN-JED"
    rows = outbox()
    assert [(m.receiver.code, m.role, m.state) for m in rows] == [
        ("AMN-JED", "to", "pending"),
        ("GOV-JED", "cc", "pending"),
    ]
    for row in rows:
        signed = envelope.parse_envelope(row.envelope)
        body = signed.body
        assert body["sender"] == "EMK" and body["receiver"] == row.receiver.code
        assert body["message_id"] == str(row.message_id)
        assert body["letter"]["reference"] == txn.reference
        assert body["letter"]["to"] == ["AMN-JED"] and body["letter"]["cc"] == ["GOV-JED"]
        assert body["letter"]["role"] == row.role
        assert body["letter"]["urgency"] == "urgent"
        key = members.Member.objects.get(code="EMK").keys.get()
        assert signed.verifies_with(envelope.b64decode(key.public_key, "k", 32))
        assert row.envelope_sha256 == signed.sha256
    logged = LogEntry.objects.filter(chain="EMK", direction="out", what="envelope")
    assert sorted(e.message_id for e in logged) == sorted(str(m.message_id) for m in rows)
    assert AuditRecord.objects.filter(action="exchange.letter.sent", chain="EMK").count() == 1
    assert [d["state"] for d in data["exchange"]["deliveries"]] == ["pending", "pending"]


def test_the_envelope_carries_the_restriction_its_legal_basis_and_the_reply_due_date(net, api):
    r = api(net.clerk).post(
        "/exchange/letters",
        letter(
            net,
            cc=[],
            reply_due="2070-01-10",
            restriction={
                "level": "confidential",
                "legal_basis": "المادة 12 من نظام حماية البيانات الشخصية",
                "until": "2070-06-01",
            },
        ),
    )
    assert r.status_code == 201, r.content
    (row,) = outbox()
    body = envelope.parse_envelope(row.envelope).body["letter"]
    assert body["restriction"] == {
        "level": "confidential",
        "legal_basis": "المادة 12 من نظام حماية البيانات الشخصية",
        "until": "2070-06-01",
    }
    assert body["reply_due"] == "2070-01-10"
    assert row.transaction.confidentiality == "confidential"


def test_the_outbox_is_written_in_the_same_database_transaction_as_the_registration(
    net, api, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(log, "append_run", broken)
    with pytest.raises(RuntimeError):
        api(net.clerk).post("/exchange/letters", letter(net))
    assert not Transaction.objects.exists()
    assert not OutgoingMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"to": ["POL-NOWHERE"]}, 400, "unknown_receiver"),
        ({"cc": ["POL-NOWHERE"]}, 400, "unknown_receiver"),
        ({"to": []}, 400, "no_receivers"),
        ({"to": ["AMN-JED", "AMN-JED"]}, 400, "duplicate_receiver"),
        ({"cc": ["AMN-JED"]}, 400, "duplicate_receiver"),
        ({"to": ["EMK"]}, 400, "self_addressed"),
        ({"reply_due": "2001-01-01"}, 400, "reply_due_in_past"),
        ({"restriction": {"level": "confidential"}}, 400, "legal_basis_required"),
        (
            {"restriction": {"level": "normal", "until": "2070-01-01"}},
            400,
            "unexpected_restriction_end",
        ),
        ({"answers": "6c1d1f4e-0000-4000-8000-000000000000"}, 404, "transaction_not_found"),
        ({"unit": "6c1d1f4e-0000-4000-8000-000000000000"}, 404, "unit_not_found"),
        ({"attachments": ["6c1d1f4e-0000-4000-8000-000000000000"]}, 404, "attachment_not_found"),
    ],
)
def test_a_letter_that_cannot_be_sent_is_refused_and_nothing_is_written(
    net, api, overrides, status, code
):
    assert_error(api(net.clerk).post("/exchange/letters", letter(net, **overrides)), status, code)
    assert not Transaction.objects.exists()
    assert not OutgoingMessage.objects.exists()


def test_a_letter_to_a_revoked_member_is_refused_at_sending(net, api):
    members.revoke_member("AMN-JED", "انتقلت إلى عقدة أخرى")
    body = assert_error(
        api(net.clerk).post("/exchange/letters", letter(net, cc=[])), 400, "receiver_revoked"
    )
    assert body["field"] == "to"
    assert "AMN-JED" in body["message_ar"]
    assert not Transaction.objects.exists()


def test_a_letter_to_a_member_whose_keys_are_all_revoked_is_refused_at_sending(net, foreign, api):
    members.revoke_key("POL-MKK", foreign.key_id, "مفتاح مسرّب")
    assert_error(
        api(net.clerk).post("/exchange/letters", letter(net, to=["POL-MKK"], cc=[])),
        400,
        "receiver_revoked",
    )


def test_an_entity_that_is_not_a_member_cannot_send(net, api):
    members.revoke_member("EMK", "تعليق")
    assert_error(api(net.clerk).post("/exchange/letters", letter(net)), 400, "sender_not_member")


def test_only_a_clerk_of_the_sending_unit_may_send(net, api):
    # The Emirate's auditor sees the unit but does not work in it.
    assert_error(api(net.auditor).post("/exchange/letters", letter(net)), 403, "not_member_of_unit")
    # A clerk of another entity cannot even name the unit.
    assert_error(api(net.outsider).post("/exchange/letters", letter(net)), 404, "unit_not_found")
    assert not Transaction.objects.exists()


def test_unknown_fields_and_wrong_types_are_refused(net, api):
    r = api(net.clerk).post("/exchange/letters", letter(net, secret_field=1))
    assert_error(r, 422, "validation_error")
    r = api(net.clerk).post("/exchange/letters", letter(net, to="AMN-JED"))
    assert_error(r, 422, "validation_error")
    r = api(net.clerk).post("/exchange/letters", raw="{not json")
    assert r.status_code in (400, 422)
    assert not Transaction.objects.exists()


def test_a_letter_with_a_new_file_sends_the_file_by_hash(net, api):
    pdf = b"%PDF-1.4\n% Wasl test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = api(net.clerk).client.post(
        "/api/v1/exchange/letters/with-files",
        {
            "letter": json.dumps(letter(net, cc=[])),
            "files": [SimpleUploadedFile("محضر.pdf", pdf, content_type="application/pdf")],
        },
        **api(net.clerk).headers,
    )
    assert r.status_code == 201, r.content
    (row,) = outbox()
    (item,) = envelope.parse_envelope(row.envelope).body["letter"]["attachments"]
    import hashlib

    assert item == {
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
        "filename": "محضر.pdf",
        "content_type": "application/pdf",
    }


def test_a_multipart_letter_with_bad_json_is_refused(net, api):
    r = api(net.clerk).client.post(
        "/api/v1/exchange/letters/with-files",
        {"letter": '{"unit": 1', "files": []},
        **api(net.clerk).headers,
    )
    assert r.status_code in (400, 422), r.content
    assert not Transaction.objects.exists()
