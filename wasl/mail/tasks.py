"""E-mail in's background job (run by `wasl worker` on its schedule): polling the IMAP
mailbox, when one is configured. Takes no ids: the mailbox's \\Seen flags and the received
messages' Message-IDs are the truth, so two runs at once receive each message once."""

from __future__ import annotations

from django_tasks import task

from . import imap


@task()
def poll_imap() -> dict[str, int]:
    polled = imap.poll()
    return {"received": polled.received, "too_large": polled.too_large}
