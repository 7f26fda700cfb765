"""A fake SMS provider, run as its own HTTP process on loopback, for the demo and the tests.

    python -m wasl.notifications.fakesms [--port 8025] [--delay 0.5] [--rate 50]

It speaks the protocol of `providers.HttpProvider` and behaves as a real provider may:
- POST /messages {client_ref, to, from, text, encoding, parts, callback_url}: takes the message
  (201 {"id": …}), throttles (429 with Retry-After) when more than `--rate` arrive in a second,
  or does what the script for that number says next (below);
- after `--delay` seconds, posts a delivery receipt to the message's `callback_url`, signed with
  the shared secret (`--secret` or WASL_SMS_RECEIPT_SECRET): `X-Wasl-Signature: sha256=<hex
  HMAC-SHA256 of the body>`; a receipt that cannot be posted is tried again a few times;
- GET /messages: everything it received, newest first, with what it did (the demo page);
- POST /control/script {"to": "+9665…", "outcomes": [...]}: what the next messages to that
  number meet, in turn (then "deliver" again): "deliver", "throttle" (429), "error" (503),
  "reject" (400, a number that does not exist), "phone_off" (taken, then a temporary-failure
  receipt), "undeliverable" (taken, then a permanent-failure receipt), "deliver_twice" (the
  delivered receipt is posted twice), "silent" (taken, no receipt);
- POST /control/reset forgets everything; GET /health answers "ok".

Standard library only: it needs no database and no Django, and stops on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

OUTCOMES = {
    "deliver",
    "throttle",
    "error",
    "reject",
    "phone_off",
    "undeliverable",
    "deliver_twice",
    "silent",
}
RECEIPT_STATUS = {
    "deliver": "delivered",
    "deliver_twice": "delivered",
    "phone_off": "temporary_failure",
    "undeliverable": "permanent_failure",
}
MAX_BODY = 64 * 1024
KEEP = 1000  # messages remembered for GET /messages
CALLBACK_TRIES = 10  # over about half a minute: a receiver that is restarting gets its receipts


class Provider:
    """The provider's state, shared by the request threads."""

    def __init__(self, delay: float, rate: float, secret: str, retry_after: int) -> None:
        self.delay = delay
        self.rate = rate
        self.secret = secret
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.messages: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self.scripts: dict[str, deque[str]] = {}
        self.window: deque[float] = deque()

    def next_outcome(self, to: str) -> str:
        with self.lock:
            now = time.monotonic()
            while self.window and self.window[0] < now - 1:
                self.window.popleft()
            script = self.scripts.get(to)
            if script:
                return script.popleft()
            if self.rate and len(self.window) >= self.rate:
                return "throttle"
            self.window.append(now)
            return "deliver"

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.messages.appendleft(entry)

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self.messages]

    def receipt_later(self, entry: dict[str, Any], status: str, times: int) -> None:
        def run() -> None:
            time.sleep(self.delay)
            body = json.dumps(
                {
                    "receipt_id": f"r-{entry['id']}",
                    "message_id": entry["id"],
                    "client_ref": entry["client_ref"],
                    "status": status,
                    "detail": {
                        "delivered": "",
                        "temporary_failure": "phone switched off",
                        "permanent_failure": "number not in service",
                    }[status],
                    "at": datetime.now(UTC).isoformat(),
                }
            ).encode()
            for _ in range(times):
                entry["receipts"].append(post_receipt(entry["callback_url"], body, self.secret))

        threading.Thread(target=run, daemon=True).start()


def post_receipt(url: str, body: bytes, secret: str) -> str:
    """Post one receipt, trying again a few times; returns what came of it."""
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if urlsplit(url).scheme not in {"http", "https"}:
        return "no callback"
    result = ""
    for attempt in range(CALLBACK_TRIES):
        request = urllib.request.Request(  # noqa: S310 — http(s) only, checked above
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Wasl-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return f"{answer.status}"
        except urllib.error.HTTPError as error:
            result = f"{error.code}"
            if error.code < 500:
                return result
        except OSError as error:
            result = type(error).__name__
        time.sleep(min(0.2 * 2**attempt, 5.0))
    return result


def make_handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "fake-sms/1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def answer(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def read_json(self) -> Any:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                return None
            if not 0 < length <= MAX_BODY:
                return None
            try:
                return json.loads(self.rfile.read(length))
            except ValueError:
                return None

        def do_GET(self) -> None:
            if self.path == "/health":
                self.answer(200, "ok")
            elif self.path == "/messages":
                self.answer(200, provider.listing())
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            data = self.read_json()
            if not isinstance(data, dict):
                self.answer(400, {"error": "a JSON object is expected"})
            elif self.path == "/messages":
                self.take(data)
            elif self.path == "/control/script":
                outcomes = data.get("outcomes")
                if not isinstance(outcomes, list) or not set(outcomes) <= OUTCOMES:
                    self.answer(400, {"error": f"outcomes among {sorted(OUTCOMES)}"})
                    return
                with provider.lock:
                    provider.scripts.setdefault(str(data.get("to")), deque()).extend(outcomes)
                self.answer(200, {"scripted": len(outcomes)})
            elif self.path == "/control/reset":
                with provider.lock:
                    provider.messages.clear()
                    provider.scripts.clear()
                self.answer(200, {"reset": True})
            else:
                self.answer(404, {"error": "not found"})

        def take(self, data: dict[str, Any]) -> None:
            to, text = data.get("to"), data.get("text")
            if not isinstance(to, str) or not to.startswith("+") or not isinstance(text, str):
                self.answer(400, {"error": "to and text are required"})
                return
            outcome = provider.next_outcome(to)
            entry: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "client_ref": str(data.get("client_ref", "")),
                "to": to,
                "from": str(data.get("from", "")),
                "text": text,
                "encoding": str(data.get("encoding", "")),
                "parts": data.get("parts"),
                "callback_url": str(data.get("callback_url", "")),
                "received_at": datetime.now(UTC).isoformat(),
                "outcome": outcome,
                "receipts": [],
            }
            provider.record(entry)
            if outcome == "throttle":
                retry = str(provider.retry_after)
                self.answer(429, {"error": "throttled"}, {"Retry-After": retry})
            elif outcome == "error":
                self.answer(503, {"error": "temporarily unavailable"})
            elif outcome == "reject":
                self.answer(400, {"error": "number not in service"})
            else:
                self.answer(201, {"id": entry["id"]})
                if outcome in RECEIPT_STATUS:
                    times = 2 if outcome == "deliver_twice" else 1
                    provider.receipt_later(entry, RECEIPT_STATUS[outcome], times)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake SMS provider on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8025")))
    parser.add_argument("--delay", type=float, default=0.5, help="seconds before a receipt")
    parser.add_argument("--rate", type=float, default=50, help="messages a second, then 429")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After of a 429")
    parser.add_argument("--secret", default=os.environ.get("WASL_SMS_RECEIPT_SECRET", ""))
    args = parser.parse_args(argv)
    provider = Provider(args.delay, args.rate, args.secret, args.retry_after)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(provider))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    host, port = server.server_address[:2]
    print(f"fake-sms listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
