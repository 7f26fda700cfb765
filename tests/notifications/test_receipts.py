"""The receipt endpoint: signed, idempotent, and never a 500 whatever it is sent."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from wasl.notifications import receipts
from wasl.notifications.models import Notification, Receipt

from .conftest import SECRET, make_visitor_transaction

URL = "/notifications/receipts/sms"


@pytest.fixture(autouse=True)
def receipt_secret(settings, db):
    settings.WASL_SMS_RECEIPT_SECRET = SECRET


def post(body: bytes, signature: str | None = None, **extra):
    signature = receipts.sign(body, SECRET) if signature is None else signature
    return Client().post(
        URL, body, content_type="application/json", HTTP_X_WASL_SIGNATURE=signature, **extra
    )


def receipt(n: Notification, status: str = "delivered", rid: str = "r-1") -> bytes:
    return json.dumps(
        {"receipt_id": rid, "client_ref": str(n.public_id), "status": status, "message_id": "m-1"}
    ).encode()


@pytest.fixture
def notification(cast):
    txn = make_visitor_transaction(cast)
    n = Notification.objects.get(transaction_id=txn.pk)
    Notification.objects.filter(pk=n.pk).update(status="sending", provider="http")
    return n


def test_a_delivered_receipt_marks_the_notification_delivered(notification):
    answer = post(receipt(notification))
    assert answer.status_code == 200
    assert answer.json() == {"result": "applied"}
    assert Notification.objects.get(pk=notification.pk).status == "delivered"


def test_a_repeat_changes_nothing(notification):
    assert post(receipt(notification)).json() == {"result": "applied"}
    before = Notification.objects.get(pk=notification.pk)
    assert post(receipt(notification)).json() == {"result": "duplicate"}
    # and a contradicting receipt after the final status is kept but changes nothing
    assert post(receipt(notification, "permanent_failure", "r-2")).json() == {"result": "ignored"}
    after = Notification.objects.get(pk=notification.pk)
    assert (after.status, after.status_at) == (before.status, before.status_at)
    assert Receipt.objects.count() == 2


def test_a_receipt_for_no_notification_is_kept_as_unknown(db):
    body = json.dumps(
        {"receipt_id": "x", "client_ref": str(uuid.uuid4()), "status": "delivered"}
    ).encode()
    assert post(body).json() == {"result": "unknown"}


def test_a_bad_signature_is_refused_in_both_languages(notification):
    answer = post(receipt(notification), signature="sha256=" + "0" * 64)
    assert answer.status_code == 403
    assert answer.json()["code"] == "bad_signature"
    assert answer.json()["message_ar"] and answer.json()["message_en"]
    assert Notification.objects.get(pk=notification.pk).status == "sending"


def test_without_a_secret_every_receipt_is_refused(notification, settings):
    settings.WASL_SMS_RECEIPT_SECRET = ""
    answer = post(receipt(notification), signature=receipts.sign(receipt(notification), ""))
    assert answer.status_code == 503
    assert answer.json()["code"] == "receipts_not_configured"


def test_wrong_method_and_oversized_bodies_get_clear_errors(db):
    assert Client().get(URL).status_code == 405
    big = b"{" + b" " * (receipts.MAX_BODY + 10) + b"}"
    assert post(big).status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"{}",
        b'{"receipt_id": "r", "status": "exploded"}',
        b'{"receipt_id": 5, "status": "delivered"}',
        b'{"receipt_id": "r", "status": "delivered", "client_ref": "not-a-uuid"}',
        b'{"receipt_id": "r", "status": "delivered", "message_id": ["x"]}',
    ],
)
def test_malformed_receipts_are_400_in_both_languages(db, body):
    answer = post(body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_receipt"
