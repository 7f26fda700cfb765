"""Appending to the audit log and verifying it.

Verifying checks each chain record by record, then its head's seal (`wasl.chains`: the head's
count and last hash under an HMAC whose key is not in the database), then the sealed roster of
chains (a chain deleted with its head, `system` included, is still listed there), then runs the
cross-checks the apps above register in `CROSS_CHECKS` (the registry checks each of its rows
against the digest its audit record kept): an emptied log, a removed chain or a cut tail show
as official rows without their record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from wasl import chains

from .models import AuditRecord, ChainHead, ChainRoster

GENESIS = chains.GENESIS


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def record_hash(
    *,
    prev_hash: str,
    chain: str,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
) -> str:
    body = canonical(
        [
            chain,
            seq,
            created_at.astimezone(UTC).isoformat(),
            actor_id,
            actor,
            action,
            object_type,
            object_id,
            data,
        ]
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    action: str,
    *,
    chain: str,
    object_type: str,
    object_id: str,
    actor_id: int | None = None,
    actor: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append one record to `chain`. Must run inside the caller's database transaction.

    `action` is dotted and past tense (`registry.transaction.referred`); `data` holds the old
    and new values. The chain head is locked for the rest of the caller's transaction.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the change's database transaction")
    data = json.loads(canonical(data or {}))  # store exactly what was hashed
    at = at or timezone.now()
    # Taking the next number locks the chain's head row until the caller commits: appends to
    # one chain are serialised, appends to other chains are not (wasl.chains).
    seq, prev_hash, digest = chains.advance(
        ChainHead,
        chain,
        lambda seq, prev: record_hash(
            prev_hash=prev,
            chain=chain,
            seq=seq,
            created_at=at,
            actor_id=actor_id,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
        ),
    )
    return AuditRecord.objects.create(
        chain=chain,
        seq=seq,
        created_at=at,
        actor_id=actor_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data,
        prev_hash=prev_hash,
        hash=digest,
    )


@dataclass(frozen=True)
class Problem:
    """What verification found wrong: in a chain (`chain`, `seq`, the record's id, or none for
    the head), or in an official row checked against the log (`table`, `row_id`)."""

    chain: str
    seq: int
    record_id: int | None
    reason_en: str
    reason_ar: str
    table: str = ""
    row_id: int | None = None

    def __str__(self) -> str:
        if self.table:
            return f"{self.table} row {self.row_id}: {self.reason_en} — {self.reason_ar}"
        where = f"record #{self.record_id}" if self.record_id else "chain head"
        return f"{self.chain} seq {self.seq} ({where}): {self.reason_en} — {self.reason_ar}"


# Checks of official rows against the log, registered by the apps that own the rows (in their
# `AppConfig.ready()`; the audit app imports none of them). Each yields its problems.
CROSS_CHECKS: list[Callable[[], Iterable[Problem]]] = []


def register_cross_check(check: Callable[[], Iterable[Problem]]) -> None:
    if check not in CROSS_CHECKS:
        CROSS_CHECKS.append(check)


# What `wasl audit baseline` runs: each records the digests of its app's rows as they stand
# (once, after an upgrade; see registry.integrity). Each returns how many rows it recorded.
BASELINES: list[Callable[[], int]] = []


def register_baseline(baseline: Callable[[], int]) -> None:
    if baseline not in BASELINES:
        BASELINES.append(baseline)


def verify_chain(chain: str, batch: int = 2000, check_seal: bool = True) -> Problem | None:
    """Recompute `chain` from its start; return the first tampered record, or None. Without
    `check_seal`, the head's seal is not checked (`reseal`)."""
    prev = GENESIS
    expected_seq = 1
    records = AuditRecord.objects.filter(chain=chain).order_by("seq")
    last_seq = 0
    for rec in _iterate(records, batch):
        if rec.seq != expected_seq:
            return Problem(
                chain,
                expected_seq,
                rec.pk,
                f"record {expected_seq} is missing (next is {rec.seq})",
                f"السجل {expected_seq} مفقود (التالي {rec.seq})",
            )
        if rec.prev_hash != prev:
            return Problem(
                chain,
                rec.seq,
                rec.pk,
                "link to previous record broken",
                "انقطع الربط بالسجل السابق",
            )
        digest = record_hash(
            prev_hash=prev,
            chain=rec.chain,
            seq=rec.seq,
            created_at=rec.created_at,
            actor_id=rec.actor_id,
            actor=rec.actor,
            action=rec.action,
            object_type=rec.object_type,
            object_id=rec.object_id,
            data=rec.data,
        )
        if digest != rec.hash:
            return Problem(chain, rec.seq, rec.pk, "content was altered", "تم تعديل محتوى السجل")
        prev = rec.hash
        last_seq = rec.seq
        expected_seq += 1
    head = ChainHead.objects.filter(chain=chain).first()
    if head is None:
        return Problem(
            chain,
            last_seq,
            None,
            "the chain's head is missing (audit_chainhead)",
            "رأس السلسلة مفقود",
        )
    if head.last_seq != last_seq or head.last_hash != prev:
        return Problem(
            chain,
            last_seq + 1,
            None,
            "records after the last one were removed (chain head does not match)",
            "حُذفت سجلات من نهاية السلسلة (رأس السلسلة لا يطابق)",
        )
    if check_seal and not chains.seal_holds(chain, head.last_seq, head.last_hash, head.seal):
        return Problem(
            chain,
            last_seq,
            None,
            "the chain's head is not sealed by this deployment's key (audit_chainhead edited)",
            "ختم رأس السلسلة غير صحيح (عُدّل رأس السلسلة)",
        )
    return None


