"""The sender without a network: the default provider, leases, back-off, unanswered sends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wasl.notifications import providers, sending, tasks
from wasl.notifications.models import Notification

from .conftest import make_visitor_transaction


class Broken:
    name = "broken"

    def send(self, message):
        raise RuntimeError("adapter bug")


def test_the_default_provider_logs_and_counts_delivered(cast):
    txn = make_visitor_transaction(cast)
    assert tasks.send_due.call() == {"sent": 1, "retrying": 0, "failed": 0}
    n = Notification.objects.get(transaction_id=txn.pk)
    assert (n.status, n.provider, n.attempts) == ("delivered", "log", 1)
    assert tasks.send_due.call() == {"sent": 0, "retrying": 0, "failed": 0}  # nothing twice


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(cast):
    make_visitor_transaction(cast)
    assert len(sending.claim(10)) == 1
    assert sending.claim(10) == []


def test_an_adapter_that_raises_is_a_temporary_failure_with_back_off(cast, settings):
    settings.WASL_NOTIFY_BACKOFF_BASE_SECONDS = 60.0
    txn = make_visitor_transaction(cast)
    counts = sending.send_due(provider=Broken())
    n = Notification.objects.get(transaction_id=txn.pk)
    assert (counts.retrying, n.status) == (1, "temporary_failure")
    assert "RuntimeError" in n.error
    assert timedelta(seconds=59) < n.next_attempt_at - n.status_at < timedelta(seconds=76)


def test_back_off_doubles_up_to_its_ceiling_and_respects_retry_after(settings):
    settings.WASL_NOTIFY_BACKOFF_BASE_SECONDS = 5.0
    settings.WASL_NOTIFY_BACKOFF_MAX_SECONDS = 60.0
    assert timedelta(seconds=5) <= sending.backoff(1) <= timedelta(seconds=6.25)
    assert timedelta(seconds=20) <= sending.backoff(3) <= timedelta(seconds=25)
    assert timedelta(seconds=60) <= sending.backoff(30) <= timedelta(seconds=75)
    assert sending.backoff(1, retry_after=300) == timedelta(seconds=300)


def test_a_send_whose_receipt_never_comes_is_given_up(cast):
    txn = make_visitor_transaction(cast)
    Notification.objects.filter(transaction_id=txn.pk).update(
        status="sending", sent_at=timezone.now() - timedelta(hours=73)
    )
    assert sending.expire_unanswered() == 1
    n = Notification.objects.get(transaction_id=txn.pk)
    assert (n.status, n.next_attempt_at) == ("temporary_failure", None)


def test_the_provider_is_chosen_by_the_environment(settings, monkeypatch):
    assert isinstance(providers.sms_provider(), providers.LogProvider)
    settings.WASL_SMS_PROVIDER = "http"
    settings.WASL_SMS_URL = "http://127.0.0.1:9"
    assert isinstance(providers.sms_provider(), providers.HttpProvider)
    settings.WASL_SMS_URL = "ftp://example"
    with pytest.raises(ValueError, match="WASL_SMS_URL"):
        providers.sms_provider()
    settings.WASL_SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ValueError, match="carrier-pigeon"):
        providers.sms_provider()


def test_an_unreachable_provider_is_a_temporary_failure(cast, settings):
    settings.WASL_SMS_PROVIDER = "http"
    settings.WASL_SMS_URL = "http://127.0.0.1:9"  # nothing listens
    txn = make_visitor_transaction(cast)
    sending.send_due()
    n = Notification.objects.get(transaction_id=txn.pk)
    assert n.status == "temporary_failure"
    assert n.error.startswith("unreachable")
