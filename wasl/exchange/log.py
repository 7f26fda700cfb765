"""The message log: every envelope and receipt in and out, and every refusal, kept in
append-only chains (one per member hosted here, plus `node`), each record hashed with the one
before it, each chain's head sealed (`wasl.chains`) — and its verifier, which checks every
chain, head and signature, and then the outbox and the inbox against the log: every row has
the logged envelope that made it, and its delivery state, receipt, the other side's reference
and state agree with the signed receipts and status messages logged, and a failure or retry
with its audit record. A deleted chain, or rows deleted or edited by hand, show there."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from wasl import chains
from wasl.audit import services as audit
from wasl.audit.models import AuditRecord

from . import envelope, keys
from .models import IncomingMessage, LogEntry, LogHead, OutgoingMessage
from .states import DeliveryState, Kind

GENESIS = chains.GENESIS
NODE_CHAIN = "node"
# A refused message is kept up to this size (its full hash and size are noted).
REJECTED_KEEP_CHARS = 64 * 1024


def entry_hash(
    prev_hash: str,
    chain: str,
    seq: int,
    at: datetime,
    direction: str,
    what: str,
    message_id: str,
    counterpart: str,
    code: str,
    payload_sha256: str,
    note: str,
) -> str:
    body = envelope.canonical(
        [
            chain,
            seq,
            at.astimezone(UTC).isoformat(),
            direction,
            what,
            message_id,
            counterpart,
            code,
            payload_sha256,
            note,
        ]
    )
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


@dataclass(frozen=True)
class Record:
    """One record to append: what moved, which way, and the signed text itself."""

    direction: str
    what: str
    payload: str
    message_id: str = ""
    counterpart: str = ""
    code: str = ""
    note: str = ""
    at: datetime | None = None


def append(chain: str, **record: Any) -> LogEntry:
    """Append one record to `chain` (the fields of `Record`), inside the caller's database
    transaction."""
    return append_run(chain, [Record(**record)])[0]


def append_run(chain: str, records: Sequence[Record]) -> list[LogEntry]:
    """Append `records` to `chain`, in order, inside the caller's database transaction, in a
    fixed number of statements whatever their number (one or many): the head moves once over
    the whole run (`chains.advance` takes the first number and locks the head until the
    caller commits, so appends to one chain are serialised), the records go in with one
    INSERT."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("log.append must run inside the change's database transaction")
    if not records:
        return []
    now = timezone.now()
    entries = [
        LogEntry(
            chain=chain,
            at=r.at or now,
            direction=r.direction,
            what=r.what,
            message_id=r.message_id,
            counterpart=r.counterpart,
            code=r.code,
            payload=r.payload,
            payload_sha256=hashlib.sha256(r.payload.encode("utf-8")).hexdigest(),
            note=r.note[:500],
        )
        for r in records
    ]

    def link(first: int, prev: str) -> str:
        # Number and hash the whole run from the head: the head gets the last record's hash.
        for seq, entry in enumerate(entries, start=first):
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry_hash(
                prev,
                chain,
                seq,
                entry.at,
                entry.direction,
                entry.what,
                entry.message_id,
                entry.counterpart,
                entry.code,
                entry.payload_sha256,
                entry.note,
            )
        return prev

    chains.advance(LogHead, chain, link, count=len(entries))
    return LogEntry.objects.bulk_create(entries)


def append_runs(records: Sequence[tuple[str, Record]]) -> None:
    """Append (chain, record) pairs, one run per chain, each chain's records in order."""
    by_chain: dict[str, list[Record]] = {}
    for chain, record in records:
        by_chain.setdefault(chain, []).append(record)
    for chain in sorted(by_chain):  # a fixed order of taking the heads' locks
        append_run(chain, by_chain[chain])


def append_rejected(
    chain: str,
    raw: bytes,
    code: str,
    *,
    message_id: str = "",
    counterpart: str = "",
    note: str = "",
) -> LogEntry:
    """Keep a refused message (the first 64 KB of it, with the full hash and size)."""
    text = raw[: REJECTED_KEEP_CHARS * 4].decode("utf-8", errors="replace")[:REJECTED_KEEP_CHARS]
    full = f"size={len(raw)} sha256={hashlib.sha256(raw).hexdigest()}"
    return append(
        chain,
        direction=LogEntry.Direction.IN,
        what=LogEntry.What.REJECTED,
        payload=text,
        message_id=message_id,
        counterpart=counterpart,
        code=code,
        note=f"{full} {note}".strip(),
    )


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class Problem:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}: {self.reason}"


