"""The registry's rows checked against the audit log (`wasl audit verify`).

Every step records, in its audit record's data under `rows`, the digest of each registry row
it wrote — the transaction, its timeline event, and the referrals, attachment or link it
made or changed — as the row stood at the commit. The audit chain is hash-linked and its head
sealed (`wasl.chains`), so the recorded digests cannot be changed; the check here then finds:

- a row edited by hand (its digest differs from the last one recorded for it),
- a row inserted by hand (no audit record wrote it),
- a row deleted, or a table emptied (a digest recorded for a row that is gone),
- an audit chain cut or removed with its head (the rows it recorded have no record left;
  an entity's chain begins with the entity's creation, so removing the chain of an entity
  with no transactions yet shows as an entity without its record).

Rows written before digests were recorded (an upgraded deployment), or every row after a
migration adds a column to these tables, have no matching digest: `wasl audit baseline`
records the digests of every row as it stands (`baseline`), per entity, in the audit log.
Run it once then, never as a remedy for a failed verification: it accepts what it finds.

One change does not write each row it touches: `cancel` closes the open referrals with one
UPDATE. Such a referral is accepted when it differs from its last digest only by that: state
`cancelled`, finished at the time of its transaction's `cancelled` record.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db import transaction as db

from wasl.audit import services as audit
from wasl.audit.models import AuditRecord
from wasl.directory.models import Entity, Membership, entity_code_of

from .models import Attachment, Event, Link, Referral, Transaction
from .states import OPEN_REFERRAL_STATES, ReferralState

# The registry's official tables, by the name their rows carry in the audit data.
TABLES: dict[str, type[models.Model]] = {
    "transaction": Transaction,
    "event": Event,
    "referral": Referral,
    "attachment": Attachment,
    "link": Link,
}
NAMES = {model: name for name, model in TABLES.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _values(row: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(getattr(row, f.attname)) for f in row._meta.concrete_fields}


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(audit.canonical(values).encode()).hexdigest()


def key(row: models.Model) -> str:
    return f"{NAMES[type(row)]}:{row.pk}"


def digest(row: models.Model) -> str:
    """The SHA-256 of every stored column of `row` (its key included), canonical JSON."""
    return _digest(_values(row))


def digests(rows: Iterable[models.Model]) -> dict[str, str]:
    """`{"table:pk": digest}` for the rows a step wrote, as kept in its audit record."""
    return {key(row): digest(row) for row in rows}


def cross_check() -> Iterator[audit.Problem]:
    """Every registry row against the last digest the audit log recorded for it."""
    recorded: dict[str, tuple[str, str, int]] = {}  # key -> (digest, chain, seq)
    cancelled_at: dict[str, set[str]] = {}  # "transaction:pk" -> times of its cancellations
    cancelled_seq: dict[str, int] = {}  # "transaction:pk" -> its last cancellation's seq
    records = (
        AuditRecord.objects.filter(action__startswith="registry.")
        .order_by("chain", "seq")
        .values_list("chain", "seq", "action", "created_at", "data")
    )
    for chain, seq, action, at, data in records.iterator(chunk_size=2000):
        rows = data.get("rows") if isinstance(data, dict) else None
        if not isinstance(rows, dict):
            continue
        for row_key, row_digest in rows.items():
            recorded[row_key] = (str(row_digest), chain, seq)
            if action == "registry.transaction.cancelled" and row_key.startswith("transaction:"):
                cancelled_at.setdefault(row_key, set()).add(_plain(at))
                cancelled_seq[row_key] = seq
    for name, model in TABLES.items():
        table = model._meta.db_table
        for row in model._default_manager.order_by("pk").iterator(chunk_size=2000):
            row_key = f"{name}:{row.pk}"
            found = recorded.pop(row_key, None)
            if found is None:
                yield _problem(table, row.pk, "row has no audit record", "صف بلا سجل تدقيق")
                continue
            values = _values(row)
            if _digest(values) == found[0]:
                if name == "referral" and values["state"] in OPEN_REFERRAL_STATES:
                    cancelled = cancelled_seq.get(f"transaction:{values['transaction_id']}", 0)
                    if cancelled > found[2]:
                        yield _problem(
                            table,
                            row.pk,
                            "referral still open after its transaction was cancelled",
                            "إحالة مفتوحة بعد إلغاء معاملتها",
                        )
                continue
            if name == "referral" and _cancelled_with_its_transaction(
                values, found[0], cancelled_at
            ):
                continue
            yield _problem(
                table,
                row.pk,
                f"row differs from its audit record ({found[1]} seq {found[2]})",
                f"الصف لا يطابق سجل التدقيق ({found[1]} رقم {found[2]})",
            )
    yield from _entities_created()
    yield from _memberships_granted()
    for row_key, (_, chain, seq) in recorded.items():
        name, _, pk = row_key.partition(":")
        model = TABLES.get(name)
        yield _problem(
            model._meta.db_table if model else name,
            int(pk) if pk.isdigit() else None,
            f"row recorded in the audit log ({chain} seq {seq}) is missing",
            f"صف مسجل في سجل التدقيق ({chain} رقم {seq}) مفقود",
        )


BASELINE_BATCH = 500


def baseline() -> int:
    """Record the digest of every registry row in its entity's audit chain, in records of
    `registry.rows.baselined` of up to 500 rows each. Returns the number of rows."""
    by_entity = {
        Transaction: "entity_id",
        Event: "transaction__entity_id",
        Referral: "transaction__entity_id",
        Attachment: "transaction__entity_id",
        Link: "source__entity_id",
    }
    count = 0
    entities = Transaction.objects.order_by().values_list("entity_id", flat=True).distinct()
    for entity_id in sorted(set(entities)):
        chain = entity_code_of(entity_id)
        for model, path in by_entity.items():
            rows = model._default_manager.filter(**{path: entity_id}).order_by("pk")
            batch: list[models.Model] = []
            for row in rows.iterator(chunk_size=BASELINE_BATCH):
                batch.append(row)
                if len(batch) == BASELINE_BATCH:
                    count += _record_baseline(chain, batch)
                    batch = []
            if batch:
                count += _record_baseline(chain, batch)
    return count


def _record_baseline(chain: str, rows: list[models.Model]) -> int:
    with db.atomic():
        audit.record(
            "registry.rows.baselined",
            chain=chain,
            object_type="registry",
            object_id=f"{key(rows[0])}..{key(rows[-1])}"[:64],
            actor="wasl audit baseline",
            data={"rows": digests(rows)},
        )
    return len(rows)


def _entities_created() -> Iterator[audit.Problem]:
    """Every entity has the audit record of its creation (by `ensure_entity` or the admin)."""
    created = set(
        AuditRecord.objects.filter(object_type="entity", action__endswith=".created").values_list(
            "object_id", flat=True
        )
    )
    table = Entity._meta.db_table
    for pk, public_id in Entity.objects.order_by("pk").values_list("pk", "public_id"):
        if str(public_id) not in created:
            yield _problem(
                table, pk, "entity has no audit record of its creation", "جهة بلا سجل إنشائها"
            )


def _memberships_granted() -> Iterator[audit.Problem]:
    """Every membership (who may do what, where) has the audit record that granted it, and
    its role, state — and, when granted by `grant`, its person and unit — are those the last
    record gave it: a role raised or a membership slipped in by SQL shows."""
    last: dict[str, dict[str, Any]] = {}
    records = (
        AuditRecord.objects.filter(object_type="membership")
        .order_by("created_at", "pk")
        .values_list("object_id", "chain", "action", "data")
    )
    for object_id, chain, action, data in records.iterator(chunk_size=2000):
        if not isinstance(data, dict):
            continue
        state = last.setdefault(object_id, {})
        if action == "directory.membership.granted":
            unit = (chain, data.get("unit"))
            state.update(user=data.get("user"), unit=unit, role=data.get("role"))
            state["is_active"] = True
        else:  # the admin's created / changed: the fields it set, as text
            for name in ("role", "is_active"):
                if name in data:
                    state[name] = data[name] == "True" if name == "is_active" else data[name]
            for name in ("user", "unit"):
                if name in data:  # written as text by the admin: not compared
                    state.pop(name, None)
    table = Membership._meta.db_table
    rows = Membership.objects.order_by("pk").values_list(
        "pk", "user__username", "unit__entity__code", "unit__code", "role", "is_active"
    )
    for pk, username, entity, unit, role, is_active in rows.iterator(chunk_size=2000):
        state = last.get(str(pk))
        if state is None:
            yield _problem(table, pk, "membership has no audit record", "عضوية بلا سجل تدقيق")
            continue
        now = {"user": username, "unit": (entity, unit), "role": role, "is_active": is_active}
        if any(now[name] != value for name, value in state.items() if name in now):
            yield _problem(
                table,
                pk,
                "membership differs from its audit record",
                "العضوية لا تطابق سجل التدقيق",
            )


def _cancelled_with_its_transaction(
    values: dict[str, Any], recorded: str, cancelled_at: dict[str, set[str]]
) -> bool:
    if values["state"] != ReferralState.CANCELLED:
        return False
    if values["finished_at"] not in cancelled_at.get(f"transaction:{values['transaction_id']}", ()):
        return False
    return any(
        _digest({**values, "state": state, "finished_at": None}) == recorded
        for state in OPEN_REFERRAL_STATES
    )


def _problem(table: str, row_id: int | None, reason_en: str, reason_ar: str) -> audit.Problem:
    return audit.Problem(table, 0, None, reason_en, reason_ar, table=table, row_id=row_id)
