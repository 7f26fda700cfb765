"""Probe: the SMS receipt endpoint under forged and malformed receipts — every forged one
refused, no 5xx, and a notification never moved by what was not signed."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from django.test import Client

from tests.conftest import make_transaction
from tests.security.report import record
from wasl.notifications import receipts
from wasl.notifications.models import Notification, Receipt
from wasl.registry import services as registry

SECRET = "receipts-secret-for-the-probe"
URL = "/notifications/receipts/sms"


def post(body: bytes, signature: str | None = None):
    signature = receipts.sign(body, SECRET) if signature is None else signature
    return Client().post(
        URL, body, content_type="application/json", HTTP_X_WASL_SIGNATURE=signature
    )


@pytest.fixture
def notification(cast, settings):
    settings.WASL_SMS_RECEIPT_SECRET = SECRET
    party = registry.Party(
        type="citizen", name="محمد بن علي الحربي", id_number="1058529940", phone="0501234567"
    )
    txn = make_transaction(cast, party=party)
    n = Notification.objects.get(transaction_id=txn.pk)
    Notification.objects.filter(pk=n.pk).update(status="sending", provider="http")
    return n


def hostile(rng: random.Random, i: int, notification: Notification) -> bytes:
    data = {
        "receipt_id": rng.choice([f"h-{i}", "", "x" * 200, None, i]),
        "client_ref": rng.choice([str(notification.public_id), "zz", None, str(uuid.uuid4())]),
        "status": rng.choice(["delivered", "permanent_failure", "sent", "", None, 7]),
        "message_id": rng.choice(["m", None, {"a": 1}]),
        "detail": rng.choice(["", "ا" * 5000, None]),
    }
    return json.dumps(data).encode()


def test_probe_forged_receipts_are_refused_and_malformed_ones_never_500(notification):
    rng = random.Random(17)
    attempts = errors_5xx = undetected = 0
    # Forged: well-formed receipts that would settle the notification, signed without the
    # secret (random, another secret, another body's signature, cut short, none at all).
    other = json.dumps({"receipt_id": "x", "status": "delivered"}).encode()
    for i in range(200):
        body = json.dumps(
            {
                "receipt_id": f"f-{i}",
                "client_ref": str(notification.public_id),
                "status": rng.choice(["delivered", "permanent_failure"]),
            }
        ).encode()
        signature = rng.choice(
            [
                f"sha256={rng.getrandbits(256):064x}",
                receipts.sign(body, "not-the-secret"),
                receipts.sign(other, SECRET),
                receipts.sign(body, SECRET)[:-1],
                receipts.sign(body, SECRET).upper(),
                "",
            ]
        )
        answer = post(body, signature=signature)
        attempts += 1
        errors_5xx += answer.status_code >= 500
        undetected += answer.status_code < 400
    kept = Receipt.objects.count()
    moved = Notification.objects.get(pk=notification.pk).status != "sending"
    undetected += kept + moved
    # Signed but malformed (the provider's own bugs): a clear 4xx or a result, never a 500.
    for i in range(200, 300):
        answer = post(hostile(rng, i, notification))
        attempts += 1
        errors_5xx += answer.status_code >= 500
    record(
        "SMS receipts: forged and malformed",
        attempts=attempts,
        errors_5xx=errors_5xx,
        undetected=undetected,
    )
    assert (kept, moved) == (0, False)
    assert errors_5xx == 0
    assert undetected == 0