@dataclass
class Report:
    entries: int = 0
    signatures: int = 0
    problems: list[Problem] | None = None
    notes: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class _Keys:
    """Public keys of the directory, read once per verification."""

    def __init__(self) -> None:
        self._cache: dict[str, keys.PublicKey | None] = {}

    def get(self, key_id: str) -> keys.PublicKey | None:
        if key_id not in self._cache:
            self._cache[key_id] = keys.public_key(key_id)
        return self._cache[key_id]


def _check_signature(
    key_cache: _Keys, text: str, kind: str
) -> tuple[str | None, str | None, envelope.Signed | None]:
    """(problem, note, the parsed message) for one stored signed message."""
    try:
        signed = (
            envelope.parse_envelope(text) if kind == "envelope" else envelope.parse_receipt(text)
        )
    except envelope.EnvelopeError as error:
        return f"stored {kind} is not well formed ({error.code})", None, None
    key = key_cache.get(signed.key_id)
    if key is None:
        return f"{kind} signed with a key not in the directory ({signed.key_id})", None, None
    signer = signed.body["sender"]
    if key.member_code != signer:
        return f"{kind} of {signer} signed with a key of {key.member_code}", None, None
    if not signed.verifies_with(key.public_raw):
        return f"{kind} signature does not verify", None, None
    signed_at = envelope.parse_timestamp(
        signed.body["created_at"] if kind == "envelope" else signed.body["at"], "at"
    )
    if not key.valid_at(signed_at):
        return f"{kind} signed outside its key's validity", None, None
    if key.revoked_at is not None:
        return None, f"key {key.key_id} of {key.member_code} was revoked after it signed", signed
    return None, None, signed


@dataclass(frozen=True)
class _Logged:
    """One signed message found in the log."""

    sha256: str
    body: dict[str, Any]
    at: datetime
    code: str


@dataclass
class _Facts:
    """What the log says happened, by message id: the outbox and inbox are checked against
    it."""

    sent: dict[str, _Logged]  # envelopes out (the outbox's letters and statuses)
    received: dict[str, _Logged]  # envelopes in, accepted (the inbox)
    receipts_sent: dict[str, _Logged]  # our receipts for the inbox
    receipts_received: dict[str, _Logged]  # the receivers' receipts for the outbox
    statuses: dict[str, list[dict[str, Any]]]  # of_message -> status blocks received
    statuses_sent: dict[str, int]  # of_message -> highest seq of the statuses we sent

    def note(self, entry: LogEntry, signed: envelope.Signed) -> None:
        logged = _Logged(entry.payload_sha256, signed.body, entry.at, entry.code)
        message_id = str(signed.body.get("message_id", ""))
        out = entry.direction == LogEntry.Direction.OUT
        if entry.what == LogEntry.What.ENVELOPE:
            (self.sent if out else self.received)[message_id] = logged
            status = signed.body.get("status")
            if isinstance(status, dict):
                about = str(status.get("of_message", ""))
                if out:
                    seq = int(status.get("seq", 0))
                    self.statuses_sent[about] = max(self.statuses_sent.get(about, 0), seq)
                else:
                    self.statuses.setdefault(about, []).append(status)
        else:
            (self.receipts_sent if out else self.receipts_received)[message_id] = logged


