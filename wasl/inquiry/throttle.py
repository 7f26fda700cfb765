"""A small limiter for the public inquiry, kept in the database so that every process and
every kiosk behind one server share it.

It throttles whoever enumerates, never the owner: every attempt counts against its client (the
address the request came from), and a client's FAILED attempts about one reference count
against that client and that reference. Either over its limit in the current window refuses
the client's next attempt (about that reference, for the second). Nobody else's attempts count
against the owner: someone hammering a reference from another address does not stop its owner,
who asks with the right ID number, from getting the answer. Keys are HMAC-SHA256 digests (with
the SECRET_KEY), so neither addresses nor references are stored (`wasl.directory.counters`).

Settings, from the environment (wasl/settings.py): `WASL_INQUIRY_THROTTLE_WINDOW` seconds
(default 600), `WASL_INQUIRY_THROTTLE_PER_CLIENT` attempts (default 30) and
`WASL_INQUIRY_THROTTLE_PER_REFERENCE` failed attempts about one reference (default 10) per
client per window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction as db

from wasl.core.errors import TooManyAttempts
from wasl.directory import counters

from .models import AttemptCounter

DEFAULT_WINDOW = 600
DEFAULT_PER_CLIENT = 30
DEFAULT_PER_REFERENCE = 10


class Throttled(TooManyAttempts):
    """Too many attempts (429), with how long to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    window: int
    per_client: int
    per_reference: int


def limits() -> Limits:
    return Limits(
        window=max(1, int(getattr(settings, "WASL_INQUIRY_THROTTLE_WINDOW", DEFAULT_WINDOW))),
        per_client=int(getattr(settings, "WASL_INQUIRY_THROTTLE_PER_CLIENT", DEFAULT_PER_CLIENT)),
        per_reference=int(
            getattr(settings, "WASL_INQUIRY_THROTTLE_PER_REFERENCE", DEFAULT_PER_REFERENCE)
        ),
    )


def _key(kind: str, value: str) -> str:
    return counters.digest(f"{kind}:{value}")


def _bump(key: str, window: int) -> int:
    return counters.bump(AttemptCounter, key, window)


def _count(key: str, window: int) -> int:
    count = (
        AttemptCounter.objects.filter(key=key, period=window)
        .values_list("count", flat=True)
        .first()
    )
    return int(count or 0)


def _failures_key(client: str, reference: str) -> str:
    return _key("failed", f"{client}\x00{reference}")


def check(client: str, reference: str, *, now: float | None = None) -> None:
    """Count one attempt of `client` about `reference`; raise Throttled when the client has
    used up its attempts in the current window, or its failed attempts about `reference`.
    Refused attempts count too (against the client)."""
    config = limits()
    moment = time.time() if now is None else now
    window = int(moment // config.window)
    with db.atomic():
        by_client = _bump(_key("client", client), window)
        failures = _count(_failures_key(client, reference), window) if reference else 0
        if window % 7 == 0 and by_client == 1:
            # Now and then, forget windows that are over.
            counters.forget_before(AttemptCounter, window - 1)
    if by_client > config.per_client or failures >= config.per_reference:
        retry = math.ceil((window + 1) * config.window - moment)
        raise Throttled(max(1, retry))


def failed(client: str, reference: str, *, now: float | None = None) -> None:
    """Count a failed attempt (a wrong pair, a missing reference) of `client` about
    `reference`."""
    config = limits()
    moment = time.time() if now is None else now
    if reference:
        with db.atomic():
            _bump(_failures_key(client, reference), int(moment // config.window))
