"""The pages: the items to triage (through the access rule), a message's raw bytes, and the
demo's mail catcher whose reply goes back through the SMTP listener."""

from __future__ import annotations

import socket
import threading

import pytest
from django.test import Client

from wasl.mail import smtp
from wasl.mail.models import InboundMessage
from wasl.notifications import tasks
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import mail_from_visitor, receive, visitor_with_email


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def untrusted(cast):
    txn = visitor_with_email(cast)
    row = receive(mail_from_visitor(f"{txn.reference}", sender="stranger@example.com"))
    assert row.outcome == "untrusted"
    return txn, row


def test_a_clerk_who_holds_the_matter_sees_the_untrusted_item(
    cast, untrusted, django_assert_num_queries
):
    txn, _row = untrusted
    client = signed_in(cast.clerk)
    client.get("/mail/triage")  # warm the session and the actor
    with django_assert_num_queries(5):  # session, user, memberships, items, nothing per row
        page = client.get("/mail/triage")
    body = page.content.decode()
    assert page.status_code == 200
    assert "stranger@example.com" in body and txn.reference in body


def test_an_outsider_sees_neither_the_item_nor_its_raw_message(cast, untrusted):
    _txn, row = untrusted
    client = signed_in(cast.outsider)
    assert "stranger@example.com" not in client.get("/mail/triage").content.decode()
    assert client.get(f"/mail/m/{row.public_id}.eml").status_code == 404


def test_the_raw_message_is_there_for_those_who_may_read_it(cast, untrusted):
    _txn, row = untrusted
    answer = signed_in(cast.clerk).get(f"/mail/m/{row.public_id}.eml")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "message/rfc822"
    assert b"stranger@example.com" in b"".join(answer.streaming_content)


def test_mail_about_nothing_known_is_seen_by_the_entity_administrators_only(cast):
    receive(mail_from_visitor("سؤال عام", sender="someone@example.com"))
    assert "someone@example.com" in signed_in(cast.admin).get("/mail/triage").content.decode()
    assert "someone@example.com" not in signed_in(cast.clerk).get("/mail/triage").content.decode()


def test_the_triage_page_asks_to_sign_in(db):
    assert Client().get("/mail/triage").status_code == 302


def test_the_demo_page_is_off_outside_the_demo(cast, settings):
    settings.WASL_DEMO = False
    assert signed_in(cast.clerk).get("/mail/demo").status_code == 404


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listener(settings):
    """The SMTP listener of `wasl mail serve`, in this process (it shares the test database)."""
    port = free_port()
    settings.WASL_MAIL_HOST, settings.WASL_MAIL_PORT = "127.0.0.1", port
    server = smtp.controller("127.0.0.1", port)
    server.start()
    yield port
    server.stop()


def test_the_demo_shows_the_visitors_mail_and_its_reply_joins_the_matter(
    transactional_db, cast, smtp_out, listener, settings
):
    settings.WASL_DEMO = True
    settings.WASL_MAIL_DEV_DIR = str(smtp_out.folder)
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    tasks.send_due.call()
    client = signed_in(cast.clerk)
    page = client.get("/mail/demo").content.decode()
    assert txn.reference in page and "أحيلت معاملتكم" in page
    html = client.get("/mail/demo/1.html")
    assert html.status_code == 200 and "sandbox" in html["Content-Security-Policy"]

    answer = client.post("/mail/demo/1/reply", {"text": "متى موعد المراجعة؟"})
    assert answer.status_code == 302
    (row,) = InboundMessage.objects.all()
    assert (row.outcome, row.via, row.transaction_id) == ("added", "smtp", txn.pk)
    assert Event.objects.get(pk=row.event_id).note == "متى موعد المراجعة؟"


def test_the_listener_closes_the_connection_it_opened_for_a_message(transactional_db, cast):
    """The listener keeps each message in an executor thread, which no request ends: a
    connection left open there is dropped unclosed when the thread goes."""
    from django.db import connections

    left_open: list[bool] = []

    def in_the_executor() -> None:
        row = smtp.Listener().deliver(mail_from_visitor("استفسار"), "visitor@example.sa", ())
        left_open.append(connections["default"].connection is not None)
        assert row.outcome

    thread = threading.Thread(target=in_the_executor)
    thread.start()
    thread.join()
    assert left_open == [False]