def verify_chain(
    chain: str,
    key_cache: _Keys,
    report: Report,
    facts: _Facts | None = None,
    batch: int = 2000,
    check_seal: bool = True,
) -> None:
    assert report.problems is not None and report.notes is not None
    prev, expected, last = GENESIS, 1, 0
    for entry in _iterate(chain, batch):
        report.entries += 1
        if entry.seq != expected:
            report.problems.append(Problem(chain, expected, f"record {expected} is missing"))
            return
        if entry.prev_hash != prev:
            report.problems.append(Problem(chain, entry.seq, "link to the previous record broken"))
            return
        if hashlib.sha256(entry.payload.encode("utf-8")).hexdigest() != entry.payload_sha256:
            report.problems.append(Problem(chain, entry.seq, "stored message was altered"))
            return
        digest = entry_hash(
            prev,
            entry.chain,
            entry.seq,
            entry.at,
            entry.direction,
            entry.what,
            entry.message_id,
            entry.counterpart,
            entry.code,
            entry.payload_sha256,
            entry.note,
        )
        if digest != entry.hash:
            report.problems.append(Problem(chain, entry.seq, "record was altered"))
            return
        if entry.what in (LogEntry.What.ENVELOPE, LogEntry.What.RECEIPT):
            report.signatures += 1
            problem, note, signed = _check_signature(key_cache, entry.payload, entry.what)
            if problem:
                report.problems.append(Problem(chain, entry.seq, problem))
            if note:
                report.notes.append(f"{chain} #{entry.seq}: {note}")
            if signed is not None and facts is not None:
                facts.note(entry, signed)
        prev, last, expected = entry.hash, entry.seq, expected + 1
    head = LogHead.objects.filter(chain=chain).first()
    if head is None:
        report.problems.append(
            Problem(chain, last, "the chain's head is missing (exchange_loghead)")
        )
    elif head.last_seq != last or head.last_hash != prev:
        report.problems.append(
            Problem(chain, last + 1, "records after the last one were removed (head differs)")
        )
    elif check_seal and not chains.seal_holds(chain, head.last_seq, head.last_hash, head.seal):
        report.problems.append(
            Problem(chain, last, "the chain's head is not sealed by this node's key (edited)")
        )


def verify_all(check_seal: bool = True) -> Report:
    """Every chain, its head's seal and every signature in the log; then every outbox and
    inbox row against the log (and a failed or retried delivery against its audit record),
    from one snapshot of the database. Without `check_seal`, the seals of the heads and of
    the roster of chains are not checked (`wasl audit reseal`)."""
    with audit.snapshot():
        return _verify_all(check_seal)


def problems(check_seals: bool) -> list[str]:
    """What `wasl audit reseal` must find nothing of before it re-seals this log."""
    return [str(p) for p in verify_all(check_seal=check_seals).problems or []]


