"""Bounces (RFC 3464 delivery status notifications): recognised, they mark our message and
the visitor's address failing, shown on the transaction, and never become events."""

from __future__ import annotations

import pytest

from tests.conftest import Cast
from wasl.notifications.models import Contact, Notification
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import US, VISITOR, receive, visitor_with_email


def dsn(original_message_id: str, recipient: str = VISITOR, status: str = "5.1.1") -> bytes:
    """A delivery status notification as Postfix writes it."""
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.sa>\r
To: {US}\r
Subject: Undelivered Mail Returned to Sender\r
Message-ID: <dsn.{status}.{abs(hash(original_message_id))}@mx.example.sa>\r
Auto-Submitted: auto-replied\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r
\r
--B1\r
Content-Type: text/plain; charset=us-ascii\r
\r
I'm sorry to have to inform you that your message could not be delivered.\r
\r
--B1\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.sa\r
\r
Final-Recipient: rfc822; {recipient}\r
Action: {"failed" if status.startswith("5") else "delayed"}\r
Status: {status}\r
Diagnostic-Code: smtp; 550 5.1.1 user unknown\r
\r
--B1\r
Content-Type: text/rfc822-headers\r
\r
From: {US}\r
To: {recipient}\r
Message-ID: {original_message_id}\r
\r
--B1--\r
""".encode()


@pytest.fixture
def mailed(cast: Cast):
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    return txn, Notification.objects.get(transaction_id=txn.pk, channel="email")


def test_a_bounce_marks_the_message_and_the_address_failing_and_is_no_event(mailed):
    txn, ours = mailed
    before = Event.objects.filter(transaction_id=txn.pk).count()
    row = receive(dsn(ours.message_id))
    assert (row.outcome, row.bounced_id, row.transaction_id) == ("bounce", ours.pk, txn.pk)
    assert "5.1.1" in row.reason
    assert Notification.objects.get(pk=ours.pk).status == "permanent_failure"
    contact = Contact.objects.get(transaction_id=txn.pk)
    assert "5.1.1" in contact.email_failing and contact.email_failing_at is not None
    assert Event.objects.filter(transaction_id=txn.pk).count() == before
    assert not Notification.objects.filter(step="received").exists()


def test_no_more_mail_goes_to_a_failing_address_until_it_is_saved_again(cast, mailed):
    from wasl.notifications import services as notify

    txn, ours = mailed
    receive(dsn(ours.message_id))
    (ref,) = txn.referrals.all()
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الإفادة")
    assert not Notification.objects.filter(transaction_id=txn.pk, channel="email", step="answered")
    notify.set_contact(
        cast.clerk.actor,
        txn.public_id,
        phone="",
        language="ar",
        sms=True,
        optional=True,
        email=VISITOR,
    )
    assert Contact.objects.get(transaction_id=txn.pk).email_failing == ""


def test_a_temporary_delay_report_does_not_mark_the_address(mailed):
    txn, ours = mailed
    row = receive(dsn(ours.message_id, status="4.4.7"))
    assert row.outcome == "bounce"
    assert Contact.objects.get(transaction_id=txn.pk).email_failing == ""


def test_a_bounce_naming_only_the_recipient_finds_our_latest_message_to_it(mailed):
    _txn, ours = mailed
    row = receive(dsn("<not-ours@elsewhere>"))
    assert row.bounced_id == ours.pk


def test_the_failing_address_shows_on_the_transaction_page(client, cast, mailed):
    txn, ours = mailed
    receive(dsn(ours.message_id))
    client.force_login(cast.clerk.user)
    page = client.get(f"/t/{txn.public_id}/").content.decode()
    assert "5.1.1" in page and VISITOR in page
