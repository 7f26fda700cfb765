"""The node-to-node endpoints at /exchange/v1/: plain JSON, no session, no CSRF token —
authenticity comes from the Ed25519 signatures inside, checked by `receiving`.

Every answer is JSON; an error is `{"code", "message_ar", "message_en", "retryable"}` with a
status that says what happened (400 shape, 403 authenticity, 404 addressing, 409 order and
conflicts, 413 size, 429 rate, 503 try later). Bodies over the limit are refused before they
are read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import conf, envelope, members, receiving
from .errors import ExchangeError
from .receipts import accept as accept_receipt

logger = logging.getLogger("wasl.exchange")

View = Callable[..., HttpResponse]


def _json(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body.encode("utf-8"), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def _error(error: ExchangeError) -> HttpResponse:
    body = error.as_dict()
    if error.retry_after is not None:
        body["retry_after"] = round(error.retry_after, 3)
    response = _json(body, error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(max(1, int(error.retry_after + 0.999)))
    return response


def endpoint(*methods: str) -> Callable[[View], View]:
    """CSRF-exempt, method-checked, and never an HTML error page or an unexplained 500."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _json(
                    {
                        "code": "method_not_allowed",
                        "message_ar": "طريقة الطلب غير مسموحة.",
                        "message_en": f"Use {' or '.join(methods)}.",
                        "retryable": False,
                    },
                    405,
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ExchangeError as error:
                return _error(error)
            except DatabaseError:
                logger.exception("exchange: database error in %s", view.__name__)
                return _error(ExchangeError("internal_error", "database busy or unavailable"))
            except Exception:
                logger.exception("exchange: unexpected error in %s", view.__name__)
                return _error(ExchangeError("internal_error"))

        return run

    return wrap


def _read_body(request: HttpRequest, limit: int, code: str) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ExchangeError(code, f"{declared} bytes, at most {limit}")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ExchangeError(code, f"at most {limit} bytes")
    return raw


def _accepted(outcome: receiving.Accepted) -> str:
    # The receipt is already canonical JSON: splice it in rather than parse it again.
    head = json.dumps({"message_id": outcome.message_id, "outcome": outcome.outcome})
    return head[:-1] + ',"receipt":' + outcome.receipt + "}"


@endpoint("POST")
def envelopes(request: HttpRequest) -> HttpResponse:
    """One signed envelope; answers its signed receipt."""
    raw = _read_body(request, conf.get("WASL_EXCHANGE_MAX_ENVELOPE_BYTES"), "envelope_too_large")
    outcome = receiving.accept(raw)
    return HttpResponse(
        _accepted(outcome).encode("utf-8"), content_type="application/json", status=200
    )


@endpoint("POST")
def batch(request: HttpRequest) -> HttpResponse:
    """Several signed envelopes, each a JSON string in `messages`; one result each, in order.

    Each envelope is received on its own (a savepoint of its own in a group's database
    transaction: `receiving.accept_many`), so a refusal of one never holds back the others."""
    raw = _read_body(request, conf.get("WASL_EXCHANGE_MAX_BATCH_BYTES"), "batch_too_large")
    try:
        data = envelope.loads(raw)
    except envelope.EnvelopeError as error:
        raise ExchangeError(error.code, error.detail) from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or set(data) != {"messages"}:
        raise ExchangeError("missing_field", "messages: a list of signed envelopes")
    if len(messages) > conf.get("WASL_EXCHANGE_MAX_BATCH_ITEMS"):
        raise ExchangeError("batch_too_large", f"{len(messages)} messages")
    limit = conf.get("WASL_EXCHANGE_MAX_ENVELOPE_BYTES")
    answers: list[receiving.Accepted | ExchangeError | None] = [None] * len(messages)
    ids: list[str | None] = [None] * len(messages)
    wanted: list[int] = []
    for index, item in enumerate(messages):
        if not isinstance(item, str):
            answers[index] = ExchangeError("invalid_field", "each message is a JSON string")
            continue
        ids[index] = _peek_id(item)
        if len(item.encode("utf-8")) > limit:
            answers[index] = ExchangeError("envelope_too_large", f"at most {limit} bytes")
            continue
        wanted.append(index)
    # Each envelope's database errors are answered in its own result (`accept_many`).
    received = receiving.accept_many([messages[i].encode("utf-8") for i in wanted])
    for index, answer in zip(wanted, received, strict=True):
        answers[index] = answer
    parts = []
    for message_id, answer in zip(ids, answers, strict=True):
        if isinstance(answer, receiving.Accepted):
            parts.append(_accepted(answer))
            continue
        assert isinstance(answer, ExchangeError)
        error = answer.as_dict()
        if answer.retry_after is not None:
            error["retry_after"] = round(answer.retry_after, 3)
        parts.append(json.dumps({"message_id": message_id, "error": error}, ensure_ascii=False))
    body = '{"results":[' + ",".join(parts) + "]}"
    return HttpResponse(body.encode("utf-8"), content_type="application/json", status=200)


def _peek_id(text: str) -> str | None:
    start = text.find('"message_id":"')
    if start < 0:
        return None
    value = text[start + 14 : start + 50]
    return value if envelope.UUID_RE.match(value) else None


@endpoint("POST")
def receipts(request: HttpRequest) -> HttpResponse:
    """A signed receipt sent on its own, for a message of our outbox."""
    raw = _read_body(request, 64 * 1024, "envelope_too_large")
    outcome = accept_receipt(raw)
    return _json({"outcome": outcome})


@endpoint("POST")
def attachment(request: HttpRequest, sha256: str) -> HttpResponse:
    """An attachment's file, sent ahead of the letter that announces its hash."""
    from django.conf import settings

    limit = int(settings.WASL_ATTACHMENT_MAX_BYTES)
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > limit:
        raise ExchangeError("envelope_too_large", f"{size} bytes, at most {limit}")
    headers = request.headers
    stored = receiving.store_blob(
        sha256=sha256,
        sender_code=headers.get("X-Wasl-Sender", "")[:20],
        receiver_code=headers.get("X-Wasl-Receiver", "")[:20],
        key_id=headers.get("X-Wasl-Key", "")[:40],
        at=headers.get("X-Wasl-Time", "")[:40],
        signature_b64=headers.get("X-Wasl-Signature", "")[:200],
        stream=request,  # type: ignore[arg-type]
        size=size,
    )
    return _json({"sha256": sha256, "stored": stored})


@endpoint("GET")
def directory(request: HttpRequest) -> HttpResponse:
    """This node's members and their public keys (what peers import)."""
    return _json(members.export_descriptor())


@endpoint("GET")
def health(request: HttpRequest) -> HttpResponse:
    node = members.self_node()
    return _json({"node": node.code if node else None, "time": envelope.timestamp(timezone.now())})


@endpoint("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _json(
        {
            "code": "no_such_endpoint",
            "message_ar": "لا توجد خدمة بهذا العنوان.",
            "message_en": "No such endpoint.",
            "retryable": False,
        },
        404,
    )
