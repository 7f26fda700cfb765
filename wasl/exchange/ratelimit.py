"""A token bucket per sender, in the memory of each receiving process.

Known members each get a bucket; everything that cannot be tied to a known member (an
unknown sender, a message that does not parse, a stray receipt) shares one slower bucket, so
a flood of made-up senders or garbage can neither grow memory nor fill the message log with
refusals, nor crowd out real members. With
several server processes the effective limit is per process (documented in
docs/exchange.md); the sender's worker backs off on `rate_limited`, so nothing is lost.
"""

from __future__ import annotations

import threading
import time

from . import conf

UNKNOWN = "?"
_buckets: dict[str, tuple[float, float]] = {}  # sender -> (tokens, last refill time)
_last_logged: dict[str, float] = {}
_lock = threading.Lock()


def take(sender: str) -> float:
    """Take one token for `sender`; 0.0 when allowed, else the seconds to wait."""
    prefix = "WASL_EXCHANGE_UNKNOWN_RATE" if sender == UNKNOWN else "WASL_EXCHANGE_RATE"
    rate = max(float(conf.get(prefix + "_PER_SECOND")), 0.001)
    burst = max(float(conf.get(prefix + "_BURST")), 1.0)
    now = time.monotonic()
    with _lock:
        tokens, last = _buckets.get(sender, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens >= 1.0:
            _buckets[sender] = (tokens - 1.0, now)
            return 0.0
        _buckets[sender] = (tokens, now)
        return (1.0 - tokens) / rate


def should_log(sender: str, every: float = 10.0) -> bool:
    """Refusals for the rate are logged at most once per sender every `every` seconds."""
    now = time.monotonic()
    with _lock:
        if sender not in _buckets:
            sender = UNKNOWN  # one entry for every name never given a bucket
        if now - _last_logged.get(sender, -every) < every:
            return False
        _last_logged[sender] = now
        return True


def reset() -> None:
    with _lock:
        _buckets.clear()
        _last_logged.clear()
