"""E-mail in: matching, the sender check, what becomes an event and what is only kept."""

from __future__ import annotations

import pytest

from wasl.audit.models import AuditRecord
from wasl.mail import services as mail
from wasl.mail.models import InboundMessage
from wasl.notifications import tasks
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Event

from .conftest import VISITOR, mail_from_visitor, receive, visitor_with_email

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def referred(cast):
    """A visitor's matter referred to the rights administration, its e-mail written."""
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    ours = Notification.objects.get(transaction_id=txn.pk, channel="email", step="referred")
    return txn, ours


def events_of(txn):
    return list(Event.objects.filter(transaction_id=txn.pk).order_by("id"))


def test_the_visitors_answer_on_the_thread_becomes_one_event_with_its_audit(referred):
    txn, ours = referred
    before = len(events_of(txn))
    body = (
        "أرفق لكم صورة الصك المطلوبة.\n\n"
        "في الخميس، 3 ديسمبر 2026، وصل <wasl@wasl.localhost> كتب:\n"
        "> أحيلت معاملتكم إلى الإدارة المختصة\n"
    )
    raw = mail_from_visitor(f"Re: {ours.subject}", body, in_reply_to=ours.message_id)
    row = receive(raw)
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)
    event = events_of(txn)[-1]
    assert len(events_of(txn)) == before + 1
    assert event.action == "commented" and event.pk == row.event_id
    assert event.note == "أرفق لكم صورة الصك المطلوبة."  # the quoted history is cut off
    assert event.data["channel"] == "email" and event.data["from"] == VISITOR
    assert AuditRecord.objects.filter(
        action="registry.transaction.commented", object_id=str(txn.public_id)
    ).exists()
    assert mail.raw_path(row.sha256).read_bytes() == raw  # the raw message is kept, linked


def test_the_visitor_gets_an_automatic_answer_in_the_same_thread(referred, smtp_out):
    txn, ours = referred
    raw = mail_from_visitor("سؤال", in_reply_to=ours.message_id)
    receive(raw)
    answer = Notification.objects.get(transaction_id=txn.pk, step="received")
    tasks.send_due.call()
    sent = {m["Message-ID"]: m for m in smtp_out.messages()}[answer.message_id]
    from email import message_from_bytes, policy

    theirs = message_from_bytes(raw, policy=policy.default)
    assert sent["In-Reply-To"] == theirs["Message-ID"]
    assert ours.message_id in sent["References"].split()
    assert sent["Auto-Submitted"] == "auto-replied"
    assert txn.reference in sent["Subject"]


def test_a_reference_in_the_subject_finds_the_matter_without_thread_headers(referred):
    txn, _ = referred
    row = receive(mail_from_visitor(f"بخصوص المعاملة {txn.reference}"))
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)


def test_eastern_arabic_digits_in_the_subject_are_read(referred):
    txn, _ = referred
    eastern = txn.reference.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    row = receive(mail_from_visitor(f"بخصوص {eastern}"))
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)


def test_a_forged_from_on_a_valid_thread_is_an_untrusted_item_never_an_event(referred):
    txn, ours = referred
    before = len(events_of(txn))
    row = receive(
        mail_from_visitor("Re: x", sender="attacker@evil.example", in_reply_to=ours.message_id)
    )
    assert (row.outcome, row.transaction_id, row.event_id) == ("untrusted", txn.pk, None)
    assert len(events_of(txn)) == before
    assert not Notification.objects.filter(step="received").exists()  # no answer, nothing said


def test_a_stranger_naming_a_confidential_matter_learns_nothing(cast):
    txn = visitor_with_email(cast, confidentiality="confidential")
    row = receive(mail_from_visitor(f"معاملة {txn.reference}", sender="curious@example.com"))
    assert row.outcome == "untrusted"
    assert not Notification.objects.filter(to="curious@example.com").exists()


def test_a_reference_of_another_entity_from_a_stranger_is_not_added(cast):
    from tests.notifications.conftest import make_visitor_transaction

    theirs = make_visitor_transaction(cast, by=cast.outsider, unit=cast.amanah_registry)
    row = receive(mail_from_visitor(f"{theirs.reference}", sender="someone@example.com"))
    assert (row.outcome, row.event_id) == ("untrusted", None)


def test_a_message_about_nothing_known_waits_for_triage(db):
    row = receive(mail_from_visitor("استفسار عام"))
    assert (row.outcome, row.transaction_id) == ("unmatched", None)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"List-Id": "<news.example.sa>"},
    ],
)
def test_automatic_messages_get_no_automatic_answer(referred, headers):
    _txn, ours = referred
    row = receive(mail_from_visitor("Out of office", in_reply_to=ours.message_id, headers=headers))
    assert row.outcome == "added"
    assert not Notification.objects.filter(step="received").exists()


def test_a_mailer_daemon_without_a_report_is_kept_and_not_answered(db):
    row = receive(mail_from_visitor("Undelivered", sender="MAILER-DAEMON@mx.example.sa"))
    assert row.outcome == "automatic"
    assert not Notification.objects.exists()


def test_our_own_message_coming_back_is_not_processed(referred):
    _txn, ours = referred
    raw = mail_from_visitor(ours.subject, headers={"X-Wasl-Notification": str(ours.public_id)})
    assert receive(raw).outcome == "automatic"


