"""Probe: e-mail in under spoofing, loops and floods — a message from anyone but the visitor's
registered address never becomes an event on a matter, nothing is answered to a stranger or to
an automatic message, every message is kept (raw and row), and a repeat adds nothing."""

from __future__ import annotations

from email import message_from_bytes, policy

from tests.mail.conftest import VISITOR, mail_from_visitor, receive, visitor_with_email
from tests.security.report import record
from wasl.mail import services as mail
from wasl.mail.models import InboundMessage
from wasl.notifications.models import Notification
from wasl.registry import services as registry
from wasl.registry.models import Event

STRANGERS = [
    "attacker@evil.example",
    VISITOR.upper().replace("EXAMPLE", "EXAMPLE-SA"),  # a look-alike domain
    f'"{VISITOR}" <attacker@evil.example>',  # the visitor's address as a display name
    "mohammed.alharbi@example.sa.evil.example",
]
AUTOMATIC = [
    {"Auto-Submitted": "auto-generated"},
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Precedence": "list"},
    {"Precedence": "junk"},
    {"List-Id": "<x.example.sa>"},
]


def test_spoofed_looping_and_repeated_mail_never_acts_for_the_visitor(cast):
    txn = visitor_with_email(cast)
    secret = visitor_with_email(cast, confidentiality="confidential")
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    ours = Notification.objects.get(transaction_id=txn.pk, channel="email")
    events_before = Event.objects.filter(transaction__in=[txn, secret]).count()
    attempts = leaks = lost = duplicated = 0
    sent: list[bytes] = []

    def send(raw: bytes) -> InboundMessage:
        nonlocal attempts, lost
        attempts += 1
        sent.append(raw)
        row = receive(raw)
        if not mail.raw_path(row.sha256).exists():
            lost += 1
        return row

    for stranger in STRANGERS:
        for raw in (
            mail_from_visitor("Re: x", sender=stranger, in_reply_to=ours.message_id),
            mail_from_visitor(f"{txn.reference}", sender=stranger),
            mail_from_visitor(f"{secret.reference}", sender=stranger),
        ):
            row = send(raw)
            leaks += row.outcome == "added"
    for headers in AUTOMATIC:
        send(mail_from_visitor("auto", in_reply_to=ours.message_id, headers=headers))
    # Our own messages sent back at us, and the same message delivered twice.
    send(mail_from_visitor(ours.subject, headers={"X-Wasl-Notification": str(ours.public_id)}))
    once = mail_from_visitor("مرة واحدة", in_reply_to=ours.message_id)
    first, second = send(once), send(once)
    duplicated += second.outcome != "duplicate"

    # Answers only ever went to the visitor, and never to an automatic message.
    answers = Notification.objects.filter(step="received")
    leaks += answers.exclude(to=VISITOR).count()
    automatic_ids = {
        message_from_bytes(raw, policy=policy.default)["Message-ID"]
        for raw in sent
        if b"Auto-Submitted" in raw or b"Precedence" in raw or b"List-Id" in raw
    }
    leaks += answers.filter(in_reply_to__in=automatic_ids).count()
    # Events: one per message the visitor really sent (the automatic ones and `once`).
    added = Event.objects.filter(transaction__in=[txn, secret]).count() - events_before
    leaks += max(0, added - (len(AUTOMATIC) + 1))
    duplicated += max(0, Event.objects.filter(data__message=str(first.public_id)).count() - 1)
    lost += attempts - InboundMessage.objects.count()
    record(
        "e-mail in: spoofing, loops, repeats",
        attempts=attempts,
        leaks=leaks,
        lost=lost,
        duplicated=duplicated,
    )
    assert (leaks, lost, duplicated) == (0, 0, 0)
    assert not Event.objects.filter(transaction=secret).exclude(action="registered").exists()
