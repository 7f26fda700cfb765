"""Receiving: the letter is registered in the receiver's registry unit under its own number,
linked to the sender's; a signed receipt comes back; the sender's transaction shows
"delivered to X at T, their reference N"."""

from __future__ import annotations

import hashlib

from wasl.exchange import delivery, envelope, services
from wasl.exchange.models import IncomingMessage, LogEntry, Member
from wasl.registry import services as registry
from wasl.registry.attachments import blob_path
from wasl.registry.models import Attachment, Transaction

from .conftest import move, outbox, send


def incoming_of(code):
    return Transaction.objects.get(entity__code=code, direction="incoming")


def test_the_receiver_registers_the_letter_in_its_registry_unit_under_its_own_number(net):
    sent = send(net, cc=["GOV-JED"], urgency="very_urgent", classification="municipal")
    assert move().delivered == 2
    for code, unit in (("AMN-JED", net.amanah_registry), ("GOV-JED", net.jed_office)):
        txn = incoming_of(code)
        assert txn.unit_id == unit.pk
        assert txn.reference.startswith(f"{code}-")
        assert txn.external_reference == sent.transaction.reference
        assert txn.external_date == sent.transaction.registered_on
        assert txn.correspondent.code == "EMK"
        assert (txn.subject, txn.body) == (sent.transaction.subject, sent.transaction.body)
        assert (txn.urgency, txn.classification) == ("very_urgent", "municipal")
        assert txn.registered_by.username == "wasl-exchange"
    # The receiving clerk finds it in their registry; the sender's clerk does not see it.
    assert incoming_of("AMN-JED") in registry_owned(net.outsider)


def registry_owned(person):
    from wasl.registry.queries import owned_transactions

    return list(owned_transactions(person.actor))


def test_the_sender_sees_delivered_to_x_at_t_their_reference_n(net, api):
    sent = send(net)
    move()
    their = incoming_of("AMN-JED")
    r = api(net.clerk).get(f"/exchange/transactions/{sent.transaction.public_id}")
    assert r.status_code == 200, r.content
    (delivery_,) = r.json()["deliveries"]
    assert delivery_["state"] == "delivered"
    assert delivery_["their_reference"] == their.reference
    assert delivery_["receiver"]["code"] == "AMN-JED"
    assert delivery_["delivered_at"]["display_ar"]
    assert delivery_["line_ar"].startswith("سُلّمت إلى أمانة محافظة جدة في ")
    assert delivery_["line_ar"].endswith(f"ورقمها لديهم {their.reference}")
    assert delivery_["line_en"].endswith(f"their reference {their.reference}")
    # The receiver's side shows where the letter came from.
    r = api(net.outsider).get(f"/exchange/transactions/{their.public_id}")
    origin = r.json()["origin"]
    assert origin["sender"]["code"] == "EMK"
    assert origin["their_reference"] == sent.transaction.reference


def test_reading_the_exchange_of_a_transaction_takes_a_fixed_number_of_queries(
    net, api, django_assert_max_num_queries
):
    sent = send(net, cc=["GOV-JED"])
    move()
    client = api(net.clerk)
    with django_assert_max_num_queries(12):
        r = client.get(f"/exchange/transactions/{sent.transaction.public_id}")
    assert len(r.json()["deliveries"]) == 2


def test_a_person_who_cannot_see_the_transaction_gets_404_for_its_exchange(net, api):
    sent = send(net)
    r = api(net.outsider).get(f"/exchange/transactions/{sent.transaction.public_id}")
    assert r.status_code == 404
    assert r.json()["code"] == "transaction_not_found"


def test_the_receipt_is_signed_by_the_receiver_and_names_the_envelope_it_acknowledges(net):
    send(net)
    move()
    (row,) = outbox()
    receipt = envelope.parse_receipt(row.receipt)
    assert receipt.body["message_id"] == str(row.message_id)
    assert receipt.body["envelope_sha256"] == row.envelope_sha256
    assert receipt.body["sender"] == "AMN-JED" and receipt.body["receiver"] == "EMK"
    assert receipt.body["reference"] == incoming_of("AMN-JED").reference
    key = Member.objects.get(code="AMN-JED").keys.get()
    assert receipt.verifies_with(envelope.b64decode(key.public_key, "k", 32))
    # Both sides logged the envelope and the receipt.
    assert LogEntry.objects.filter(chain="AMN-JED", what="envelope", direction="in").count() == 1
    assert LogEntry.objects.filter(chain="AMN-JED", what="receipt", direction="out").count() == 1
    assert LogEntry.objects.filter(chain="EMK", what="receipt", direction="in").count() == 1


