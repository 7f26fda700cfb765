"""The notifications' settings: a Django setting of the same name wins, then the environment
variable, then the default here — a deployment chooses its SMS provider with environment
variables alone."""

from __future__ import annotations

from typing import Any

from wasl import env_settings

DEFAULTS: dict[str, Any] = {
    # Which adapter sends SMS (`providers.PROVIDERS`): "log" writes messages to the log and
    # counts them delivered (nothing to set up); "http" posts them to WASL_SMS_URL (the fake
    # provider of the demo and the tests speaks its protocol).
    "WASL_SMS_PROVIDER": "log",
    "WASL_SMS_URL": "",
    "WASL_SMS_API_KEY": "",
    "WASL_SMS_SENDER": "WASL",
    # Where the provider posts delivery receipts (this node's /notifications/receipts/sms),
    # and the secret both sides sign them with (HMAC-SHA256). Without a secret every receipt
    # is refused.
    "WASL_SMS_CALLBACK_URL": "",
    "WASL_SMS_RECEIPT_SECRET": "",
    "WASL_SMS_HTTP_TIMEOUT_SECONDS": 10.0,
    # A message longer than this many parts is not sent (technical failure, on the page).
    "WASL_SMS_MAX_PARTS": 4,
    # Retries: exponential back-off from BASE, at most MAX between attempts; after
    # MAX_ATTEMPTS sends a message stays failed.
    "WASL_NOTIFY_BACKOFF_BASE_SECONDS": 5.0,
    "WASL_NOTIFY_BACKOFF_MAX_SECONDS": 3600.0,
    "WASL_NOTIFY_MAX_ATTEMPTS": 8,
    # A message taken by the provider whose receipt has not come after this long is given
    # up as a temporary failure (GOV.UK Notify waits 72 hours).
    "WASL_NOTIFY_RECEIPT_WAIT_SECONDS": 72 * 3600.0,
    # A claimed message comes back to the queue after this long if its worker died.
    "WASL_NOTIFY_LEASE_SECONDS": 60.0,
    "WASL_NOTIFY_BATCH_SIZE": 50,
    # E-mail (sent through Django's e-mail backends): "" is Django's EMAIL_BACKEND (the SMTP
    # backend; the tests' in-memory one), given WASL_EMAIL_HOST and WASL_EMAIL_PORT.
    "WASL_EMAIL_BACKEND": "",
    "WASL_EMAIL_HOST": "localhost",
    "WASL_EMAIL_PORT": 25,
    "WASL_EMAIL_TIMEOUT_SECONDS": 10.0,
    # Who the visitor's e-mail comes from: the address `wasl mail serve` receives for, so that
    # an answer comes back to the matter.
    "WASL_EMAIL_FROM": "وصل <wasl@wasl.localhost>",
    # The right-hand side of our Message-IDs (`<…@domain>`): how our own messages are known.
    "WASL_EMAIL_DOMAIN": "wasl.localhost",
    # The page listing what the fake provider received: on with DEBUG, or with this set.
    "WASL_DEMO": False,
}


def get(name: str) -> Any:
    return env_settings.read(name, DEFAULTS[name])
