"""A letter sent about a transaction (issue 17, item 2: "letter received by another entity"):
linked to it when sent; as each receiver's receipt comes home, the transaction's timeline says
which entity received it and its visitor is told — once per receipt, never for a confidential
matter, and without anything of the letter a reader of the transaction may not see."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, make_transaction
from tests.notifications.conftest import PHONE, make_visitor_transaction
from wasl.audit.models import AuditRecord
from wasl.core.errors import InvalidInput, NotFound
from wasl.exchange.models import OutgoingMessage
from wasl.notifications.models import Notification
from wasl.registry.models import Event, Link, Transaction

from .conftest import move, send


def delivered_events(txn: Transaction) -> list[Event]:
    return list(Event.objects.filter(transaction=txn, action="letter_delivered").order_by("id"))


def told(txn: Transaction) -> list[Notification]:
    return list(Notification.objects.filter(transaction=txn, step="letter_received").order_by("id"))


def test_each_receipt_is_told_on_the_matter_and_to_its_visitor_once(net: Cast) -> None:
    matter = make_visitor_transaction(net)
    sent = send(net, cc=["GOV-JED"], concerning=matter.public_id)
    assert Link.objects.filter(source=sent.transaction, target=matter, kind="related").exists()
    assert delivered_events(matter) == [] and told(matter) == []  # not yet received
    move()
    assert set(OutgoingMessage.objects.values_list("state", flat=True)) == {"delivered"}
    events = delivered_events(matter)
    assert sorted(e.data["to"] for e in events) == ["AMN-JED", "GOV-JED"]
    for event in events:
        # the receiver only: not the letter's reference nor the receiver's number
        assert set(event.data) == {"to", "to_ar", "to_en"}
        assert sent.transaction.reference not in str(event.data) + event.note
    assert (
        AuditRecord.objects.filter(
            action="registry.transaction.letter_delivered", object_id=str(matter.public_id)
        ).count()
        == 2
    )
    messages = told(matter)
    assert [n.to for n in messages] == [PHONE, PHONE]
    assert all(matter.reference in n.body for n in messages)
    assert any("أمانة محافظة جدة" in n.body for n in messages)
    move()  # nothing more to deliver, nothing told twice
    assert len(delivered_events(matter)) == 2 and len(told(matter)) == 2


def test_a_confidential_matter_is_noted_but_its_visitor_is_not_told(net: Cast) -> None:
    matter = make_visitor_transaction(net, confidentiality="confidential")
    send(net, concerning=matter.public_id)
    move()
    assert len(delivered_events(matter)) == 1
    assert told(matter) == []


def test_a_letter_about_nothing_tells_nobody(net: Cast) -> None:
    matter = make_visitor_transaction(net)
    send(net)  # about no transaction
    move()
    assert Event.objects.filter(action="letter_delivered").count() == 0
    assert told(matter) == []


@pytest.mark.parametrize("which", ["outgoing", "hidden", "unknown"])
def test_a_letter_is_about_a_transaction_of_ones_own_entity_one_can_see(
    net: Cast, which: str
) -> None:
    if which == "outgoing":
        about: Any = send(net).transaction.public_id
        error: type[Exception] = InvalidInput
    elif which == "hidden":
        about = make_transaction(net, by=net.outsider, unit=net.amanah_registry).public_id
        error = NotFound
    else:
        about = "00000000-0000-4000-8000-000000000000"
        error = NotFound
    before = (OutgoingMessage.objects.count(), Transaction.objects.count())
    with pytest.raises(error):
        send(net, concerning=about)
    assert (OutgoingMessage.objects.count(), Transaction.objects.count()) == before


def test_the_api_sends_a_letter_about_a_transaction(net: Cast, api: Any) -> None:
    matter = make_visitor_transaction(net)
    r = api(net.clerk).post(
        "/exchange/letters",
        {
            "unit": str(net.registry.public_id),
            "to": ["AMN-JED"],
            "subject": "بشأن معروض المواطن",
            "concerning": str(matter.public_id),
        },
    )
    assert r.status_code == 201, r.content
    move()
    assert [e.data["to"] for e in delivered_events(matter)] == ["AMN-JED"]
    bad = api(net.clerk).post(
        "/exchange/letters",
        {
            "unit": str(net.registry.public_id),
            "to": ["AMN-JED"],
            "subject": "بشأن معروض",
            "concerning": r.json()["transaction"]["id"],  # the outgoing letter itself
        },
    )
    assert bad.status_code == 400 and bad.json()["code"] == "concerning_not_allowed"


def test_the_matters_page_names_the_receiver_in_the_readers_language(net: Cast) -> None:
    from tests.web.conftest import signed_in

    matter = make_visitor_transaction(net)
    send(net, concerning=matter.public_id)
    move()
    clerk = signed_in(net.clerk)
    arabic = clerk.get(f"/t/{matter.public_id}/").content.decode()
    assert "تسلّمت جهة أخرى خطابًا بشأنها" in arabic and "أمانة محافظة جدة" in arabic
    clerk.cookies["django_language"] = "en"
    english = clerk.get(f"/t/{matter.public_id}/").content.decode()
    assert "A letter about it was received by another entity" in english
    assert "Jeddah" in english and "أمانة محافظة جدة" not in english
