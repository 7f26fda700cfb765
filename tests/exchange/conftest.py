"""The exchange's fixtures: the cast's three entities as Wasl members of one node, and
helpers to send letters and let the outbox move (in-process, as the worker's task would).
The tests run in a transaction that never commits: the delivery task a sending enqueues on
commit does not run unless a test runs it (`move`, or `django_capture_on_commit_callbacks`)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from wasl.exchange import delivery, members, ratelimit, services
from wasl.exchange.models import OutgoingMessage

from ..conftest import Cast


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    ratelimit.reset()


@pytest.fixture
def net(cast: Cast) -> Cast:
    """EMK, GOV-JED and AMN-JED are members hosted on this node (NODE-T)."""
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed, cast.amanah):
        members.join(entity)
    return cast


def send(cast: Cast, **overrides: Any) -> services.SentLetter:
    fields: dict[str, Any] = {
        "unit": cast.registry,
        "to": ["AMN-JED"],
        "subject": "طلب إزالة التعديات على أرض مخطط الروضة",
        "body": "نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات الموضحة في المعروض المرفق.",
    }
    fields.update(overrides)
    return services.send_letter(cast.clerk.actor, **fields)


def move() -> delivery.Counts:
    """Deliver everything due, as one pass of the delivery task."""
    return delivery.deliver_due()


def outbox() -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.order_by("id"))


# ---------------------------------------------------------------------------------------------
# A member of another node whose private key the test holds: it crafts envelopes of every
# kind, good and bad, and posts them to this node's /exchange/v1/ endpoints.


class Foreign:
    def __init__(self, code: str, node_code: str = "NODE-X") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from django.utils import timezone

        from wasl.exchange import envelope
        from wasl.exchange.models import Member, MemberKey

        self.code = code
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = envelope.key_id_for(raw)
        # Through the directory import, as another node's members come in (and audited so).
        members.import_descriptor(
            {
                "format": members.DESCRIPTOR_FORMAT,
                "node": {"code": node_code, "url": "http://127.0.0.1:9"},
                "members": [
                    {
                        "entity": code,
                        "kind": "police",
                        "name_ar": "شرطة منطقة مكة المكرمة",
                        "name_en": "Makkah Police",
                        "keys": [
                            {
                                "key_id": self.key_id,
                                "algorithm": "Ed25519",
                                "public_key": envelope.b64encode(raw),
                                "valid_from": envelope.timestamp(
                                    timezone.now() - timedelta(days=1)
                                ),
                            }
                        ],
                    }
                ],
            }
        )
        self.member = Member.objects.get(code=code)
        self.key = MemberKey.objects.get(key_id=self.key_id)

    def letter(self, to: str = "AMN-JED", **overrides: Any) -> dict[str, Any]:
        from django.utils import timezone

        from wasl.exchange import envelope

        letter = {
            "reference": "POL-MKK-1448-000077",
            "date": timezone.localdate().isoformat(),
            "kind": "letter",
            "subject": "إفادة بشأن بلاغ التعدي على أرض حكومية",
            "body": "نفيدكم بأنه تم الوقوف على الموقع وتحرير محضر بالتعديات.",
            "classification": "security",
            "urgency": "urgent",
            "restriction": {"level": "normal", "legal_basis": "", "until": None},
            "reply_due": None,
            "answers": None,
            "to": [to],
            "cc": [],
            "role": "to",
            "attachments": [],
        }
        letter.update(overrides.pop("letter", {}))
        body = {
            "v": 1,
            "type": "letter",
            "message_id": str(uuid.uuid4()),
            "created_at": envelope.timestamp(timezone.now()),
            "sender": self.code,
            "receiver": to,
            "letter": letter,
        }
        body.update(overrides)
        return body

    def sign(self, body: dict[str, Any], private: Any = None, key_id: str | None = None) -> str:
        from wasl.exchange import envelope

        return envelope.sign(private or self.private, key_id or self.key_id, "envelope", body).text


def post_envelope(text: str | bytes) -> Any:
    from django.test import Client

    data = text.encode("utf-8") if isinstance(text, str) else text
    return Client().post("/exchange/v1/envelopes", data, content_type="application/json")


@pytest.fixture
def foreign(net: Cast) -> Foreign:
    return Foreign("POL-MKK")
