"""The exchange's keys checked against the audit log (`wasl audit verify`).

A member's public key decides whose signature is accepted: a key slipped into the directory by
SQL would let its holder sign letters in a member's name. So every change to a key (joined,
generated, rotated, revoked, imported from another node's descriptor) records in its audit
record's data, under `keys`, the digest of each key row it wrote; the audit chain is
hash-linked and its head sealed (`wasl.chains`). The check finds a key row with no record, a
key row that differs from its last recorded digest (a public key replaced, a revocation
undone, a validity widened), and a recorded key that is gone.

Keys written before their digests were recorded (an upgraded deployment) are recorded once by
`wasl audit baseline` (it accepts what it finds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.db import transaction as db

from wasl.audit import services as audit
from wasl.audit.models import AuditRecord

from .models import MemberKey

TABLE = MemberKey._meta.db_table


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def digest(key: MemberKey) -> str:
    """The SHA-256 of what a key row says: whose it is, the public key, when it is valid, its
    revocation, and the SHA-256 of the sealed private key (never the key itself)."""
    sealed = key.sealed_private_key
    values = {
        "id": key.pk,
        "member": key.member.code,
        "key_id": key.key_id,
        "public_key": key.public_key,
        "sealed_private_key": hashlib.sha256(sealed.encode()).hexdigest() if sealed else "",
        "valid_from": _when(key.valid_from),
        "valid_until": _when(key.valid_until),
        "revoked_at": _when(key.revoked_at),
        "revocation_reason": key.revocation_reason,
    }
    return hashlib.sha256(audit.canonical(values).encode()).hexdigest()


def digests(keys: Iterable[MemberKey]) -> dict[str, str]:
    """`{key_id: digest}` for the key rows a change wrote, as kept in its audit record."""
    return {key.key_id: digest(key) for key in keys}


def cross_check() -> Iterator[audit.Problem]:
    """Every key row against the last digest the audit log recorded for it."""
    recorded: dict[str, tuple[str, str, int]] = {}  # key_id -> (digest, chain, seq)
    records = (
        AuditRecord.objects.filter(action__startswith="exchange.")
        .order_by("created_at", "pk")
        .values_list("chain", "seq", "data")
    )
    for chain, seq, data in records.iterator(chunk_size=2000):
        written = data.get("keys") if isinstance(data, dict) else None
        if isinstance(written, dict):
            for key_id, key_digest in written.items():
                recorded[str(key_id)] = (str(key_digest), chain, seq)
    rows = MemberKey.objects.select_related("member").order_by("pk")
    for key in rows.iterator(chunk_size=2000):
        found = recorded.pop(key.key_id, None)
        if found is None:
            yield _problem(
                key.pk,
                f"key {key.key_id} of {key.member.code} has no audit record",
                f"مفتاح {key.key_id} للعضو {key.member.code} بلا سجل تدقيق",
            )
        elif digest(key) != found[0]:
            yield _problem(
                key.pk,
                f"key {key.key_id} differs from its audit record ({found[1]} seq {found[2]})",
                f"المفتاح {key.key_id} لا يطابق سجل التدقيق ({found[1]} رقم {found[2]})",
            )
    for key_id, (_, chain, seq) in recorded.items():
        yield _problem(
            None,
            f"key {key_id} recorded in the audit log ({chain} seq {seq}) is missing",
            f"المفتاح {key_id} المسجل في سجل التدقيق ({chain} رقم {seq}) مفقود",
        )


BASELINE_BATCH = 500


def baseline() -> int:
    """Record the digest of every key row in the `system` chain, in records of
    `exchange.keys.baselined` of up to 500 keys each. Returns the number of keys."""
    keys = list(MemberKey.objects.select_related("member").order_by("pk"))
    for start in range(0, len(keys), BASELINE_BATCH):
        batch = keys[start : start + BASELINE_BATCH]
        with db.atomic():
            audit.record(
                "exchange.keys.baselined",
                chain="system",
                object_type="exchange",
                object_id=f"{batch[0].key_id}..{batch[-1].key_id}"[:64],
                actor="wasl audit baseline",
                data={"keys": digests(batch)},
            )
    return len(keys)


def _problem(row_id: int | None, reason_en: str, reason_ar: str) -> audit.Problem:
    return audit.Problem(TABLE, 0, None, reason_en, reason_ar, table=TABLE, row_id=row_id)
