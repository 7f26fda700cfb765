"""Moving the outbox: claim the messages that are due, deliver them — in-process to entities
hosted on this node, in one HTTP request per batch to another node — and settle each with
its receipt, or with a later attempt (exponential back-off), or as failed. Run by the task
`tasks.deliver_outbox`.

At-least-once delivery with exactly-once effect: a message stays in the outbox until a
receipt that verifies comes back; the receiver's de-duplication by message id answers a
repeat with the original receipt. A worker that dies leaves its claimed messages to come due
again when their lease ends.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction as db
from django.db.models import F
from django.utils import timezone

from wasl.audit import services as audit
from wasl.registry import attachments as registry_files

from . import conf, envelope, keys, receipts, receiving
from .errors import CODES, ExchangeError
from .models import DeliveryState, Node, OutgoingMessage

logger = logging.getLogger("wasl.exchange")
BATCH_PATH = "/exchange/v1/batch"


@dataclass
class Result:
    row: OutgoingMessage
    receipt: Any = None
    code: str = ""
    message: str = ""
    retryable: bool = True
    retry_after: float | None = None
    missing: list[str] = field(default_factory=list)


@dataclass
class Counts:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    retry_at: datetime | None = None  # when every message to retry is due again

    def add(self, other: Counts) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        if other.retry_at is not None:
            self.retry_at = max(self.retry_at or other.retry_at, other.retry_at)


# ---------------------------------------------------------------------------------------------
# Claiming


def claim(limit: int, ids: list[int] | None = None) -> list[OutgoingMessage]:
    """Take up to `limit` due messages (or those of `ids` that are due) for one attempt: each
    gets a lease (its next attempt moves past the lease) and its attempt is counted, so a
    crash never loses a message and two workers never send the same one at once."""
    now = timezone.now()
    lease = now + timedelta(
        seconds=conf.get("WASL_EXCHANGE_LEASE_SECONDS"),
        microseconds=random.randrange(1000),  # noqa: S311 — spread, not a secret
    )
    due = OutgoingMessage.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
    wanted = due.filter(pk__in=ids) if ids is not None else due
    # Looked up before the write transaction: a run that finds nothing due takes no write
    # lock. The UPDATE checks again that each row is still due, so a row another worker
    # claimed meanwhile (its next attempt moved to that worker's lease) is skipped.
    picked = list(wanted.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    if not picked:
        return []
    with db.atomic():
        due.filter(pk__in=picked).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    # Read after the commit, so the write lock is held for the UPDATE alone: the rows whose
    # next attempt is this lease are this claim's until the lease ends.
    return list(
        OutgoingMessage.objects.select_related("sender", "receiver__node")
        .filter(pk__in=picked, next_attempt_at=lease)
        .order_by("id")
    )


# ---------------------------------------------------------------------------------------------
# Delivering


def deliver_due(limit: int | None = None, transport: Transport | None = None) -> Counts:
    """One pass: claim what is due and deliver it."""
    claimed = claim(limit or int(conf.get("WASL_EXCHANGE_BATCH_SIZE")))
    return deliver(claimed, transport or default_transport())


def deliver(claimed: list[OutgoingMessage], transport: Transport) -> Counts:
    local, remote = _split(claimed)
    counts = Counts(claimed=len(claimed))
    if local:
        counts.add(settle(_deliver_local(local)))
    if remote:
        counts.add(finish(_post_all(remote, transport), transport))
    return counts


def _split(claimed: list[OutgoingMessage]) -> tuple[list[OutgoingMessage], list[OutgoingMessage]]:
    """(to entities hosted here, to other nodes)"""
    local = [r for r in claimed if r.receiver.node.is_self]
    return local, [r for r in claimed if not r.receiver.node.is_self]


def _deliver_local(claimed: list[OutgoingMessage]) -> list[Result]:
    """Hand these envelopes to the receiving side of this node, as a batch from another
    node is received (`receiving.accept_many`): the same checks, receipts and logs."""
    try:
        received = receiving.accept_many([row.envelope.encode("utf-8") for row in claimed])
    except Exception as error:
        # Whatever was committed before the failure answers "duplicate" when retried.
        logger.exception("exchange: in-process delivery of %s messages failed", len(claimed))
        return [Result(row, code="internal_error", message=type(error).__name__) for row in claimed]
    results = []
    for row, outcome in zip(claimed, received, strict=True):
        if isinstance(outcome, ExchangeError):
            results.append(
                Result(
                    row,
                    code=outcome.code,
                    message=outcome.message_en,
                    retryable=outcome.retryable,
                    retry_after=outcome.retry_after,
                )
            )
        else:
            results.append(Result(row, receipt=outcome.receipt))
    return results


def _chunks(items: list[OutgoingMessage]) -> list[list[OutgoingMessage]]:
    size_limit = int(conf.get("WASL_EXCHANGE_MAX_BATCH_BYTES")) * 9 // 10
    count_limit = min(
        int(conf.get("WASL_EXCHANGE_BATCH_SIZE")), int(conf.get("WASL_EXCHANGE_MAX_BATCH_ITEMS"))
    )
    chunks: list[list[OutgoingMessage]] = [[]]
    size = 0
    for row in items:
        length = len(row.envelope.encode("utf-8")) + 16
        if chunks[-1] and (len(chunks[-1]) >= count_limit or size + length > size_limit):
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += length
    return chunks


def _post_all(rows_to_send: list[OutgoingMessage], transport: Transport) -> list[Result]:
    """Post messages to their nodes in batches: HTTP only, no database."""
    results: list[Result] = []
    for of_node in _by_node(rows_to_send).values():
        for chunk in _chunks(of_node):
            results.extend(_post_batch(of_node[0].receiver.node, chunk, transport))
    return results


def _by_node(rows_to_send: list[OutgoingMessage]) -> dict[int, list[OutgoingMessage]]:
    by_node: dict[int, list[OutgoingMessage]] = defaultdict(list)
    for row in rows_to_send:
        by_node[row.receiver.node_id].append(row)
    return by_node


def finish(results: list[Result], transport: Transport) -> Counts:
    """After posting: upload the files receivers said they lack and post those messages
    again, then settle every result."""
    missing = [r for r in results if r.code == "attachments_missing" and r.missing]
    if missing:
        again: dict[int, Result] = {}
        uploaded = [r.row for r in missing if _upload(r.row.receiver.node, r, transport)]
        for of_node in _by_node(uploaded).values():
            for result in _post_batch(of_node[0].receiver.node, of_node, transport):
                again[result.row.pk] = result
        results = [again.get(r.row.pk, r) for r in results]
    return settle(results)


def _post_batch(node: Node, batch: list[OutgoingMessage], transport: Transport) -> list[Result]:
    body = json.dumps({"messages": [row.envelope for row in batch]}, ensure_ascii=False)
    try:
        status, headers, payload = transport.post(
            node.base_url, BATCH_PATH, body.encode("utf-8"), {"Content-Type": "application/json"}
        )
    except OSError as error:
        return [Result(r, code="unreachable", message=str(error)[:200]) for r in batch]
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        code, text, retryable, wait = "bad_response", f"HTTP {status}", True, None
        if isinstance(answer, dict) and answer.get("code") in CODES:
            code, text = answer["code"], str(answer.get("message_en", ""))[:200]
            retryable = bool(answer.get("retryable", True))
            wait = _seconds(headers.get("retry-after"))
        return [
            Result(r, code=code, message=text, retryable=retryable, retry_after=wait) for r in batch
        ]
    items = answer["results"]
    results = []
    for index, row in enumerate(batch):
        item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
        if item.get("message_id") != str(row.message_id):
            results.append(Result(row, code="bad_response", message="results out of step"))
        elif "receipt" in item:
            results.append(Result(row, receipt=item["receipt"]))
        else:
            error = item.get("error") if isinstance(item.get("error"), dict) else {}
            code = error.get("code") if error.get("code") in CODES else "bad_response"
            missing = error.get("missing") if isinstance(error.get("missing"), list) else []
            results.append(
                Result(
                    row,
                    code=code,
                    message=str(error.get("message_en", ""))[:200],
                    retryable=bool(error.get("retryable", True)),
                    retry_after=_seconds(error.get("retry_after")),
                    missing=[m for m in missing if isinstance(m, str)][:50],
                )
            )
    return results


def _seconds(value: object) -> float | None:
    try:
        return max(0.0, min(float(str(value)), 3600.0)) if value is not None else None
    except ValueError:
        return None


def _upload(node: Node, result: Result, transport: Transport) -> bool:
    """Send the files a receiver said it lacks, each upload signed by the sender."""
    row = result.row
    letter = envelope.loads(row.envelope)["envelope"]["letter"]
    announced = {a["sha256"]: a for a in letter["attachments"]}
    signer = keys.signer_for(row.sender_id, row.sender.code)
    for sha in result.missing:
        if sha not in announced:
            return False
        path = registry_files.blob_path(sha)
        if not path.exists():
            logger.error("exchange: attachment file %s of %s is missing here", sha, row.message_id)
            return False
        data = path.read_bytes()
        at = envelope.timestamp(timezone.now())
        statement = envelope.blob_statement(sha, len(data), row.sender.code, row.receiver.code, at)
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Wasl-Sender": row.sender.code,
            "X-Wasl-Receiver": row.receiver.code,
            "X-Wasl-Key": signer.key_id,
            "X-Wasl-Time": at,
            "X-Wasl-Signature": envelope.b64encode(signer.private_key.sign(statement)),
        }
        try:
            status, _, _ = transport.post(
                node.base_url, f"/exchange/v1/attachments/{sha}", data, headers
            )
        except OSError:
            return False
        if status != 200:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Settling


def backoff(attempts: int, retry_after: float | None = None) -> float:
    base = float(conf.get("WASL_EXCHANGE_BACKOFF_BASE_SECONDS"))
    ceiling = float(conf.get("WASL_EXCHANGE_BACKOFF_MAX_SECONDS"))
    delay = min(base * (2 ** max(attempts - 1, 0)), ceiling) * random.uniform(0.8, 1.2)  # noqa: S311 — jitter
    if retry_after is not None:
        delay = max(min(retry_after, ceiling), 0.05)
    return delay


def settle(results: list[Result]) -> Counts:
    """Record each result: delivered with a receipt that verifies, or another attempt later,
    or failed (refused for good, or given up) — in one database transaction and a fixed
    number of statements, whatever the number of results.

    What it records: a delivery, its receipt in the sender's message log (`receipts`); a
    failure, an audit record `exchange.message.failed` per sender with each message's old
    and new state and the refusal (the message log has no word for it). Another attempt
    later changes no state (the message stays pending) and records nothing."""
    counts = Counts()
    checked: list[tuple[Result, receipts.Checked | None]] = []
    read: dict[str, keys.PublicKey | None] = {}  # the receivers' keys, read once per batch

    def public_key(key_id: str) -> keys.PublicKey | None:
        if key_id not in read:
            read[key_id] = keys.public_key(key_id)
        return read[key_id]

    for result in results:
        if result.receipt is None:
            checked.append((result, None))
            continue
        try:
            checked.append((result, receipts.check(result.row, result.receipt, public_key)))
        except ExchangeError as error:
            result.code, result.message, result.retryable = error.code, error.message_en, True
            checked.append((result, None))
    if not checked:
        return counts
    now = timezone.now()
    give_up = timedelta(seconds=conf.get("WASL_EXCHANGE_GIVE_UP_SECONDS"))
    with db.atomic():
        good = [(result.row, receipt) for result, receipt in checked if receipt is not None]
        receipts.record_all(good, now)
        counts.delivered += len(good)
        unsettled = [result for result, receipt in checked if receipt is None]
        # Only rows still pending change: a receipt recorded meanwhile (on its own) stays.
        # Locked until the commit, as `receipts.record_all` locks its rows.
        pending = set(
            OutgoingMessage.objects.select_for_update()
            .filter(pk__in=[result.row.pk for result in unsettled], state=DeliveryState.PENDING)
            .values_list("pk", flat=True)
            if unsettled
            else ()
        )
        changed = []
        for result in unsettled:
            row = result.row
            row.last_error_code = result.code[:40]
            row.last_error = result.message[:500]
            if not result.retryable or now - row.created_at > give_up:
                row.state = DeliveryState.FAILED
                counts.failed += 1
                logger.warning(
                    "exchange: message %s to %s failed: %s",
                    row.message_id,
                    row.receiver.code,
                    result.code,
                )
            else:
                row.next_attempt_at = now + timedelta(
                    seconds=backoff(row.attempts, result.retry_after)
                )
                counts.retrying += 1
                counts.retry_at = max(counts.retry_at or row.next_attempt_at, row.next_attempt_at)
            if row.pk in pending:
                changed.append(row)
        OutgoingMessage.objects.bulk_update(
            changed, ["state", "next_attempt_at", "last_error_code", "last_error"]
        )
        _audit_states(
            "exchange.message.failed",
            [(row, DeliveryState.PENDING) for row in changed if row.state == DeliveryState.FAILED],
            now,
        )
    return counts


def _audit_states(action: str, changed: list[tuple[OutgoingMessage, str]], now: datetime) -> None:
    """One audit record per sender's chain for these outbox rows' state changes, inside the
    caller's transaction: each message's [old, new] state and its last error."""
    by_chain: dict[str, dict[str, Any]] = {}
    for row, old in changed:
        by_chain.setdefault(row.sender.code, {})[str(row.message_id)] = {
            "state": [old, row.state],
            "receiver": row.receiver.code,
            "error": row.last_error_code,
        }
    for chain in sorted(by_chain):
        messages = by_chain[chain]
        audit.record(
            action,
            chain=chain,
            object_type="outgoing_message",
            object_id=next(iter(messages)) if len(messages) == 1 else f"{len(messages)} messages",
            actor="wasl-exchange",
            data={"messages": messages, "at": now.isoformat()},
            at=now,
        )


def retry_now(message_ids: list[str] | None = None) -> int:
    """Make pending messages (or failed ones named) due now — e.g. after a node came back.
    Records `exchange.message.retried` (per sender: each message's old and new state) in the
    same database transaction."""
    qs = OutgoingMessage.objects.filter(state=DeliveryState.PENDING)
    if message_ids:
        qs = OutgoingMessage.objects.filter(
            message_id__in=message_ids, state__in=[DeliveryState.PENDING, DeliveryState.FAILED]
        )
    now = timezone.now()
    with db.atomic():
        rows = list(qs.select_for_update(of=("self",)).select_related("sender", "receiver"))
        if not rows:
            return 0
        OutgoingMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=DeliveryState.PENDING, next_attempt_at=now
        )
        old = {row.pk: row.state for row in rows}
        for row in rows:
            row.state = DeliveryState.PENDING
        _audit_states("exchange.message.retried", [(row, old[row.pk]) for row in rows], now)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# HTTP


class Transport:
    """HTTP/1.1 to other nodes, one kept-alive connection per node and thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _connection(self, base_url: str, fresh: bool) -> http.client.HTTPConnection:
        pool: dict[str, http.client.HTTPConnection] = self._local.__dict__.setdefault("pool", {})
        conn = pool.get(base_url)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            parts = urlsplit(base_url)
            timeout = float(conf.get("WASL_EXCHANGE_HTTP_TIMEOUT_SECONDS"))
            cls = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(parts.hostname or "", parts.port, timeout=timeout)
            pool[base_url] = conn
        return conn

    def post(
        self, base_url: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        prefix = urlsplit(base_url).path.rstrip("/")
        for attempt in (0, 1):
            conn = self._connection(base_url, fresh=attempt == 1)
            reused = conn.sock is not None
            try:
                conn.request("POST", prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read(64 * 1024 * 1024)
                answer_headers = {k.lower(): v for k, v in response.getheaders()}
                if answer_headers.get("connection", "").lower() == "close":
                    conn.close()
                return response.status, answer_headers, payload
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt == 1 or not reused:
                    raise OSError(f"cannot reach {base_url}") from None
        raise OSError(f"cannot reach {base_url}")


_transport: Transport | None = None


def default_transport() -> Transport:
    global _transport
    if _transport is None:
        _transport = Transport()
    return _transport


# ---------------------------------------------------------------------------------------------
# The outbox as a whole


def next_due_in(now: datetime | None = None) -> float | None:
    """Seconds until the next pending message is due (None when the outbox is empty)."""
    first = (
        OutgoingMessage.objects.filter(state=DeliveryState.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if first is None:
        return None
    return max(0.0, (first - (now or timezone.now())).total_seconds())


def wait_until_idle(timeout: float = 30.0) -> bool:
    """For tests and the benchmark: deliver in this process until nothing is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = deliver_due()
        if counts.claimed == 0 and next_due_in() is None:
            return True
        if counts.claimed == 0:
            time.sleep(0.05)
    return False
