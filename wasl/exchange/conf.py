"""The exchange's settings: a Django setting of the same name wins, then the environment
variable, then the default here (so a node can be tuned with environment variables alone)."""

from __future__ import annotations

from typing import Any

from wasl import env_settings

DEFAULTS: dict[str, Any] = {
    # One signed message on the wire; refused before it is parsed when larger.
    "WASL_EXCHANGE_MAX_ENVELOPE_BYTES": 2 * 1024 * 1024,
    # One batch request (several messages) and how many messages it may hold.
    "WASL_EXCHANGE_MAX_BATCH_BYTES": 16 * 1024 * 1024,
    "WASL_EXCHANGE_MAX_BATCH_ITEMS": 500,
    # Envelopes signed further in the future than this are refused (retryable: the sender's
    # clock is ahead); older than MAX_AGE are refused for good (a node down longer than that
    # needs an operator).
    "WASL_EXCHANGE_MAX_SKEW_SECONDS": 300,
    "WASL_EXCHANGE_MAX_AGE_SECONDS": 30 * 86400,
    # Per-sender token bucket on the receiving side (per process).
    "WASL_EXCHANGE_RATE_PER_SECOND": 1000.0,
    "WASL_EXCHANGE_RATE_BURST": 4000.0,
    # One shared bucket for what cannot be tied to a known member (unparseable messages,
    # unknown senders, stray receipts): their refusals are logged, so they are kept slow.
    "WASL_EXCHANGE_UNKNOWN_RATE_PER_SECOND": 20.0,
    "WASL_EXCHANGE_UNKNOWN_RATE_BURST": 200.0,
    # Retries of the outbox: exponential back-off from BASE, at most MAX between attempts,
    # given up (state "failed") after GIVE_UP seconds.
    "WASL_EXCHANGE_BACKOFF_BASE_SECONDS": 2.0,
    "WASL_EXCHANGE_BACKOFF_MAX_SECONDS": 600.0,
    "WASL_EXCHANGE_GIVE_UP_SECONDS": 30 * 86400,
    # A claimed outbox row comes back to the queue after this long if its worker died.
    "WASL_EXCHANGE_LEASE_SECONDS": 120.0,
    "WASL_EXCHANGE_HTTP_TIMEOUT_SECONDS": 30.0,
    # How many messages the worker claims in one pass and sends in one HTTP request. The
    # receiver takes a batch one message after the other, so a batch bounds the latency of
    # the letters that wait behind it: 50 at ~250 letters/s is 0.2 s.
    "WASL_EXCHANGE_BATCH_SIZE": 50,
    # The receiver writes the letters of a batch this many per database transaction (each
    # in a savepoint of its own): fewer commits, and a receiver that dies mid-batch keeps
    # the groups it committed.
    "WASL_EXCHANGE_RECEIVE_GROUP": 10,
    # The secret the private keys are sealed with; empty means SECRET_KEY.
    "WASL_EXCHANGE_KEY_SECRET": "",
}


def get(name: str) -> Any:
    return env_settings.read(name, DEFAULTS[name])
