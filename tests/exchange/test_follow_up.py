"""Following a letter sent, through the API: trying a delivery again, withdrawing it — the
same services as the pages (tests/web/test_exchange_pages.py)."""

from __future__ import annotations

from typing import Any

from wasl.audit.models import AuditRecord
from wasl.exchange.models import IncomingMessage, OutgoingMessage
from wasl.exchange.states import DeliveryState

from .conftest import move, send


def test_the_sending_unit_withdraws_a_delivery_not_yet_made(net: Any, api: Any) -> None:
    (row,) = send(net).messages
    r = api(net.clerk).post(f"/exchange/messages/{row.message_id}/withdraw")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "withdrawn"
    assert move().claimed == 0
    assert not IncomingMessage.objects.exists()
    record = AuditRecord.objects.get(action="exchange.message.withdrawn")
    assert record.data["state"] == ["pending", "withdrawn"]
    # Once withdrawn (or delivered), neither again.
    again = api(net.clerk).post(f"/exchange/messages/{row.message_id}/withdraw")
    assert again.status_code == 409 and again.json()["code"] == "not_withdrawable"
    retry = api(net.clerk).post(f"/exchange/messages/{row.message_id}/retry")
    assert retry.status_code == 409 and retry.json()["code"] == "not_retryable"


def test_a_failed_delivery_is_tried_again_and_delivered(net: Any, api: Any) -> None:
    (row,) = send(net).messages
    OutgoingMessage.objects.filter(pk=row.pk).update(state=DeliveryState.FAILED)
    r = api(net.clerk).post(f"/exchange/messages/{row.message_id}/retry")
    assert r.status_code == 200 and r.json()["state"] == "pending"
    move()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED
    record = AuditRecord.objects.get(action="exchange.message.retried")
    assert record.data["state"] == ["failed", "pending"] and record.actor == "clerk"


def test_others_cannot_follow_up_and_cannot_tell_a_message_exists(net: Any, api: Any) -> None:
    (row,) = send(net).messages
    # The receiving entity's clerk and a clerk of another unit of the Emirate: 404 as for a
    # message that is not there. The Emirate's executive sees it but works in no unit it
    # was sent from: 403.
    for person in (net.outsider, net.rights_clerk):
        r = api(person).post(f"/exchange/messages/{row.message_id}/withdraw")
        assert r.status_code == 404, person.username
    assert api(net.clerk).post("/exchange/messages/not-a-uuid/retry").status_code == 404
    r = api(net.executive).post(f"/exchange/messages/{row.message_id}/retry")
    assert r.status_code == 403 and r.json()["code"] == "not_the_sending_unit"
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING
