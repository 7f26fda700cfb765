"""E-mail to visitors: one outbox row made into a message and handed to an SMTP server through
Django's e-mail backend (`WASL_EMAIL_BACKEND`, Django's SMTP backend unless set).

Every message carries the reference at the head of its subject, our own Message-ID (made when
the row was written), In-Reply-To and References to the earlier messages of the same matter
(so that mail clients thread them, and so that an answer finds its matter: `wasl.mail`),
`Auto-Submitted` (RFC 3834: these are automatic messages, an auto-responder must not answer
them; not on a person's answer to the visitor), and a plain text body with an HTML alternative, right-to-left when Arabic.

An SMTP server that takes a message has taken responsibility for it: we count it delivered;
a bounce that comes back later (a delivery status notification) marks the message and the
address failed (`wasl.mail`)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from . import conf
from .models import Notification
from .providers import Accepted, Refused
from .states import Channel, Language, Step

# The header by which our own messages are known when they come back (with our Message-ID's
# domain): never answered, never an event.
OUR_HEADER = "X-Wasl-Notification"
# How many earlier messages of the thread References names (the oldest and the latest).
THREAD_MAX = 10


@dataclass(frozen=True)
class Mailer:
    name: str = "smtp"

    def send(self, row: Notification) -> Accepted | Refused:
        message = build(row, thread_of(row))
        connection = get_connection(
            conf.get("WASL_EMAIL_BACKEND") or None,
            host=conf.get("WASL_EMAIL_HOST"),
            port=conf.get("WASL_EMAIL_PORT"),
            timeout=conf.get("WASL_EMAIL_TIMEOUT_SECONDS"),
        )
        try:
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            reason = "; ".join(f"{c} {m!r}"[:120] for c, m in error.recipients.values())
            return Refused(f"refused: {reason}", temporary=not codes or min(codes) < 500)
        except smtplib.SMTPResponseException as error:
            reason = f"SMTP {error.smtp_code}: {error.smtp_error!r}"[:200]
            return Refused(reason, temporary=error.smtp_code < 500)
        except (smtplib.SMTPException, OSError) as error:
            return Refused(f"unreachable: {type(error).__name__}", temporary=True)
        return Accepted(provider_ref=row.message_id, delivered=True)


def thread_of(row: Notification) -> list[str]:
    """The Message-IDs of the earlier e-mails about the same matter to the same address,
    oldest first."""
    earlier = Notification.objects.filter(
        transaction_id=row.transaction_id, channel=Channel.EMAIL, to=row.to, id__lt=row.pk
    ).exclude(message_id="")
    ids = list(earlier.order_by("-id").values_list("message_id", flat=True)[: THREAD_MAX - 1])
    first = earlier.order_by("id").values_list("message_id", flat=True).first()
    ids.reverse()
    if first and first not in ids:
        ids.insert(0, first)
    return ids


def build(row: Notification, thread: list[str]) -> EmailMultiAlternatives:
    """The message of `row`: text and HTML, the threading and the automatic-message headers."""
    arabic = row.language == Language.AR
    references = [*thread, *([row.in_reply_to] if row.in_reply_to else [])]
    headers = {
        "Message-ID": row.message_id,
        "Content-Language": row.language,
        OUR_HEADER: str(row.public_id),
    }
    if row.step != Step.REPLY:  # a person's answer is not automatic
        # RFC 3834: an automatic answer to a person's message is auto-replied, the rest
        # auto-generated; either way, no auto-responder answers it.
        headers["Auto-Submitted"] = (
            "auto-replied" if row.step == Step.RECEIVED else "auto-generated"
        )
        headers["X-Auto-Response-Suppress"] = "All"
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    lines = [line for line in row.body.splitlines() if line.strip()]
    reference = row.subject.split(" — ")[0]
    label, brand = ("رقم المعاملة", "وصل") if arabic else ("Reference", "Wasl")
    text = "\n\n".join([*lines, f"-- \n{label}: {reference}\n{brand}"]) + "\n"
    html = render_to_string(
        "notifications/email.html",
        {
            "subject": row.subject,
            "lines": lines,
            "label": label,
            "brand": brand,
            "reference": reference,
            "language": row.language,
            "direction": "rtl" if arabic else "ltr",
            "align": "right" if arabic else "left",
        },
    )
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=conf.get("WASL_EMAIL_FROM"),
        to=[row.to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message