@contextmanager
def snapshot() -> Iterator[None]:
    """Read everything a verification reads from one snapshot of the database, so that steps
    committed meanwhile on a live system (a row's new state read, its record not) raise no
    false alarm. SQLite's read transaction is a snapshot; PostgreSQL's needs REPEATABLE READ,
    set by the transaction's first statement (SQL: the ORM has no word for it). Inside a
    transaction already begun (a test), that transaction's view is used as it is."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def verify_all() -> tuple[int, list[Problem]]:
    """Verify every chain and its head's seal, then every registered cross-check of official
    rows against the log, from one snapshot; return how many records were checked and the
    problems found."""
    with snapshot():
        return _verify_all()


def _verify_all(check_seal: bool = True) -> tuple[int, list[Problem]]:
    problems = []
    names = set(ChainHead.objects.values_list("chain", flat=True))
    names |= set(AuditRecord.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(names):
        problem = verify_chain(chain, check_seal=check_seal)
        if problem:
            problems.append(problem)
    roster = chains.roster_problems(ChainHead, names, check_seal=check_seal)
    for chain, reason_en, reason_ar in roster:
        problems.append(Problem(chain or "(chains)", 0, None, reason_en, reason_ar))
    for check in CROSS_CHECKS:
        problems.extend(check())
    return AuditRecord.objects.count(), problems


def _iterate(queryset: Any, batch: int) -> Iterator[AuditRecord]:
    last = 0
    while True:
        page = list(queryset.filter(seq__gt=last)[:batch])
        if not page:
            return
        yield from page
        last = page[-1].seq


# ---------------------------------------------------------------------------------------------
# Re-sealing, after the key changed


@dataclass(frozen=True)
class SealedLog:
    """A hash-chained log whose heads and roster are sealed (`wasl.chains`): its head model,
    and what its verifier finds wrong (`problems(check_seals)`: with the seals or without)."""

    head: type[models.Model]
    problems: Callable[[bool], list[str]]


def _audit_problems(check_seals: bool) -> list[str]:
    return [str(p) for p in _verify_all(check_seal=check_seals)[1]]


SEALED_LOGS: list[SealedLog] = [SealedLog(ChainHead, _audit_problems)]


def register_sealed_log(head: type[models.Model], problems: Callable[[bool], list[str]]) -> None:
    """Another log sealed with the same key (the exchange's message log): `reseal` verifies
    and re-seals it too."""
    if all(log.head is not head for log in SEALED_LOGS):
        SEALED_LOGS.append(SealedLog(head, problems))


class ResealRefused(Exception):
    """The logs do not verify: re-sealing would bless tampering."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def reseal(previous_key: str = "", actor: str = "wasl audit reseal") -> dict[str, int]:
    """Seal every log's heads and roster again under the current key (`WASL_CHAIN_KEY`): after
    a backup was restored under a new key, or the key was rotated.

    Refuses (`ResealRefused`, nothing changed) unless everything verifies: every chain record
    by record against its head, every roster listing exactly the chains there are, every
    official row against the log — and, given the `previous_key` that sealed them, every seal
    under it (or under the current key: a head appended to since). Without it the seals cannot
    be checked, so records appended whole by someone who
    wrote to the database (chain and head made consistent) would be sealed in: give it
    whenever it is known (a rotation). Holds every head's lock meanwhile, so no step appends.
    Records `audit.chains.resealed` (in `system`, with how many seals of each log were renewed,
    whether the previous seals were checked, and the new key's fingerprint). Returns {head
    table: seals renewed}; empty, and nothing recorded, when every seal already holds."""
    with transaction.atomic():
        for log in SEALED_LOGS:  # the lock of every head and roster (on SQLite: the database)
            log.head._default_manager.update(last_seq=F("last_seq"))
            ChainRoster.objects.filter(log=chains.log_name(log.head)).update(chains=F("chains"))
        if previous_key:
            with chains.accepting_previous_key(previous_key):
                problems = [problem for log in SEALED_LOGS for problem in log.problems(True)]
        else:
            problems = [problem for log in SEALED_LOGS for problem in log.problems(False)]
        if problems:
            raise ResealRefused(problems)
        resealed: dict[str, int] = {}
        for log in SEALED_LOGS:
            count = chains.reseal_log(log.head)
            if count:
                resealed[chains.log_name(log.head)] = count
        if resealed:
            record(
                "audit.chains.resealed",
                chain="system",
                object_type="chains",
                object_id="all",
                actor=actor,
                data={
                    "seals": resealed,
                    "previous_seals_checked": bool(previous_key),
                    "key": chains.key_fingerprint(),
                },
            )
    return resealed
