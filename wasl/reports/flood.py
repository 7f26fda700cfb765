"""Flood limits for posting reports (بلاغات متكررة): per address on the API, per API key on
Open311, per person with a bearer token. Every post counts, refused or not, in windows of
`conf.flood_limits()` seconds; over the limit the client is refused with 429 and Retry-After
until the window ends. The counters live in the database, so every process shares them; keys
are HMAC-SHA256 digests (with the SECRET_KEY), so no address is stored (`wasl.directory.counters`)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction as db
from django.http import HttpResponse

from wasl.core.errors import TooManyAttempts
from wasl.directory import counters

from . import conf
from .models import FloodCounter


class Flooded(TooManyAttempts):
    code = "too_many_reports"
    message_ar = "أُرسل من هذا المصدر عدد كبير من البلاغات في وقت قصير؛ أعد المحاولة لاحقاً."
    message_en = "Too many reports were sent from here in a short time; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def _key(kind: str, value: str) -> str:
    return counters.digest(f"report-flood:{kind}:{value}")


def check(kind: str, value: str, *, now: float | None = None) -> None:
    """Count one post by the client `value` of `kind` ("address", "key" or "person"); raise
    Flooded when it is over its limit in the current window."""
    window, per_address, per_key = conf.flood_limits()
    limit = per_address if kind == "address" else per_key
    moment = time.time() if now is None else now
    period = int(moment // window)
    with db.atomic():
        count = counters.bump(FloodCounter, _key(kind, value), period)
        if count == 1 and period % 7 == 0:
            counters.forget_before(FloodCounter, period - 1)  # now and then, forget
    if count > limit:
        raise Flooded(max(1, math.ceil((period + 1) * window - moment)))


def address_of(request: Any) -> str:
    """The client's address (behind a proxy, the proxy must set REMOTE_ADDR, as for the
    public inquiry)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def refused(error: Flooded) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error.as_dict(), ensure_ascii=False),
        status=429,
        content_type="application/json; charset=utf-8",
    )
    response["Retry-After"] = str(error.retry_after)
    return response


def api_posts(view: Callable[..., Any], *, person_of: Callable[[Any], Any]) -> Callable[..., Any]:
    """A ninja operation's wrapper (`decorate_view`): a POST counts against its bearer token's
    person if there is one, else against its address, before its body is read."""

    @wraps(view)
    def run(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            person = person_of(request)
            try:
                if person is not None:
                    check("person", str(person.pk))
                else:
                    check("address", address_of(request))
            except Flooded as error:
                return refused(error)
        return view(request, *args, **kwargs)

    return run
