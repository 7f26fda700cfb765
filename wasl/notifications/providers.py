"""SMS providers behind one interface: `send` hands one message over and says what the
provider answered; its delivery receipts come later to the receipt endpoint (`receipts`).

Which provider: `WASL_SMS_PROVIDER` (`conf`). A new provider is a class with `name` and
`send`, added to `PROVIDERS`.
"""

from __future__ import annotations

import http.client
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from . import conf

logger = logging.getLogger("wasl.notifications")


@dataclass(frozen=True)
class Outgoing:
    """One SMS as the provider gets it."""

    id: str  # ours (the notification's public id): a provider may de-duplicate by it
    to: str  # E.164
    body: str
    encoding: str
    parts: int


@dataclass(frozen=True)
class Accepted:
    """Taken by the provider; `delivered` when it says so at once (no receipt to wait for)."""

    provider_ref: str
    delivered: bool = False


@dataclass(frozen=True)
class Refused:
    """Not taken. `temporary`: worth trying again (throttled, unavailable, unreachable),
    after `retry_after` seconds if the provider said; otherwise never (a bad number)."""

    reason: str
    temporary: bool
    retry_after: float | None = None


class SmsProvider(Protocol):
    name: str

    def send(self, message: Outgoing) -> Accepted | Refused: ...


class LogProvider:
    """Writes each message to the log and counts it delivered: a node with no SMS account
    still runs, and says in its log what it would have sent."""

    name = "log"

    def send(self, message: Outgoing) -> Accepted | Refused:
        logger.info("sms to %s (%s parts): %s", message.to, message.parts, message.body)
        return Accepted(provider_ref=f"log-{uuid.uuid4()}", delivered=True)


class HttpProvider:
    """A provider with a JSON API: POST {url}/messages with the message and the address of
    our receipt endpoint; 2xx with {"id": …} is accepted, 429 and 5xx are temporary (with
    Retry-After), other 4xx permanent. The fake provider (`fakesms`) speaks it."""

    name = "http"

    def __init__(self, url: str, api_key: str, sender: str, callback_url: str, timeout: float):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"WASL_SMS_URL is not an http(s) address: {url!r}")
        self.parts = parts
        self.api_key = api_key
        self.sender = sender
        self.callback_url = callback_url
        self.timeout = timeout

    def send(self, message: Outgoing) -> Accepted | Refused:
        body = json.dumps(
            {
                "client_ref": message.id,
                "to": message.to,
                "from": self.sender,
                "text": message.body,
                "encoding": message.encoding,
                "parts": message.parts,
                "callback_url": self.callback_url,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        connection_class = (
            http.client.HTTPSConnection
            if self.parts.scheme == "https"
            else http.client.HTTPConnection
        )
        conn = connection_class(self.parts.hostname, self.parts.port, timeout=self.timeout)
        try:
            conn.request(
                "POST",
                self.parts.path.rstrip("/") + "/messages",
                body=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Authorization": f"Bearer {self.api_key}",
                },
            )
            response = conn.getresponse()
            raw = response.read(64 * 1024)
            status = response.status
            retry_after = _seconds(response.getheader("Retry-After"))
        except (OSError, http.client.HTTPException) as error:
            return Refused(f"unreachable: {type(error).__name__}", temporary=True)
        finally:
            conn.close()
        if 200 <= status < 300:
            try:
                ref = str(json.loads(raw)["id"])[:100]
            except (ValueError, KeyError, TypeError):
                return Refused(f"unreadable answer ({status})", temporary=True)
            return Accepted(provider_ref=ref)
        reason = f"HTTP {status}: {_error_text(raw)}"
        if status == 429 or status >= 500:
            return Refused(reason, temporary=True, retry_after=retry_after)
        return Refused(reason, temporary=False)


def _seconds(header: str | None) -> float | None:
    try:
        value = float(header) if header else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 86400 else None


def _error_text(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        return str(data.get("error", ""))[:200] if isinstance(data, dict) else ""
    except ValueError:
        return raw[:100].decode("utf-8", "replace")


def sms_provider() -> SmsProvider:
    """The provider `WASL_SMS_PROVIDER` names, configured from the environment."""
    name = conf.get("WASL_SMS_PROVIDER")
    if name == "log":
        return LogProvider()
    if name == "http":
        return HttpProvider(
            url=conf.get("WASL_SMS_URL"),
            api_key=conf.get("WASL_SMS_API_KEY"),
            sender=conf.get("WASL_SMS_SENDER"),
            callback_url=conf.get("WASL_SMS_CALLBACK_URL"),
            timeout=conf.get("WASL_SMS_HTTP_TIMEOUT_SECONDS"),
        )
    raise ValueError(f"WASL_SMS_PROVIDER: no provider called {name!r} (log, http)")
