"""End to end with the fake SMS provider as its own process: the step queues the message, the
task sends it over HTTP, the provider throttles, fails or takes it, and posts signed receipts
back to the live Wasl server; retries and receipts are seen as they really happen."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from wasl.notifications import tasks
from wasl.notifications.models import Notification, Receipt

from .conftest import PHONE, SECRET, make_visitor_transaction, wait_for


@pytest.fixture
def sms_through_fake(settings: Any, fake_sms: Any, live_server: Any) -> Any:
    settings.WASL_SMS_PROVIDER = "http"
    settings.WASL_SMS_URL = fake_sms.url
    settings.WASL_SMS_CALLBACK_URL = live_server.url + "/notifications/receipts/sms"
    settings.WASL_SMS_RECEIPT_SECRET = SECRET
    settings.WASL_NOTIFY_BACKOFF_BASE_SECONDS = 0.01
    settings.WASL_NOTIFY_BACKOFF_MAX_SECONDS = 0.05
    return fake_sms


def notification_of(txn: Any) -> Notification:
    return Notification.objects.get(transaction_id=txn.pk, step="registered")


def status_becomes(txn: Any, *statuses: str) -> Notification:
    return wait_for(
        lambda: (n := notification_of(txn)).status in statuses and n,
        what=f"status in {statuses}",
    )


def is_due(n: Notification) -> bool:
    return n.next_attempt_at is None or n.next_attempt_at <= timezone.now()


def send_until(txn: Any, *statuses: str, rounds: int = 20) -> Notification:
    """Run the sender (as the worker's periodic job would) until the status is reached."""
    for _ in range(rounds):
        n = notification_of(txn)
        if n.status in statuses:
            return n
        if n.status in {"queued", "temporary_failure"}:
            wait_for(lambda: is_due(notification_of(txn)), what="the retry's time")
            tasks.send_due.call()
        else:
            wait_for(lambda: notification_of(txn).status != "sending", what="a receipt")
    raise AssertionError(f"never reached {statuses}: {notification_of(txn).status}")


def test_a_registration_is_sent_and_its_delivery_receipt_comes_back(sms_through_fake, cast):
    txn = make_visitor_transaction(cast)  # committed: the send task ran after the commit
    n = status_becomes(txn, "delivered")
    (received,) = sms_through_fake.messages()
    assert received["to"] == PHONE
    assert received["text"] == n.body
    assert (received["encoding"], received["parts"]) == ("ucs2", n.parts)
    assert received["client_ref"] == str(n.public_id)
    assert n.provider_ref == received["id"]
    assert received["receipts"] == ["200"]


def test_throttled_and_unavailable_are_retried_with_back_off(sms_through_fake, cast):
    sms_through_fake.script(PHONE, "throttle", "error")
    txn = make_visitor_transaction(cast)
    n = notification_of(txn)
    assert n.status == "temporary_failure"
    assert "429" in n.error
    n = send_until(txn, "delivered")
    assert n.attempts == 3
    assert [m["outcome"] for m in sms_through_fake.messages()] == ["throttle", "error", "deliver"]


def test_a_phone_switched_off_is_tried_again_until_delivered(sms_through_fake, cast):
    sms_through_fake.script(PHONE, "phone_off")
    txn = make_visitor_transaction(cast)
    status_becomes(txn, "temporary_failure")
    n = send_until(txn, "delivered")
    assert n.attempts == 2
    assert [m["outcome"] for m in sms_through_fake.messages()] == ["phone_off", "deliver"]
    assert sorted(Receipt.objects.values_list("status", flat=True)) == [
        "delivered",
        "temporary_failure",
    ]


def test_a_number_refused_or_out_of_service_is_a_permanent_failure(sms_through_fake, cast):
    sms_through_fake.script(PHONE, "reject", "undeliverable")
    first = make_visitor_transaction(cast)
    assert notification_of(first).status == "permanent_failure"
    second = make_visitor_transaction(cast)
    n = status_becomes(second, "permanent_failure")
    assert n.error == "number not in service"
    assert n.attempts == 1


def test_a_repeated_receipt_changes_nothing(sms_through_fake, cast):
    sms_through_fake.script(PHONE, "deliver_twice")
    txn = make_visitor_transaction(cast)
    n = status_becomes(txn, "delivered")
    wait_for(lambda: len(sms_through_fake.messages()[0]["receipts"]) == 2, what="second receipt")
    assert Receipt.objects.filter(notification=n).count() == 1
    assert notification_of(txn).status_at == n.status_at


def test_after_the_last_attempt_it_is_a_technical_failure(sms_through_fake, cast, settings):
    settings.WASL_NOTIFY_MAX_ATTEMPTS = 2
    sms_through_fake.script(PHONE, "error", "error", "error")
    txn = make_visitor_transaction(cast)
    n = send_until(txn, "technical_failure")
    assert n.attempts == 2
    assert "gave up after 2 attempts" in n.error