def test_the_restriction_and_the_reply_due_date_reach_the_receiver(net):
    from datetime import date

    send(
        net,
        reply_due=date(2070, 1, 10),
        restriction=services.Restriction("top_secret", "قرار مجلس الوزراء رقم 584", None),
    )
    move()
    txn = incoming_of("AMN-JED")
    assert txn.confidentiality == "top_secret"
    assert txn.due_date == date(2070, 1, 10)
    item = IncomingMessage.objects.get()
    letter = envelope.loads(item.envelope)["envelope"]["letter"]
    assert letter["restriction"]["legal_basis"] == "قرار مجلس الوزراء رقم 584"
    # A top-secret letter is not visible to the receiving registry's clerk, only its head
    # (and the system account that registered it).
    assert txn not in registry_owned(net.outsider)


def test_attachments_travel_by_hash_and_are_attached_on_the_receiving_side(net):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    send(net, files=[services.NewFile("مخطط.png", [png], "image/png")])
    move()
    (att,) = Attachment.objects.filter(transaction=incoming_of("AMN-JED"))
    assert att.sha256 == hashlib.sha256(png).hexdigest()
    assert att.filename == "مخطط.png"
    assert blob_path(att.sha256).read_bytes() == png


def test_a_letter_whose_attachment_file_is_missing_waits_and_is_not_registered(net):
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
    send(net, files=[services.NewFile("مخطط.png", [png], "image/png")])
    blob_path(hashlib.sha256(png).hexdigest()).unlink()
    counts = move()
    assert counts.retrying == 1
    (row,) = outbox()
    assert (row.state, row.last_error_code) == ("pending", "attachments_missing")
    assert not Transaction.objects.filter(direction="incoming").exists()


def test_the_sending_enqueues_its_delivery_when_it_commits(net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(net)
    assert len(callbacks) == 1  # the delivery task, run inline by the tests' backend
    (row,) = outbox()
    assert row.state == "delivered"
    assert incoming_of("AMN-JED")


def test_an_answer_letter_comes_back_as_an_incoming_transaction_linked_to_the_original(net, api):
    original = send(net)
    move()
    theirs = incoming_of("AMN-JED")
    r = api(net.outsider).post(
        "/exchange/letters",
        {
            "unit": str(net.amanah_registry.public_id),
            "subject": "الرد على خطابكم بشأن التعديات",
            "body": "تمت إزالة التعديات وتحرير محضر بذلك.",
            "answers": str(theirs.public_id),
        },
    )
    assert r.status_code == 201, r.content
    answer_out = Transaction.objects.get(public_id=r.json()["transaction"]["id"])
    assert answer_out.correspondent.code == "EMK"  # the answer goes back to the sender
    move()
    back = Transaction.objects.get(entity__code="EMK", direction="incoming")
    assert back.external_reference == answer_out.reference
    # Linked to the original on both sides.
    assert back.links_out.get().target_id == original.transaction.pk
    assert answer_out.links_out.get().target_id == theirs.pk
    (item,) = (
        api(net.clerk)
        .get(f"/exchange/transactions/{original.transaction.public_id}")
        .json()["deliveries"]
    )
    (answer,) = item["answered_by"]
    assert answer["their_reference"] == answer_out.reference
    assert answer["transaction"]["reference"] == back.reference


def test_only_a_letter_that_came_through_wasl_can_be_answered_through_it(net, api):
    txn = registry.register_transaction(
        net.outsider.actor,
        unit=net.amanah_registry,
        direction="incoming",
        kind="letter",
        subject="خطاب ورقي",
        correspondent_code="EMK",
    )
    r = api(net.outsider).post(
        "/exchange/letters",
        {
            "unit": str(net.amanah_registry.public_id),
            "subject": "رد",
            "answers": str(txn.public_id),
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] == "not_an_exchange_letter"


def test_the_delivery_task_delivers_the_outbox_and_a_second_run_does_nothing(net):
    from wasl.exchange import tasks

    send(net, cc=["GOV-JED"])
    first = tasks.deliver_outbox.enqueue()
    assert first.return_value == {"delivered": 2, "retrying": 0, "failed": 0}
    assert {r.state for r in outbox()} == {"delivered"}
    assert delivery.next_due_in() is None
    again = tasks.deliver_outbox.enqueue()
    assert again.return_value == {"delivered": 0, "retrying": 0, "failed": 0}
    assert incoming_of("AMN-JED")  # one, not two (`get`)
