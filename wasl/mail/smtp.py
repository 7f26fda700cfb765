"""`wasl mail serve`: an SMTP listener (aiosmtpd) that hands every message to
`services.receive`.

Bounded before a byte is kept: a message over `WASL_MAIL_MAX_BYTES` is refused at DATA (552;
aiosmtpd discards what it reads past the limit, so the size costs no memory), a message naming
more than `WASL_MAIL_MAX_RECIPIENTS` envelope recipients gets 452 for the rest (RFC 5321
§4.5.3.1.10), and, with `WASL_MAIL_DOMAINS`, recipients of other domains get 550 (no open
relay). A message that cannot be kept (the database unavailable) gets 451, so that the sending
server tries again: nothing is lost."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from django.db import connections

from . import conf, services

logger = logging.getLogger("wasl.mail")


class Listener:
    """The aiosmtpd handler: checks recipients, passes each message to `services.receive` in a
    worker thread (the ORM is synchronous)."""

    def __init__(self) -> None:
        self.max_recipients = int(conf.get("WASL_MAIL_MAX_RECIPIENTS"))
        domains = str(conf.get("WASL_MAIL_DOMAINS"))
        self.domains = {d.strip().lower() for d in domains.split(",") if d.strip()}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return "452 4.5.3 Too many recipients"
        domain = address.rpartition("@")[2].lower()
        if self.domains and domain not in self.domains:
            return "550 5.1.1 Not a mailbox of this server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            row = await loop.run_in_executor(
                None, self.deliver, bytes(raw), envelope.mail_from or "", tuple(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("mail: a message could not be kept")
            return "451 4.3.0 Could not keep the message, try again later"
        return f"250 2.0.0 Received {row.public_id}"

    def deliver(self, raw: bytes, mail_from: str, recipients: tuple[str, ...]) -> Any:
        """Keep one message, on a connection of its own that is closed afterwards: the
        executor's threads are not requests, so nothing else would close it, and a connection
        left in a thread that ends is dropped unclosed. Mail comes seldom enough that a
        connection per message costs nothing that matters."""
        try:
            envelope = services.Envelope(via="smtp", mail_from=mail_from, recipients=recipients)
            return services.receive(raw, envelope)
        finally:
            connections.close_all()  # this thread's connections only


def controller(host: str, port: int) -> Controller:
    return Controller(
        Listener(),
        hostname=host,
        port=port,
        data_size_limit=int(conf.get("WASL_MAIL_MAX_BYTES")),
        decode_data=False,
        server_hostname="wasl",
    )
