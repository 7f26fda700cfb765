"""Asking the visitor for a document (issue 17, item 2: "document needed"): a step of the
owning unit, on the timeline and in the audit log, that tells the visitor by SMS and e-mail
what is needed — a mandatory message. "My matters" shows it too: tests/portal/test_matters.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, make_transaction
from tests.web.conftest import post_step, signed_in
from wasl.audit.models import AuditRecord
from wasl.core.errors import Forbidden, InvalidInput, InvalidTransition
from wasl.notifications import services
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import PHONE, make_visitor_transaction

DEED = "صورة صك الملكية مصدقة"


def sent(txn: Any) -> list[Notification]:
    return list(Notification.objects.filter(transaction_id=txn.pk).order_by("id"))


def test_asking_records_the_step_and_tells_the_visitor_what_is_needed(cast: Cast) -> None:
    txn = make_visitor_transaction(cast)
    services.set_contact(
        cast.clerk.actor,
        txn.public_id,
        phone="0501234567",
        language="ar",
        sms=True,
        optional=False,  # no optional messages: this one still goes
        email="visitor@example.com",
    )
    event = registry.request_document(cast.clerk.actor, txn.public_id, document=DEED)
    assert (event.action, event.note) == ("document_requested", DEED)
    audit = AuditRecord.objects.get(action="registry.transaction.document_requested")
    assert audit.object_id == str(txn.public_id) and audit.data["note"] == DEED
    asked = [n for n in sent(txn) if n.step == "document_needed"]
    assert sorted(n.channel for n in asked) == ["email", "sms"]
    sms = next(n for n in asked if n.channel == "sms")
    email = next(n for n in asked if n.channel == "email")
    assert sms.to == PHONE and sms.mandatory and DEED in sms.body and txn.reference in sms.body
    assert email.to == "visitor@example.com" and DEED in email.body
    assert email.subject == f"{txn.reference} — مطلوب مستند لمعاملتكم"


def test_the_visitor_reads_it_in_their_language(cast: Cast) -> None:
    txn = make_visitor_transaction(cast)
    services.set_contact(
        cast.clerk.actor, txn.public_id, phone="0501234567", language="en", sms=True, optional=True
    )
    registry.request_document(cast.clerk.actor, txn.public_id, document="a copy of the deed")
    (n,) = [n for n in sent(txn) if n.step == "document_needed"]
    assert n.language == "en"
    assert n.body.startswith("Wasl: ") and "a copy of the deed" in n.body


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("   ", "text_required"),
        ("x" * 201, "text_too_long"),
        ("صك\u202eمقلوب", "text_bidi_override"),
        ("سطر\nآخر", "text_control_chars"),
    ],
)
def test_bad_words_are_refused_and_nothing_is_written(cast: Cast, document: str, code: str) -> None:
    txn = make_visitor_transaction(cast)
    before = (Event.objects.count(), Notification.objects.count(), AuditRecord.objects.count())
    with pytest.raises(InvalidInput) as refused:
        registry.request_document(cast.clerk.actor, txn.public_id, document=document)
    assert refused.value.code == code and refused.value.field == "document"
    after = (Event.objects.count(), Notification.objects.count(), AuditRecord.objects.count())
    assert after == before


def test_only_the_owning_unit_asks_only_a_visitor_only_while_active(cast: Cast) -> None:
    txn = make_visitor_transaction(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    with pytest.raises(Forbidden):  # sees it (referred to it), does not own it
        registry.request_document(cast.rights_clerk.actor, txn.public_id, document=DEED)
    government = make_transaction(cast, party=registry.Party(), correspondent_code="GOV-JED")
    with pytest.raises(InvalidInput) as refused:
        registry.request_document(cast.clerk.actor, government.public_id, document=DEED)
    assert refused.value.code == "no_visitor"
    registry.cancel(cast.head.actor, txn.public_id, reason="سجلت بالخطأ")
    with pytest.raises(InvalidTransition):
        registry.request_document(cast.clerk.actor, txn.public_id, document=DEED)
    assert not Event.objects.filter(action="document_requested").exists()


def test_the_api_offers_and_takes_the_step(cast: Cast, api: Any) -> None:
    txn = make_visitor_transaction(cast)
    clerk = api(cast.clerk)
    detail = clerk.get(f"/transactions/{txn.public_id}").json()
    assert "request_document" in detail["allowed_steps"]
    r = clerk.post(f"/transactions/{txn.public_id}/document-requests", {"document": DEED})
    assert r.status_code == 201, r.content
    assert r.json()["event"] == {**r.json()["event"], "action": "document_requested", "note": DEED}
    bad = clerk.post(f"/transactions/{txn.public_id}/document-requests", {"document": ""})
    assert bad.status_code == 400 and bad.json()["code"] == "text_required"
    other = api(cast.rights_clerk).post(
        f"/transactions/{txn.public_id}/document-requests", {"document": DEED}
    )
    assert other.status_code in (403, 404)
    assert Event.objects.filter(action="document_requested").count() == 1


def test_the_staff_page_asks_and_the_timeline_shows_it(cast: Cast) -> None:
    txn = make_visitor_transaction(cast)
    clerk = signed_in(cast.clerk)
    page = clerk.get(f"/t/{txn.public_id}/").content.decode()
    assert f"/t/{txn.public_id}/request_document/" in page
    r = post_step(clerk, f"/t/{txn.public_id}/request_document/", {"document": DEED})
    assert r.status_code == 302
    page = clerk.get(f"/t/{txn.public_id}/").content.decode()
    assert DEED in page and "طُلب من صاحب المعاملة مستند" in page
    # a matter of another government entity offers no such step
    government = make_transaction(cast, party=registry.Party(), correspondent_code="GOV-JED")
    page = clerk.get(f"/t/{government.public_id}/").content.decode()
    assert "request_document" not in page
    refused = post_step(clerk, f"/t/{txn.public_id}/request_document/", {"document": ""})
    assert refused.status_code == 400
    assert Event.objects.filter(action="document_requested").count() == 1


def test_an_administrators_text_must_carry_what_is_asked(cast: Cast) -> None:
    from wasl.notifications.services import check_template

    entity = cast.emk
    with pytest.raises(InvalidInput) as refused:
        check_template(entity, "document_needed", "sms", "ar", "معاملتكم {reference} تحتاج مستندا")
    assert refused.value.code == "placeholder_required"
    check_template(entity, "document_needed", "sms", "ar", "{reference}: نحتاج {document}")
    with pytest.raises(InvalidInput) as other:
        check_template(entity, "closed", "sms", "ar", "أغلقت {reference} {document}")
    assert other.value.code == "unknown_placeholder"
