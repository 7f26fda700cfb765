"""The 429 answer is worded in one place (wasl.core.errors.TooManyAttempts): the public
inquiry's limiter and the API's answer to any other 429 say the same, and the words are
written nowhere else in the code, so the two cannot drift apart again."""

from __future__ import annotations

import json
from pathlib import Path

import wasl
from wasl.core.errors import TooManyAttempts
from wasl.inquiry.throttle import Throttled
from wasl.web.middleware import MESSAGES, json_error

from .report import record

SOURCE = Path(wasl.__file__).parent


def test_the_429_wording_is_declared_once():
    written = {
        text: [
            str(path.relative_to(SOURCE))
            for path in sorted(SOURCE.rglob("*.py"))
            if text in path.read_text(encoding="utf-8")
        ]
        for text in (TooManyAttempts.message_ar, TooManyAttempts.message_en)
    }
    assert written == {text: ["core/errors.py"] for text in written}

    limiter = Throttled(retry_after=30).as_dict()
    generic = json.loads(json_error(429, *MESSAGES[429]).content)
    record("429 worded once", attempts=2)
    assert limiter == generic == TooManyAttempts().as_dict()
    assert Throttled(retry_after=30).status == 429
