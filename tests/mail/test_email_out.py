"""E-mail out: a step's e-mail is written in the outbox with the step and sent by the sender
task through Django's SMTP backend to a real SMTP server process on loopback."""

from __future__ import annotations

import re

from wasl.notifications import tasks
from wasl.notifications.models import Notification
from wasl.registry import services as registry

from .conftest import VISITOR, visitor_with_email


def emails_of(txn):
    return list(Notification.objects.filter(transaction_id=txn.pk, channel="email").order_by("id"))


def test_a_referral_is_mailed_with_the_reference_threading_and_auto_submitted(cast, smtp_out):
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    (queued,) = emails_of(txn)
    assert (queued.step, queued.to, queued.status) == ("referred", VISITOR, "queued")
    assert txn.reference in queued.subject
    assert re.fullmatch(r"<[^@>]+@wasl\.localhost>", queued.message_id)

    assert tasks.send_due.call()["failed"] == 0
    sent = Notification.objects.get(pk=queued.pk)
    assert (sent.status, sent.provider, sent.provider_ref) == ("delivered", "smtp", sent.message_id)

    (entry,) = smtp_out.index()
    assert entry["rcpt_tos"] == [VISITOR]
    (raw,) = smtp_out.raw()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0].lower()  # the Arabic subject, RFC 2047
    (message,) = smtp_out.messages()
    assert message["Subject"].strip() == queued.subject  # Django folds it onto a new line
    assert message["Message-ID"] == queued.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] is None
    assert message["Content-Language"] == "ar"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert txn.reference in text and "أحيلت معاملتكم" in text
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "أحيلت معاملتكم" in html


def test_later_steps_thread_on_the_first_message(cast, smtp_out):
    txn = visitor_with_email(cast)
    (ref,) = registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
    )
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الإفادة")
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهت")
    tasks.send_due.call()
    referred, answered, closed = emails_of(txn)
    assert [n.step for n in (referred, answered, closed)] == ["referred", "answered", "closed"]
    received = {m["Message-ID"]: m for m in smtp_out.messages()}
    assert len(received) == 3
    third = received[closed.message_id]
    assert third["In-Reply-To"] == answered.message_id
    assert third["References"].split() == [referred.message_id, answered.message_id]


def test_english_mail_is_left_to_right(cast, smtp_out):
    txn = visitor_with_email(cast, language="en")
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    tasks.send_due.call()
    (message,) = smtp_out.messages()
    html = message.get_body(("html",)).get_content()
    assert 'dir="ltr"' in html and 'lang="en"' in html
    assert "has been referred" in message.get_body(("plain",)).get_content()


def test_a_visitor_who_takes_only_mandatory_messages_gets_no_referral_mail(cast, smtp_out):
    from wasl.notifications import services as notify

    txn = visitor_with_email(cast)
    notify.set_contact(
        cast.clerk.actor, txn.public_id, phone="", language="ar", sms=False, optional=False
    )
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    assert emails_of(txn) == []


def test_an_smtp_server_that_is_down_is_a_temporary_failure(cast, settings):
    settings.WASL_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.WASL_EMAIL_HOST = "127.0.0.1"
    settings.WASL_EMAIL_PORT = 9  # nothing listens
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    tasks.send_due.call()
    (n,) = emails_of(txn)
    assert n.status == "temporary_failure"
    assert n.error.startswith("unreachable")


def test_an_invalid_address_is_refused_with_a_bilingual_error(cast):
    import pytest

    from wasl.core.errors import InvalidInput
    from wasl.notifications import services as notify

    txn = visitor_with_email(cast)
    with pytest.raises(InvalidInput) as caught:
        notify.set_contact(
            cast.clerk.actor,
            txn.public_id,
            phone="",
            language="ar",
            sms=True,
            optional=True,
            email="not an address",
        )
    assert caught.value.code == "invalid_email"
    assert caught.value.message_ar and caught.value.message_en
