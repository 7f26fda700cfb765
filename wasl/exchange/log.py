"""The message log: every envelope and receipt in and out, and every refusal, kept in
append-only chains (one per member hosted here, plus `node`), each record hashed with the one
before it — and its verifier, which also checks every signature."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from wasl import chains

from . import envelope, keys
from .models import IncomingMessage, LogEntry, LogHead, OutgoingMessage

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


def _check_signature(key_cache: _Keys, text: str, kind: str) -> tuple[str | None, str | None]:
    """(problem, note) for one stored signed message."""
    try:
        signed = (
            envelope.parse_envelope(text) if kind == "envelope" else envelope.parse_receipt(text)
        )
    except envelope.EnvelopeError as error:
        return f"stored {kind} is not well formed ({error.code})", None
    key = key_cache.get(signed.key_id)
    if key is None:
        return f"{kind} signed with a key not in the directory ({signed.key_id})", None
    signer = signed.body["sender"]
    if key.member_code != signer:
        return f"{kind} of {signer} signed with a key of {key.member_code}", None
    if not signed.verifies_with(key.public_raw):
        return f"{kind} signature does not verify", None
    signed_at = envelope.parse_timestamp(
        signed.body["created_at"] if kind == "envelope" else signed.body["at"], "at"
    )
    if not key.valid_at(signed_at):
        return f"{kind} signed outside its key's validity", None
    if key.revoked_at is not None:
        return None, f"key {key.key_id} of {key.member_code} was revoked after it signed"
    return None, None


def verify_chain(chain: str, key_cache: _Keys, report: Report, batch: int = 2000) -> None:
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
            problem, note = _check_signature(key_cache, entry.payload, entry.what)
            if problem:
                report.problems.append(Problem(chain, entry.seq, problem))
            if note:
                report.notes.append(f"{chain} #{entry.seq}: {note}")
        prev, last, expected = entry.hash, entry.seq, expected + 1
    head = LogHead.objects.filter(chain=chain).first()
    if head is None or head.last_seq != last or head.last_hash != prev:
        report.problems.append(
            Problem(chain, last + 1, "records after the last one were removed (head differs)")
        )


def verify_all() -> Report:
    """Every chain, every signature in the log, and every envelope and receipt kept in the
    outbox and inbox (each must verify and be in the log)."""
    report = Report(problems=[], notes=[])
    key_cache = _Keys()
    chains = set(LogHead.objects.values_list("chain", flat=True))
    chains |= set(LogEntry.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        verify_chain(chain, key_cache, report)
    assert report.problems is not None
    for model in (OutgoingMessage, IncomingMessage):
        name = model.__name__
        last = 0
        while True:
            page = list(
                model.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "message_id", "envelope", "envelope_sha256", "receipt")[:1000]
            )
            if not page:
                break
            logged = set(
                LogEntry.objects.filter(payload_sha256__in=_hashes(page)).values_list(
                    "payload_sha256", flat=True
                )
            )
            for pk, message_id, text, sha, receipt in page:
                last = pk
                where = f"{name} {message_id}"
                if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
                    report.problems.append(Problem(where, 0, "stored envelope was altered"))
                    continue
                for kind, stored in (("envelope", text), ("receipt", receipt)):
                    if not stored:
                        continue
                    report.signatures += 1
                    problem, _ = _check_signature(key_cache, stored, kind)
                    if problem:
                        report.problems.append(Problem(where, 0, problem))
                    elif hashlib.sha256(stored.encode("utf-8")).hexdigest() not in logged:
                        report.problems.append(Problem(where, 0, f"{kind} missing from the log"))
    return report


def _hashes(page: list[tuple[object, ...]]) -> list[str]:
    found = []
    for _pk, _mid, text, _sha, receipt in page:
        found.append(hashlib.sha256(str(text).encode("utf-8")).hexdigest())
        if receipt:
            found.append(hashlib.sha256(str(receipt).encode("utf-8")).hexdigest())
    return found


def _iterate(chain: str, batch: int) -> Iterator[LogEntry]:
    last = 0
    while True:
        page = list(LogEntry.objects.filter(chain=chain, seq__gt=last).order_by("seq")[:batch])
        if not page:
            return
        yield from page
        last = page[-1].seq
