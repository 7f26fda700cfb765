"""The holding unit answers the visitor by e-mail, in the thread of the visitor's messages."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.test import Client

from wasl.core.errors import Forbidden, InvalidInput, NotFound
from wasl.mail import services as mail
from wasl.notifications import tasks
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import VISITOR, mail_from_visitor, receive, visitor_with_email
from .test_bounces import dsn


@pytest.fixture
def conversation(cast):
    """A referred matter, our e-mail about it, and the visitor's answer that joined it."""
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    ours = Notification.objects.get(transaction_id=txn.pk, channel="email")
    theirs = mail_from_visitor("متى الموعد؟", in_reply_to=ours.message_id)
    receive(theirs)
    return txn, ours, message_from_bytes(theirs, policy=policy.default)["Message-ID"]


def test_the_answer_goes_in_the_thread_and_is_on_the_timeline(cast, conversation, smtp_out):
    txn, ours, theirs = conversation
    event = mail.reply_to_visitor(
        cast.rights_clerk.actor, txn.public_id, text="الموعد يوم الأحد القادم."
    )
    assert (event.action, event.data["direction"], event.data["to"]) == (
        "commented",
        "out",
        VISITOR,
    )
    assert event.note == "الموعد يوم الأحد القادم."
    reply = Notification.objects.get(transaction_id=txn.pk, step="reply")
    assert (reply.body, reply.in_reply_to, reply.event_id) == (event.note, theirs, event.pk)
    tasks.send_due.call()
    sent = {m["Message-ID"]: m for m in smtp_out.messages()}[reply.message_id]
    assert sent["In-Reply-To"] == theirs
    assert ours.message_id in sent["References"].split()
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert "الموعد يوم الأحد القادم." in sent.get_body(("plain",)).get_content()


def test_the_visitors_answer_to_it_joins_the_matter_again(cast, conversation):
    txn, _, _ = conversation
    mail.reply_to_visitor(cast.clerk.actor, txn.public_id, text="تفضلوا بالحضور.")
    reply = Notification.objects.get(transaction_id=txn.pk, step="reply")
    row = receive(mail_from_visitor("شكراً", in_reply_to=reply.message_id))
    assert (row.outcome, row.transaction_id) == ("added", txn.pk)


def test_only_the_unit_that_holds_it_may_answer(cast, conversation):
    txn, _, _ = conversation
    with pytest.raises(Forbidden):
        mail.reply_to_visitor(cast.auditor.actor, txn.public_id, text="x")  # sees, holds not
    with pytest.raises(NotFound):
        mail.reply_to_visitor(cast.outsider.actor, txn.public_id, text="x")
    assert not Notification.objects.filter(step="reply").exists()


def test_no_answer_to_a_visitor_without_an_address_or_with_a_failing_one(cast, conversation):
    txn, ours, _ = conversation
    receive(dsn(ours.message_id))
    with pytest.raises(InvalidInput) as caught:
        mail.reply_to_visitor(cast.clerk.actor, txn.public_id, text="x")
    assert caught.value.code == "email_failing"
    from tests.notifications.conftest import make_visitor_transaction

    bare = make_visitor_transaction(cast)
    with pytest.raises(InvalidInput) as caught:
        mail.reply_to_visitor(cast.clerk.actor, bare.public_id, text="x")
    assert caught.value.code == "no_email"


def test_the_transaction_page_answers_the_visitor(cast, conversation):
    txn, _, _ = conversation
    client = Client()
    client.force_login(cast.clerk.user)
    page = client.get(f"/t/{txn.public_id}/").content.decode()
    assert f"/mail/t/{txn.public_id}/reply" in page
    answer = client.post(f"/mail/t/{txn.public_id}/reply", {"text": "وصلت رسالتكم وسننظر فيها."})
    assert answer.status_code == 302
    assert Event.objects.filter(transaction=txn, data__direction="out").count() == 1
    empty = client.post(f"/mail/t/{txn.public_id}/reply", {"text": "  "})
    assert empty.status_code == 302
    assert Event.objects.filter(transaction=txn, data__direction="out").count() == 1
    stranger = Client()
    stranger.force_login(cast.outsider.user)
    assert stranger.post(f"/mail/t/{txn.public_id}/reply", {"text": "x"}).status_code == 404
