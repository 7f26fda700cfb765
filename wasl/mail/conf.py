"""E-mail in: its settings (a Django setting of the same name wins, then the environment
variable, then the default here)."""

from __future__ import annotations

from typing import Any

from wasl import env_settings

DEFAULTS: dict[str, Any] = {
    # `wasl mail serve`: where it listens, and the largest message it takes (refused at DATA
    # with 552 beyond this) and the most recipients one message may name (452 beyond).
    "WASL_MAIL_HOST": "127.0.0.1",
    "WASL_MAIL_PORT": 2525,
    "WASL_MAIL_MAX_BYTES": 25 * 1024 * 1024,
    "WASL_MAIL_MAX_RECIPIENTS": 50,
    # The domains whose addresses `wasl mail serve` receives for ("" takes any: behind a relay).
    "WASL_MAIL_DOMAINS": "",
    # Messages from one address in a day that may join matters (beyond: kept, not processed),
    # and automatic answers sent to one address in a day.
    "WASL_MAIL_MAX_PER_ADDRESS_PER_DAY": 50,
    "WASL_MAIL_ANSWERS_PER_ADDRESS_PER_DAY": 5,
    # Where the raw messages are kept (default: MEDIA_ROOT/mail).
    "WASL_MAIL_RAW_DIR": "",
    # Polling an existing mailbox by IMAP (`wasl mail poll`, and the worker's schedule): off
    # while WASL_MAIL_IMAP_HOST is empty.
    "WASL_MAIL_IMAP_HOST": "",
    "WASL_MAIL_IMAP_PORT": 993,
    "WASL_MAIL_IMAP_SSL": True,
    "WASL_MAIL_IMAP_USER": "",
    "WASL_MAIL_IMAP_PASSWORD": "",
    "WASL_MAIL_IMAP_FOLDER": "INBOX",
    "WASL_MAIL_IMAP_BATCH": 50,
    "WASL_MAIL_IMAP_TIMEOUT_SECONDS": 30.0,
    # The folder where the local SMTP server of the demo (`python -m wasl.mail.devserver`)
    # keeps what it receives, read by the demo page.
    "WASL_MAIL_DEV_DIR": "",
}


def get(name: str) -> Any:
    return env_settings.read(name, DEFAULTS[name])
