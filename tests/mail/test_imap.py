# ruff: noqa: S603 — runs a real IMAP server (pymap) on loopback
"""E-mail in by polling a mailbox: imap-tools against a real IMAP server process (pymap) on
loopback. Each unseen message is received once, marked seen after it is kept; a poll cut off
before marking finds it again and adds nothing; an oversize message stays in the mailbox."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from imap_tools import AND, MailBoxUnencrypted, MailMessageFlags

from wasl.mail import imap
from wasl.mail.models import InboundMessage
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import mail_from_visitor, stop, visitor_with_email

SERVER = (str(Path(sys.executable).with_name("pymap")), "--host", "127.0.0.1")
USER, PASSWORD = "wasl-inbox", "imap-password-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def imap_server(settings: Any) -> Any:
    port = free_port()
    proc = subprocess.Popen(
        [*SERVER, "--port", str(port), "dict", "--demo-user", USER, "--demo-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, "pymap stopped"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "pymap never listened"
            time.sleep(0.1)
    settings.WASL_MAIL_IMAP_HOST = "127.0.0.1"
    settings.WASL_MAIL_IMAP_PORT = port
    settings.WASL_MAIL_IMAP_SSL = False
    settings.WASL_MAIL_IMAP_USER = USER
    settings.WASL_MAIL_IMAP_PASSWORD = PASSWORD
    try:
        yield port
    finally:
        stop(proc)


def deliver(port: int, *messages: bytes) -> None:
    """What the mail server in front of the mailbox does: put messages in the INBOX."""
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD) as box:
        for raw in messages:
            box.append(raw.replace(b"\n", b"\r\n"), "INBOX", dt=None, flag_set=[])


def unseen(port: int) -> list[str]:
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD) as box:
        return box.uids(AND(seen=False))


@pytest.fixture
def referred(cast):
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    return txn, Notification.objects.get(transaction_id=txn.pk, channel="email")


def test_unseen_mail_is_received_once_and_marked_seen(imap_server, referred):
    txn, ours = referred
    deliver(
        imap_server,
        mail_from_visitor("Re: الإحالة", "متى الموعد؟", in_reply_to=ours.message_id),
        mail_from_visitor(txn.reference, sender="stranger@example.com"),
    )
    polled = imap.poll()
    assert (polled.received, polled.too_large) == (2, 0)
    outcomes = sorted(InboundMessage.objects.values_list("outcome", "via"))
    assert outcomes == [("added", "imap"), ("untrusted", "imap")]
    assert Event.objects.filter(transaction=txn, data__channel="email").count() == 1
    assert unseen(imap_server) == []
    assert imap.poll().received == 0


def test_a_poll_cut_off_before_marking_adds_nothing_the_second_time(imap_server, referred):
    txn, ours = referred
    deliver(imap_server, mail_from_visitor("مرة", in_reply_to=ours.message_id))
    imap.poll()
    with MailBoxUnencrypted("127.0.0.1", imap_server).login(USER, PASSWORD) as box:
        box.flag(box.uids(), MailMessageFlags.SEEN, False)  # as if the marking never happened
    assert imap.poll().received == 1
    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == [
        "added",
        "duplicate",
    ]
    assert Event.objects.filter(transaction=txn, data__channel="email").count() == 1


def test_an_oversize_message_stays_in_the_mailbox_flagged(imap_server, referred, settings):
    settings.WASL_MAIL_MAX_BYTES = 4000
    deliver(imap_server, mail_from_visitor("كبيرة", "x" * 8000))
    polled = imap.poll()
    assert (polled.received, polled.too_large) == (0, 1)
    assert not InboundMessage.objects.exists()
    with MailBoxUnencrypted("127.0.0.1", imap_server).login(USER, PASSWORD) as box:
        (message,) = box.fetch(mark_seen=False, headers_only=True)
    assert MailMessageFlags.FLAGGED in message.flags


def test_nothing_is_polled_without_a_mailbox(db, settings):
    settings.WASL_MAIL_IMAP_HOST = ""
    assert imap.poll().received == 0
