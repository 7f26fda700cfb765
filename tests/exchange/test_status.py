"""Later steps on the receiver's side flow back to the sender as status messages on the same
channel: written in the step's own transaction, applied in order, never out of it."""

from __future__ import annotations

import pytest
from django.db import transaction as db
from django.utils import timezone

from wasl.exchange import envelope, keys, services
from wasl.exchange.models import Kind, OutgoingMessage
from wasl.registry import services as registry
from wasl.registry.models import Transaction

from .conftest import move, post_envelope, send


def delivered_letter(net):
    sent = send(net)
    move()
    theirs = Transaction.objects.get(entity__code="AMN-JED", direction="incoming")
    return sent, theirs


def letter_row(sent):
    return OutgoingMessage.objects.get(transaction=sent.transaction, kind=Kind.LETTER)


def amanah_unit(net):
    from wasl.directory import services as directory

    unit, _ = directory.ensure_unit(
        entity=net.amanah, code="LANDS", name_ar="إدارة الأراضي", name_en="Lands"
    )
    return unit


def test_answered_and_closed_on_the_receivers_side_come_back_to_the_sender(net, api):
    sent, theirs = delivered_letter(net)
    lands = amanah_unit(net)
    from wasl.directory import services as directory

    directory.grant(net.outsider.user, lands, "clerk")
    (ref,) = registry.refer(
        net.outsider.actor, theirs.public_id, to_units=[lands], instruction="للإفادة"
    )
    statuses = OutgoingMessage.objects.filter(kind=Kind.STATUS)
    assert not statuses.exists()  # referring is internal to the Amanah
    registry.answer(net.outsider.actor, ref.public_id, text="أزيلت التعديات.")
    (status,) = statuses
    body = envelope.parse_envelope(status.envelope).body
    assert (body["sender"], body["receiver"]) == ("AMN-JED", "EMK")
    assert body["status"]["state"] == "answered" and body["status"]["seq"] == 1
    assert "أزيلت" not in status.envelope  # the internal answer stays inside the Amanah
    move()
    row = letter_row(sent)
    assert (row.their_state, row.their_status_seq) == ("answered", 1)

    registry.close(net.outsider.actor, theirs.public_id, reason="انتهى الموضوع")
    move()
    row = letter_row(sent)
    assert (row.their_state, row.their_status_seq) == ("closed", 2)
    item = api(net.clerk).get(f"/exchange/transactions/{sent.transaction.public_id}").json()
    assert item["deliveries"][0]["their_state_ar"] == "محفوظة"
    assert "حالتها لديهم: محفوظة" in item["deliveries"][0]["line_ar"]


def test_the_status_is_written_in_the_steps_transaction_and_rolls_back_with_it(net):
    _, theirs = delivered_letter(net)
    statuses = OutgoingMessage.objects.filter(kind=Kind.STATUS)
    with pytest.raises(RuntimeError), db.atomic():
        registry.close(net.outsider.actor, theirs.public_id, reason="انتهى الموضوع")
        assert statuses.count() == 1  # in the outbox inside the step's transaction
        raise RuntimeError("the transaction fails after the step")
    assert not statuses.exists()
    theirs.refresh_from_db()
    assert theirs.state == "registered"


def test_a_failing_status_never_undoes_the_receivers_step(net, monkeypatch):
    _, theirs = delivered_letter(net)

    def broken(*args, **kwargs):
        raise keys.KeyUnavailable("AMN-JED")

    monkeypatch.setattr(services.keys, "signer_for", broken)
    registry.close(net.outsider.actor, theirs.public_id, reason="انتهى")
    theirs.refresh_from_db()
    assert theirs.state == "closed"
    assert not OutgoingMessage.objects.filter(kind=Kind.STATUS).exists()


def status_from_amanah(row, seq, state):
    """A status message signed by the Amanah's real key, as its node would write it."""
    from wasl.exchange.models import Member

    member = Member.objects.get(code="AMN-JED")
    signer = keys.signer_for(member.pk, member.code)
    import uuid

    body = {
        "v": 1,
        "type": "status",
        "message_id": str(uuid.uuid4()),
        "created_at": envelope.timestamp(timezone.now()),
        "sender": "AMN-JED",
        "receiver": "EMK",
        "status": {
            "of_message": str(row.message_id),
            "seq": seq,
            "state": state,
            "at": envelope.timestamp(timezone.now()),
            "reference": "AMN-JED-1448-000001",
        },
    }
    return signer.sign("envelope", body).text


def test_statuses_that_arrive_out_of_order_are_refused_until_the_earlier_one_came(net):
    sent, _ = delivered_letter(net)
    row = letter_row(sent)
    second = status_from_amanah(row, 2, "closed")
    r = post_envelope(second)
    assert r.status_code == 409
    assert r.json()["code"] == "out_of_order" and r.json()["retryable"] is True
    assert letter_row(sent).their_state == ""
    assert post_envelope(status_from_amanah(row, 1, "answered")).status_code == 200
    assert post_envelope(second).status_code == 200  # the sender's retry
    assert letter_row(sent).their_state == "closed"
    # A different message claiming an old place in the order is refused for good.
    r = post_envelope(status_from_amanah(row, 1, "reopened"))
    assert r.status_code == 409 and r.json()["code"] == "stale_status"
    assert letter_row(sent).their_state == "closed"


def test_a_status_about_a_message_we_never_sent_is_refused(net):
    sent, _ = delivered_letter(net)
    row = letter_row(sent)
    row.message_id = "00000000-0000-4000-8000-000000000000"
    r = post_envelope(status_from_amanah(row, 1, "answered"))
    assert r.status_code == 404 and r.json()["code"] == "unknown_message"


def test_a_letter_registered_by_hand_sends_no_status(net):
    txn = registry.register_transaction(
        net.outsider.actor,
        unit=net.amanah_registry,
        direction="incoming",
        kind="letter",
        subject="خطاب ورقي من الإمارة",
        correspondent_code="EMK",
    )
    registry.close(net.outsider.actor, txn.public_id, reason="انتهى")
    assert not OutgoingMessage.objects.exists()