def test_automatic_answers_are_capped_per_address_per_day(referred, settings):
    settings.WASL_MAIL_ANSWERS_PER_ADDRESS_PER_DAY = 2
    _txn, ours = referred
    rows = [receive(mail_from_visitor(f"رسالة {i}", in_reply_to=ours.message_id)) for i in range(4)]
    assert [r.outcome for r in rows] == ["added"] * 4
    assert Notification.objects.filter(step="received", to=VISITOR).count() == 2


def test_a_flood_from_one_address_is_kept_but_not_processed_past_the_daily_cap(referred, settings):
    settings.WASL_MAIL_MAX_PER_ADDRESS_PER_DAY = 3
    txn, ours = referred
    before = len(events_of(txn))
    rows = [receive(mail_from_visitor(f"رسالة {i}", in_reply_to=ours.message_id)) for i in range(6)]
    assert [r.outcome for r in rows] == ["added"] * 3 + ["over_cap"] * 3
    assert len(events_of(txn)) == before + 3
    assert InboundMessage.objects.count() == 6  # nothing lost
    assert all(mail.raw_path(r.sha256).exists() for r in rows)


def test_the_same_message_delivered_twice_is_added_once(referred):
    _txn, ours = referred
    raw = mail_from_visitor("مكرر", in_reply_to=ours.message_id)
    assert [receive(raw).outcome, receive(raw).outcome] == ["added", "duplicate"]


def test_a_later_message_threads_on_the_visitors_earlier_one(referred):
    txn, ours = referred
    from email import message_from_bytes, policy

    first = mail_from_visitor("أولى", in_reply_to=ours.message_id)
    receive(first)
    first_id = message_from_bytes(first, policy=policy.default)["Message-ID"]
    row = receive(mail_from_visitor("ثانية بلا موضوع", in_reply_to=first_id))
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)


def test_attachments_join_the_transaction_under_the_usual_limits(referred):
    txn, ours = referred
    raw = mail_from_visitor(
        "المرفقات",
        in_reply_to=ours.message_id,
        attachments=(
            ("صك.pdf", "application/pdf", PDF),
            ("setup.exe", "application/octet-stream", b"MZ\x90\x00"),
            ("fake.pdf", "application/pdf", b"MZ not a pdf"),
        ),
    )
    row = receive(raw)
    (added,) = Attachment.objects.filter(transaction_id=txn.pk)
    assert (added.filename, added.content_type, added.size) == (
        "صك.pdf",
        "application/pdf",
        len(PDF),
    )
    event = Event.objects.get(pk=row.event_id)
    assert [a["filename"] for a in event.data["attachments"]] == ["صك.pdf"]
    assert [r["code"] for r in event.data["refused_attachments"]] == [
        "attachment_type_not_allowed",
        "attachment_type_mismatch",
    ]


def test_an_attachment_over_the_size_limit_is_refused_and_named(referred, settings):
    settings.WASL_ATTACHMENT_MAX_BYTES = 1024
    txn, ours = referred
    big = PDF + b"0" * 2048
    row = receive(
        mail_from_visitor(
            "كبير", in_reply_to=ours.message_id, attachments=(("big.pdf", "application/pdf", big),)
        )
    )
    assert not Attachment.objects.filter(transaction_id=txn.pk).exists()
    event = Event.objects.get(pk=row.event_id)
    assert event.data["refused_attachments"] == [
        {"filename": "big.pdf", "code": "attachment_too_large"}
    ]


def test_mail_about_a_cancelled_matter_waits_for_a_clerk(cast):
    txn = visitor_with_email(cast)
    registry.cancel(cast.clerk.actor, txn.public_id, reason="سجلت خطأ")
    row = receive(mail_from_visitor(f"{txn.reference}"))
    assert (row.outcome, row.event_id, row.transaction_id) == ("refused", None, txn.pk)


def test_ten_thousand_recipients_in_to_are_counted_not_kept(referred):
    _txn, ours = referred
    many = ", ".join(f"person{i}@example.sa" for i in range(10_000))
    from email import message_from_bytes, policy

    message = message_from_bytes(
        mail_from_visitor("كثير", in_reply_to=ours.message_id), policy=policy.default
    )
    message.replace_header("To", many)
    row = receive(message.as_bytes())
    assert row.outcome == "added"
    assert row.to_count == 10_000
    assert len(row.to) <= 1000


def test_wasl_mail_receive_takes_a_message_from_a_file(referred, tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    txn, ours = referred
    path = tmp_path / "answer.eml"
    path.write_bytes(mail_from_visitor("رد", in_reply_to=ours.message_id))
    out = StringIO()
    call_command("mail", "receive", str(path), stdout=out)
    said = json.loads(out.getvalue())
    assert (said["outcome"], said["transaction"]) == ("added", txn.reference)


def test_the_audit_log_still_verifies_after_mail_joined_a_matter(cast, referred):
    from wasl.mail import services as mail_services
    from wasl.registry import integrity

    txn, ours = referred
    receive(
        mail_from_visitor(
            "صك",
            in_reply_to=ours.message_id,
            attachments=(("صك.pdf", "application/pdf", PDF),),
        )
    )
    mail_services.reply_to_visitor(cast.clerk.actor, txn.public_id, text="وصل الصك.")
    assert list(integrity.cross_check()) == []
    from wasl.audit import services as audit

    assert audit.verify_all()[1] == []
