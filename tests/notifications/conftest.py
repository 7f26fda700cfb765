from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, make_transaction
from wasl.registry import services as registry

PHONE = "+966501234567"


def citizen(phone: str = "0501234567") -> registry.Party:
    return registry.Party(
        type="citizen", name="محمد بن علي الحربي", id_number="1058529940", phone=phone
    )


def make_visitor_transaction(cast: Cast, **overrides: Any) -> Any:
    return make_transaction(cast, party=citizen(), **overrides)


SECRET = "receipts-secret-for-tests"
PYTHON = str(Path(sys.executable))


class FakeSms:
    """The fake provider as a real process on loopback (`python -m wasl.notifications.fakesms`)."""

    def __init__(self, url: str, proc: subprocess.Popen[str]) -> None:
        self.url = url
        self.proc = proc

    def call(self, path: str, data: Any = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(  # noqa: S310 — our own process on loopback
            self.url + path, data=body, method="GET" if body is None else "POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())

    def script(self, to: str, *outcomes: str) -> None:
        self.call("/control/script", {"to": to, "outcomes": list(outcomes)})

    def messages(self) -> list[dict[str, Any]]:
        return list(reversed(self.call("/messages")))  # oldest first


@pytest.fixture
def fake_sms() -> Any:
    proc = subprocess.Popen(  # noqa: S603 — our own module
        [
            PYTHON,
            "-m",
            "wasl.notifications.fakesms",
            "--port",
            "0",
            "--delay",
            "0.05",
            "--retry-after",
            "0",
            "--secret",
            SECRET,
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("fake-sms listening on "), line
        yield FakeSms(line.split()[-1], proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def wait_for(check: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (a liveness deadline, not a timing)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
