"""The exchange in the workspace: letters from other entities waiting in the inbox, sending
and answering through Wasl, following a delivery (try again, withdraw), the receipt and the
proof bundle — through the pages, as a person uses them.

The cast's entities are members of one node (`net`); `move()` runs the delivery task's pass,
as the worker does."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.exchange import conftest as exchange_fixtures
from tests.exchange.conftest import move, send
from tests.web.conftest import PDF_BYTES, signed_in
from wasl.audit.models import AuditRecord
from wasl.exchange.models import IncomingMessage, OutgoingMessage
from wasl.exchange.states import DeliveryState
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Transaction
from wasl.web import inbox

# The cast's entities as members of one node (a fixture of tests/exchange).
net = exchange_fixtures.net


def token_of(html: str, action: str = "") -> str:
    """The one-time token of the form posting to `action` (the first form when empty)."""
    at = html.index(action) if action else 0
    return re.search(r'name="form_token" value="([^"]+)"', html[at:]).group(1)  # type: ignore[union-attr]


def letter_form(client: Any, **fields: Any) -> dict[str, Any]:
    html = client.get("/letters/send/").content.decode()
    data = {
        "form_token": token_of(html),
        "to": "AMN-JED",
        "subject": "طلب إزالة التعديات على أرض مخطط الروضة",
        "body": "نأمل التكرم بالاطلاع واتخاذ اللازم.",
        "kind": "letter",
        "classification": "general",
        "urgency": "normal",
        "confidentiality": "normal",
    }
    data.update(fields)
    return data


def received_by_amanah(cast: Any) -> Transaction:
    send(cast)
    move()
    return IncomingMessage.objects.get().transaction  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# The inbox


def test_a_letter_from_another_entity_waits_counted_in_the_receiving_registry_unit(
    net: Any,
) -> None:
    letter = received_by_amanah(net)
    actor, unit = net.outsider.actor, net.amanah_registry.pk
    counts = inbox.counts(actor, unit, timezone.localdate())
    assert (counts["incoming"], counts["held"]) == (1, 0)
    client = signed_in(net.outsider)
    html = client.get("/").content.decode()
    assert re.search(
        r'box--incoming"[^>]*>\s*<span class="box__title">[^<]+</span>\s*'
        r'<span class="box__count">1<',
        html,
    )
    listed = client.get("/", {"box": "incoming"}).content.decode()
    assert letter.reference in listed
    assert letter.external_reference in listed  # the sender's reference
    assert letter.reference not in client.get("/", {"box": "held"}).content.decode()

    registry.close(actor, letter.public_id, reason="حُفظ للعلم")  # someone takes it
    counts = inbox.counts(actor, unit, timezone.localdate())
    assert (counts["incoming"], counts["held"]) == (0, 0)


def test_a_letter_waits_only_for_those_the_access_rule_lets_see_it(net: Any) -> None:
    received_by_amanah(net)
    today = timezone.localdate()
    assert inbox.counts(net.clerk.actor, net.amanah_registry.pk, today)["incoming"] == 0
    assert inbox.incoming_in(net.clerk.actor, net.amanah_registry.pk).count() == 0
    # The sender's own registry unit has no letter waiting from itself.
    assert inbox.counts(net.clerk.actor, net.registry.pk, today)["incoming"] == 0


def test_a_transaction_registered_by_hand_stays_back_with_the_unit(net: Any) -> None:
    from tests.conftest import make_transaction

    make_transaction(net, by=net.outsider, unit=net.amanah_registry)
    counts = inbox.counts(net.outsider.actor, net.amanah_registry.pk, timezone.localdate())
    assert (counts["incoming"], counts["held"]) == (0, 1)


# ---------------------------------------------------------------------------------------------
# Sending and following


def test_a_clerk_sends_a_letter_with_a_file_and_follows_it_to_delivery(net: Any) -> None:
    client = signed_in(net.clerk)
    data = letter_form(client)
    data["attachments"] = SimpleUploadedFile("كروكي.pdf", PDF_BYTES, "application/pdf")
    response = client.post("/letters/send/", data)
    assert response.status_code == 302
    (row,) = OutgoingMessage.objects.all()
    txn = row.transaction
    assert txn.direction == "outgoing" and txn.unit_id == net.registry.pk
    assert Attachment.objects.filter(transaction=txn, filename="كروكي.pdf").exists()
    page = client.get(response["Location"]).content.decode()
    assert "قيد الإرسال" in page  # being sent
    assert "/withdraw/" in page and "/retry/" in page

    move()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED
    page = client.get(response["Location"]).content.decode()
    assert row.their_reference and row.their_reference in page
    assert "/withdraw/" not in page
    receipt = client.get(f"/x/{row.message_id}/receipt/")
    assert receipt.status_code == 200
    assert "التوقيع صحيح" in receipt.content.decode()
    proof = client.get(f"/x/{row.message_id}/proof.json")
    assert proof["Content-Disposition"].startswith("attachment;")
    bundle = json.loads(proof.content)
    assert bundle["message"]["envelope"]["message_id"] == str(row.message_id)
    assert bundle["receipt"]["receipt"]["reference"] == row.their_reference


def test_the_send_form_acts_once_when_sent_twice(net: Any) -> None:
    client = signed_in(net.clerk)
    data = letter_form(client)
    first = client.post("/letters/send/", data)
    second = client.post("/letters/send/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert OutgoingMessage.objects.count() == 1


def test_a_refused_letter_shows_why_beside_the_field_in_arabic(net: Any) -> None:
    client = signed_in(net.clerk)
    response = client.post(
        "/letters/send/", letter_form(client, confidentiality="confidential", legal_basis="")
    )
    assert response.status_code == 400
    assert "اذكر السند النظامي" in response.content.decode()
    assert not Transaction.objects.filter(direction="outgoing").exists()


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_sent(net: Any) -> None:
    client = signed_in(net.clerk)
    data = letter_form(client)
    data["attachments"] = SimpleUploadedFile("تقرير.pdf", b"MZ\x90\x00not a pdf", "application/pdf")
    response = client.post("/letters/send/", data)
    assert response.status_code == 400
    assert not OutgoingMessage.objects.exists()


def test_a_delivery_not_yet_made_can_be_withdrawn_and_is_never_sent(net: Any) -> None:
    sent = send(net)
    client = signed_in(net.clerk)
    page = client.get(f"/t/{sent.transaction.public_id}/").content.decode()
    (row,) = sent.messages
    action = f"/x/{row.message_id}/withdraw/"
    response = client.post(action, {"form_token": token_of(page, action)})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == DeliveryState.WITHDRAWN
    assert move().delivered == 0
    assert not IncomingMessage.objects.exists()
    assert AuditRecord.objects.filter(action="exchange.message.withdrawn").count() == 1
    assert "مسحوبة" in client.get(f"/t/{sent.transaction.public_id}/").content.decode()


def test_a_failed_delivery_is_tried_again_from_the_page(net: Any) -> None:
    sent = send(net)
    (row,) = sent.messages
    OutgoingMessage.objects.filter(pk=row.pk).update(
        state=DeliveryState.FAILED, last_error_code="unknown_receiver"
    )
    client = signed_in(net.clerk)
    page = client.get(f"/t/{sent.transaction.public_id}/").content.decode()
    action = f"/x/{row.message_id}/retry/"
    client.post(action, {"form_token": token_of(page, action)})
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING
    move()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED
    assert AuditRecord.objects.filter(action="exchange.message.retried").count() == 1


def test_only_the_sending_unit_follows_up_and_strangers_see_nothing(net: Any) -> None:
    sent = send(net)
    (row,) = sent.messages
    # The rights clerk may see the Emirate's transactions? Not this one (not on its path).
    for person in (net.outsider, net.rights_clerk):
        client = signed_in(person)
        assert client.get(f"/x/{row.message_id}/receipt/").status_code == 404
        assert client.get(f"/x/{row.message_id}/proof.json").status_code == 404
        page = signed_in(net.clerk).get(f"/t/{sent.transaction.public_id}/").content.decode()
        action = f"/x/{row.message_id}/withdraw/"
        response = client.post(action, {"form_token": token_of(page, action)})
        assert response.status_code in (403, 404)
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING


def test_the_receiving_clerk_answers_through_wasl_and_the_sender_sees_the_answer(
    net: Any,
) -> None:
    letter = received_by_amanah(net)
    client = signed_in(net.outsider)
    page = client.get(f"/t/{letter.public_id}/").content.decode()
    origin = IncomingMessage.objects.get()
    assert origin.their_reference in page  # the sender's reference on the letter
    # The receipt it gave, and the proof, as the receiving entity holds them (one node holds
    # the message twice: the sender's outbox and this inbox).
    receipt = client.get(f"/x/{origin.message_id}/receipt/")
    assert receipt.status_code == 200 and "التوقيع صحيح" in receipt.content.decode()
    bundle = json.loads(client.get(f"/x/{origin.message_id}/proof.json").content)
    assert bundle["receipt"]["receipt"]["receiver"] == "EMK"
    html = client.get("/letters/send/", {"from": str(letter.public_id)}).content.decode()
    assert 'value="EMK" selected' in html
    data = {
        "form_token": token_of(html),
        "from": str(letter.public_id),
        "answers": str(letter.public_id),
        "to": "EMK",
        "subject": "إفادة بشأن التعديات",
        "body": "تمت إزالة التعديات.",
        "kind": "letter",
        "classification": "general",
        "urgency": "normal",
        "confidentiality": "normal",
    }
    assert client.post("/letters/send/", data).status_code == 302
    move()
    (ours,) = OutgoingMessage.objects.filter(sender__code="EMK", kind="letter")
    answer = IncomingMessage.objects.get(receiver__code="EMK", kind="letter").transaction
    assert answer is not None
    page = signed_in(net.clerk).get(f"/t/{ours.transaction.public_id}/").content.decode()
    assert answer.reference in page  # "answered by" on the letter sent
    # Answered through Wasl, the letter no longer waits to be taken at the Amanah: it is back
    # with the unit to close, beside the answer sent (registered, outgoing). The answer waits
    # in the Emirate's registry unit.
    today = timezone.localdate()
    amanah = inbox.counts(net.outsider.actor, net.amanah_registry.pk, today)
    assert (amanah["incoming"], amanah["held"]) == (0, 2)
    assert inbox.counts(net.clerk.actor, net.registry.pk, today)["incoming"] == 1


# ---------------------------------------------------------------------------------------------
# Answers with their documents


def test_the_answering_unit_attaches_its_reply_on_answer(cast: Any) -> None:
    from tests.conftest import make_referred

    txn, ref = make_referred(cast)
    client = signed_in(cast.rights_clerk)
    page = client.get(f"/t/{txn.public_id}/").content.decode()
    action = f"/r/{ref.public_id}/answer/"
    response = client.post(
        action,
        {
            "form_token": token_of(page, action),
            "text": "نفيدكم بما ورد في الخطاب المرفق.",
            "attachments": SimpleUploadedFile("الرد.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert response.status_code == 302
    ref.refresh_from_db()
    assert ref.state == "answered"
    (made,) = Attachment.objects.filter(transaction=txn)
    assert made.filename == "الرد.pdf" and made.uploaded_by_id == cast.rights_clerk.user.pk


def test_a_reply_file_of_the_wrong_type_leaves_the_referral_open(cast: Any) -> None:
    from tests.conftest import make_referred

    txn, ref = make_referred(cast)
    client = signed_in(cast.rights_clerk)
    page = client.get(f"/t/{txn.public_id}/").content.decode()
    action = f"/r/{ref.public_id}/answer/"
    response = client.post(
        action,
        {
            "form_token": token_of(page, action),
            "text": "مرفق الرد.",
            "attachments": SimpleUploadedFile("الرد.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert response.status_code == 400
    ref.refresh_from_db()
    assert ref.state == "pending"
    assert not Attachment.objects.filter(transaction=txn).exists()


def test_a_person_outside_the_answering_unit_uploads_nothing(cast: Any) -> None:
    from tests.conftest import make_referred

    txn, ref = make_referred(cast)
    page = signed_in(cast.rights_clerk).get(f"/t/{txn.public_id}/").content.decode()
    action = f"/r/{ref.public_id}/answer/"
    response = signed_in(cast.security_clerk).post(
        action,
        {
            "form_token": token_of(page, action),
            "text": "x",
            "attachments": SimpleUploadedFile("a.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert response.status_code in (403, 404)
    assert not Attachment.objects.filter(transaction=txn).exists()


# ---------------------------------------------------------------------------------------------
# The unit's letters through Wasl


def test_the_unit_lists_its_deliveries_by_state_in_a_fixed_number_of_queries(
    net: Any, django_assert_max_num_queries: Any
) -> None:
    first = send(net, cc=["GOV-JED"])
    move()
    second = send(net, subject="طلب بيان بالمخالفات المرصودة")
    OutgoingMessage.objects.filter(pk=second.messages[0].pk).update(state=DeliveryState.FAILED)
    client = signed_in(net.clerk)
    client.get("/letters/")
    with django_assert_max_num_queries(6):
        html = client.get("/letters/").content.decode()
    assert html.count('class="ref"') == 3
    failed = client.get("/letters/", {"state": "failed"}).content.decode()
    assert second.transaction.reference in failed
    assert first.transaction.reference not in failed
    for _ in range(3):
        send(net)
    with django_assert_max_num_queries(6):
        more = client.get("/letters/").content.decode()
    assert more.count('class="ref"') == 6
    # Another unit's clerk, and the receiving entity's, see none of the Emirate's registry.
    assert 'class="ref"' not in signed_in(net.outsider).get("/letters/").content.decode()


def test_return_and_close_carry_their_documents_too(cast: Any) -> None:
    from tests.conftest import make_referred

    txn, ref = make_referred(cast)
    client = signed_in(cast.rights_clerk)
    page = client.get(f"/t/{txn.public_id}/").content.decode()
    action = f"/r/{ref.public_id}/return/"
    client.post(
        action,
        {
            "form_token": token_of(page, action),
            "reason": "ليست من اختصاص الإدارة، والمرفق يبين الجهة المختصة.",
            "attachments": SimpleUploadedFile("بيان.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    ref.refresh_from_db()
    assert ref.state == "returned"
    clerk = signed_in(cast.clerk)
    page = clerk.get(f"/t/{txn.public_id}/").content.decode()
    action = f"/t/{txn.public_id}/close/"
    clerk.post(
        action,
        {
            "form_token": token_of(page, action),
            "reason": "حُفظت مع خطاب الحفظ.",
            "attachments": SimpleUploadedFile("الحفظ.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    txn.refresh_from_db()
    assert txn.state == "closed"
    names = set(Attachment.objects.filter(transaction=txn).values_list("filename", flat=True))
    assert names == {"بيان.pdf", "الحفظ.pdf"}
