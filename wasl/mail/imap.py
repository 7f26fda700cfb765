"""E-mail in by polling an existing mailbox (IMAP, with imap-tools): each unseen message of
the folder is fetched as it is (BODY.PEEK[], so nothing is marked before it is kept), handed
to `services.receive` like a message that came by SMTP, then marked seen.

At least once, exactly one effect: a poll cut off between keeping a message and marking it
seen fetches it again next time, and `receive` knows it (same Message-ID, same sender:
`duplicate`). A message over `WASL_MAIL_MAX_BYTES` is not fetched: it is flagged and marked
seen, and stays in the mailbox (nothing lost) for a person to look at."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.mailbox import BaseMailBox

from . import conf, services

logger = logging.getLogger("wasl.mail")


@dataclass
class Polled:
    received: int = 0
    too_large: int = 0


def configured() -> bool:
    return bool(conf.get("WASL_MAIL_IMAP_HOST"))


def mailbox() -> BaseMailBox:
    host, port = conf.get("WASL_MAIL_IMAP_HOST"), int(conf.get("WASL_MAIL_IMAP_PORT"))
    timeout = float(conf.get("WASL_MAIL_IMAP_TIMEOUT_SECONDS"))
    if conf.get("WASL_MAIL_IMAP_SSL"):
        return MailBox(host, port, timeout=timeout)
    return MailBoxUnencrypted(host, port, timeout=timeout)


def poll(limit: int | None = None) -> Polled:
    """One pass over the unseen messages of `WASL_MAIL_IMAP_FOLDER` (at most `limit`)."""
    polled = Polled()
    if not configured():
        return polled
    limit = limit or int(conf.get("WASL_MAIL_IMAP_BATCH"))
    largest = int(conf.get("WASL_MAIL_MAX_BYTES"))
    with mailbox().login(
        conf.get("WASL_MAIL_IMAP_USER"),
        conf.get("WASL_MAIL_IMAP_PASSWORD"),
        initial_folder=conf.get("WASL_MAIL_IMAP_FOLDER"),
    ) as box:
        uids = box.uids(AND(seen=False))[:limit]
        if not uids:
            return polled
        sizes = {
            m.uid: m.size_rfc822
            for m in box.fetch(AND(uid=uids), mark_seen=False, headers_only=True, bulk=True)
        }
        for uid in uids:
            if sizes.get(uid, 0) > largest:
                box.flag(uid, [MailMessageFlags.FLAGGED, MailMessageFlags.SEEN], True)
                polled.too_large += 1
                logger.warning("mail: IMAP message %s is over WASL_MAIL_MAX_BYTES", uid)
                continue
            raw = _raw(box, uid)
            if raw is None:
                continue
            services.receive(raw, services.Envelope(via="imap"))
            box.flag(uid, MailMessageFlags.SEEN, True)
            polled.received += 1
    return polled


def _raw(box: BaseMailBox, uid: str) -> bytes | None:
    """The message as the server keeps it, without setting \\Seen."""
    status, data = box.client.uid("fetch", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None