def _verify_all(check_seal: bool = True) -> Report:
    report = Report(problems=[], notes=[])
    key_cache = _Keys()
    facts = _Facts({}, {}, {}, {}, {}, {})
    names = set(LogHead.objects.values_list("chain", flat=True))
    names |= set(LogEntry.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(names):
        verify_chain(chain, key_cache, report, facts, check_seal=check_seal)
    assert report.problems is not None
    for chain, reason, _ in chains.roster_problems(LogHead, names, check_seal=check_seal):
        report.problems.append(Problem(chain or "(chains)", 0, reason))
    _check_outbox(facts, report.problems)
    _check_inbox(facts, report.problems)
    return report


OUTBOX = OutgoingMessage._meta.db_table
INBOX = IncomingMessage._meta.db_table


def _delivery_states() -> dict[str, str]:
    """message id -> the delivery state its last audit record (failed, retried) gave it."""
    last: dict[str, str] = {}
    records = (
        AuditRecord.objects.filter(
            action__in=["exchange.message.failed", "exchange.message.retried"]
        )
        .order_by("created_at", "chain", "seq")
        .values_list("data", flat=True)
    )
    for data in records.iterator(chunk_size=2000):
        messages = data.get("messages") if isinstance(data, dict) else None
        for message_id, change in (messages or {}).items():
            states = change.get("state") if isinstance(change, dict) else None
            if isinstance(states, list) and len(states) == 2:
                last[message_id] = str(states[1])
    return last


def _check_outbox(facts: _Facts, problems: list[Problem]) -> None:
    audited = _delivery_states()
    sent = dict(facts.sent)
    rows = OutgoingMessage.objects.select_related("sender", "receiver", "transaction").order_by(
        "pk"
    )
    for row in rows.iterator(chunk_size=1000):
        message_id = str(row.message_id)
        found: list[str] = []

        def wrong(reason: str, found: list[str] = found) -> None:
            found.append(reason)

        logged = sent.pop(message_id, None)
        if hashlib.sha256(row.envelope.encode("utf-8")).hexdigest() != row.envelope_sha256:
            wrong("stored envelope was altered")
        if logged is None:
            wrong("its envelope is not in the log")
        else:
            body = logged.body
            if logged.sha256 != row.envelope_sha256:
                wrong("its envelope differs from the one logged")
            if (body.get("type"), body.get("sender"), body.get("receiver")) != (
                row.kind,
                row.sender.code,
                row.receiver.code,
            ):
                wrong("its kind, sender or receiver differs from its envelope")
            block = body.get("letter") or body.get("status") or {}
            if block.get("reference") != row.transaction.reference:
                wrong("its transaction differs from its envelope's")
            if row.kind == Kind.LETTER and block.get("role", "") != row.role:
                wrong("its role differs from its envelope's")
            if row.created_at != logged.at:
                wrong("its time differs from the log's")
        receipt = facts.receipts_received.get(message_id)
        statuses = sorted(facts.statuses.get(message_id, []), key=lambda s: int(s["seq"]))
        reference = ""
        if receipt is not None:
            reference = str(receipt.body.get("reference") or "")
            if row.state != DeliveryState.DELIVERED:
                wrong(f"its receipt is in the log but its state is {row.state}")
            if hashlib.sha256(row.receipt.encode("utf-8")).hexdigest() != receipt.sha256:
                wrong("its receipt differs from the one logged")
            if row.delivered_at != receipt.at:
                wrong("its delivery time differs from the log's")
            registered_on = receipt.body.get("registered_on")
            if (row.their_registered_on.isoformat() if row.their_registered_on else None) != (
                registered_on
            ):
                wrong("the other side's registration date differs from its receipt")
        elif row.state == DeliveryState.DELIVERED or row.receipt or row.delivered_at:
            wrong("marked delivered, but no receipt for it is in the log")
        elif row.state != audited.get(message_id, DeliveryState.PENDING):
            wrong(f"its state {row.state} is not the one its audit records give")
        if not reference and statuses:
            reference = str(statuses[0].get("reference", ""))
        if row.their_reference != reference:
            wrong("the other side's reference differs from its receipt and statuses")
        latest = statuses[-1] if statuses else None
        their = (
            (latest["state"], envelope.parse_timestamp(latest["at"], "at"), int(latest["seq"]))
            if latest
            else ("", None, 0)
        )
        if (row.their_state, row.their_state_at, row.their_status_seq) != their:
            wrong("the other side's state differs from the statuses logged")
        problems.extend(Problem(OUTBOX, row.pk, f"{message_id}: {r}") for r in found)
    for message_id in sent:
        problems.append(
            Problem(OUTBOX, 0, f"{message_id}: logged as sent, but its outbox row is missing")
        )


def _check_inbox(facts: _Facts, problems: list[Problem]) -> None:
    received = dict(facts.received)
    rows = IncomingMessage.objects.select_related("sender", "receiver", "transaction").order_by(
        "pk"
    )
    for row in rows.iterator(chunk_size=1000):
        message_id = str(row.message_id)
        found: list[str] = []
        logged = received.pop(message_id, None)
        receipt = facts.receipts_sent.get(message_id)
        if hashlib.sha256(row.envelope.encode("utf-8")).hexdigest() != row.envelope_sha256:
            found.append("stored envelope was altered")
        if logged is None:
            found.append("its envelope is not in the log")
        else:
            body = logged.body
            letter = body.get("letter") or {}
            if logged.sha256 != row.envelope_sha256:
                found.append("its envelope differs from the one logged")
            if (body.get("type"), body.get("sender"), body.get("receiver")) != (
                row.kind,
                row.sender.code,
                row.receiver.code,
            ):
                found.append("its kind, sender or receiver differs from its envelope")
            if row.their_reference != letter.get("reference", ""):
                found.append("the other side's reference differs from its envelope")
            their_date = row.their_date.isoformat() if row.their_date else None
            if their_date != letter.get("date"):
                found.append("the other side's date differs from its envelope")
            if row.received_at != logged.at:
                found.append("its time differs from the log's")
        if receipt is None:
            found.append("its receipt is not in the log")
        else:
            if hashlib.sha256(row.receipt.encode("utf-8")).hexdigest() != receipt.sha256:
                found.append("its receipt differs from the one logged")
            ours = row.transaction.reference if row.transaction else ""
            if str(receipt.body.get("reference") or "") != ours:
                found.append("its transaction differs from the one its receipt names")
        if row.statuses_sent != facts.statuses_sent.get(message_id, 0):
            found.append("its count of statuses sent differs from the log")
        problems.extend(Problem(INBOX, row.pk, f"{message_id}: {r}") for r in found)
    for message_id in received:
        problems.append(
            Problem(INBOX, 0, f"{message_id}: logged as received, but its inbox row is missing")
        )


def _iterate(chain: str, batch: int) -> Iterator[LogEntry]:
    last = 0
    while True:
        page = list(LogEntry.objects.filter(chain=chain, seq__gt=last).order_by("seq")[:batch])
        if not page:
            return
        yield from page
        last = page[-1].seq
