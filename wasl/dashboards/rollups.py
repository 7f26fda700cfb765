"""Keeping the roll-ups equal to a recount of the raw tables.

- `on_event` runs inside every registry step's database transaction (subscribed in
  `DashboardsConfig.ready`): it works out the facts of the items the step changed, before and
  after, and adds the difference of their contributions in one statement (`increments`).
  Steps that change no measure (acknowledged, commented, linked, attached) cost a dictionary
  lookup.
- `rebuild` recounts everything from the raw rows, one entity at a time, and writes the rows
  anew with `bulk_create`.
- `check` recounts and compares, row by row, without writing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction as db
from django.utils import timezone

from wasl.audit import services as audit
from wasl.directory.models import Entity
from wasl.registry.events import Published
from wasl.registry.models import Event, Referral, Transaction
from wasl.registry.states import ReferralState

from . import increments
from .definitions import (
    DONE,
    OPEN_STATUS,
    Delta,
    Item,
    Key,
    Vector,
    as_dict,
    referral_item,
    transaction_item,
)
from .models import COUNTER_FIELDS, KEY_FIELDS, Tally


def _local(value: datetime | None) -> date | None:
    """The Riyadh date of a moment."""
    return None if value is None else timezone.localdate(value)


def item_of_transaction(txn: Transaction, *, status_state: str | None = None) -> Item:
    return transaction_item(
        entity_id=txn.entity_id,
        unit_id=txn.unit_id,
        registered_by=txn.registered_by_id,
        kind=txn.kind,
        urgency=txn.urgency,
        direction=txn.direction,
        registered_on=txn.registered_on,
        due_date=txn.due_date,
        state=status_state or txn.state,
        closed_on=_local(txn.closed_at),
    )


def item_of_referral(ref: Referral, txn: Transaction, *, state: str | None = None) -> Item:
    return referral_item(
        entity_id=txn.entity_id,
        owner_unit_id=txn.unit_id,
        to_unit_id=ref.to_unit_id,
        to_user_id=ref.to_user_id,
        finished_by=ref.finished_by_id,
        kind=txn.kind,
        urgency=txn.urgency,
        direction=txn.direction,
        created_on=_local(ref.created_at),  # type: ignore[arg-type]
        due_date=ref.due_date,
        state=state or ref.state,
        finished_on=_local(ref.finished_at),
        registered_on=txn.registered_on,
    )


def _replace(item: Item, **changes: Any) -> Item:
    return dataclasses.replace(item, **changes)


def _opened(item: Item) -> Item:
    return _replace(item, status=OPEN_STATUS, finished_on=None)


# ---------------------------------------------------------------------------------------------
# Events


def _registered(delta: Delta, event: Event, txn: Transaction) -> None:
    delta.add(item_of_transaction(txn))


def _referred(delta: Delta, event: Event, txn: Transaction) -> None:
    refs = (
        [event.referral]
        if event.referral is not None
        else list(Referral.objects.filter(transaction_id=txn.pk, created_at=event.created_at))
    )
    for ref in refs:
        delta.add(item_of_referral(ref, txn))


def _finished(delta: Delta, event: Event, txn: Transaction) -> None:
    """answered, returned: the referral in hand left its unit."""
    ref = event.referral
    after = item_of_referral(ref, txn)
    delta.change(_opened(after), after)


def _forwarded(delta: Delta, event: Event, txn: Transaction) -> None:
    new = event.referral
    old = new.parent
    if old is None or old.state != ReferralState.FORWARDED:  # not the object in hand
        old = Referral.objects.get(pk=new.parent_id)
    after = item_of_referral(old, txn)
    delta.change(_opened(after), after)
    delta.add(item_of_referral(new, txn))


def _closed(delta: Delta, event: Event, txn: Transaction) -> None:
    after = item_of_transaction(txn)
    delta.change(_opened(after), after)


def _reopened(delta: Delta, event: Event, txn: Transaction) -> None:
    last_closed = (
        Event.objects.filter(
            transaction_id=txn.pk, action="closed", created_at__lte=event.created_at
        )
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    after = item_of_transaction(txn)
    if last_closed is None:  # closed outside the registry's steps (bulk data): recount fixes
        return
    before = _replace(after, status=DONE, finished_on=timezone.localdate(last_closed))
    delta.change(before, after)


def _cancelled(delta: Delta, event: Event, txn: Transaction) -> None:
    after = item_of_transaction(txn)
    delta.change(_replace(after, status=OPEN_STATUS), after)
    if event.data.get("referrals_cancelled"):
        for ref in Referral.objects.filter(
            transaction_id=txn.pk, state=ReferralState.CANCELLED, finished_at=event.created_at
        ):
            gone = item_of_referral(ref, txn)
            delta.change(_replace(gone, status=OPEN_STATUS), gone)


STEPS: dict[str, Callable[[Delta, Event, Transaction], None]] = {
    "registered": _registered,
    "referred": _referred,
    "answered": _finished,
    "returned": _finished,
    "forwarded": _forwarded,
    "closed": _closed,
    "reopened": _reopened,
    "cancelled": _cancelled,
}


def on_event(published: Published) -> None:
    """Subscriber of the registry's steps, inside their database transaction."""
    step = STEPS.get(published.event.action)
    if step is None:
        return
    delta = Delta()
    step(delta, published.event, published.transaction)
    apply(delta)


# ---------------------------------------------------------------------------------------------
# Writing


def apply(delta: Delta) -> None:
    """Add `delta` to the roll-ups."""
    increments.add(delta.nonzero())


def _write_new(delta: Delta) -> int:
    """Write the rows of `delta` where none exist yet (a rebuild); returns how many."""
    made = [
        Tally(**dict(zip(KEY_FIELDS, key, strict=True)), **as_dict(vector))
        for key, vector in delta.nonzero()
    ]
    Tally.objects.bulk_create(made, batch_size=500)
    return len(made)


# ---------------------------------------------------------------------------------------------
# Recount


def _transactions_of(entity_id: int) -> Iterator[Item]:
    rows = Transaction.objects.filter(entity_id=entity_id).values_list(
        "unit_id",
        "registered_by_id",
        "kind",
        "urgency",
        "direction",
        "registered_on",
        "due_date",
        "state",
        "closed_at",
    )
    for unit, by, kind, urgency, direction, on, due, state, closed_at in rows.iterator(5000):
        yield transaction_item(
            entity_id=entity_id,
            unit_id=unit,
            registered_by=by,
            kind=kind,
            urgency=urgency,
            direction=direction,
            registered_on=on,
            due_date=due,
            state=state,
            closed_on=_local(closed_at),
        )


def _referrals_of(entity_id: int) -> Iterator[Item]:
    rows = Referral.objects.filter(transaction__entity_id=entity_id).values_list(
        "transaction__unit_id",
        "to_unit_id",
        "to_user_id",
        "finished_by_id",
        "transaction__kind",
        "transaction__urgency",
        "transaction__direction",
        "created_at",
        "due_date",
        "state",
        "finished_at",
        "transaction__registered_on",
    )
    for (
        owner,
        to_unit,
        to_user,
        by,
        kind,
        urgency,
        direction,
        created,
        due,
        state,
        fin,
        reg,
    ) in rows.iterator(5000):
        yield referral_item(
            entity_id=entity_id,
            owner_unit_id=owner,
            to_unit_id=to_unit,
            to_user_id=to_user,
            finished_by=by,
            kind=kind,
            urgency=urgency,
            direction=direction,
            created_on=timezone.localdate(created),
            due_date=due,
            state=state,
            finished_on=_local(fin),
            registered_on=reg,
        )


def recount_entity(entity_id: int, region: Delta) -> Delta:
    """The roll-up rows of one entity (its region rows are added to `region`)."""
    delta = Delta()
    for item in _transactions_of(entity_id):
        delta.add(item)
    for item in _referrals_of(entity_id):
        delta.add(item)
    for key in [k for k in delta.rows if k[0] == "R"]:
        vector = delta.rows.pop(key)
        row = region.rows.setdefault(key, [0] * len(vector))
        for i, x in enumerate(vector):
            row[i] += x
    return delta


def _entities_with_transactions() -> list[int]:
    return list(
        Entity.objects.filter(transactions__isnull=False).distinct().values_list("pk", flat=True)
    )


@dataclass
class RebuildReport:
    entities: int = 0
    rows: int = 0


def rebuild(*, progress: Callable[[str], None] | None = None) -> RebuildReport:
    """Replace every roll-up row with a recount of the raw tables (one database transaction).

    Records `dashboards.rollups.rebuilt`. Steps taken meanwhile wait for it (they write the
    same rows), so run it when the registry is quiet or accept a short pause.
    """
    report = RebuildReport()
    region = Delta()
    with db.atomic():
        Tally.objects.all().delete()
        for entity_id in _entities_with_transactions():
            part = recount_entity(entity_id, region)
            report.rows += _write_new(part)
            report.entities += 1
            if progress:
                progress(f"entity {entity_id}: {len(part)} rows")
        report.rows += _write_new(region)
        audit.record(
            "dashboards.rollups.rebuilt",
            chain="system",
            object_type="rollups",
            object_id="tally",
            data={"entities": report.entities, "rows": report.rows},
        )
    return report


@dataclass
class CheckReport:
    rows_compared: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _stored(filters: dict[str, Any]) -> dict[Key, Vector]:
    out: dict[Key, Vector] = {}
    for row in (
        Tally.objects.filter(**filters).values_list(*KEY_FIELDS, *COUNTER_FIELDS).iterator(5000)
    ):
        key = tuple(row[: len(KEY_FIELDS)])
        vector = list(row[len(KEY_FIELDS) :])
        if any(vector):
            out[key] = vector  # type: ignore[index]
    return out


def _compare(expected: Delta, stored: dict[Key, Vector], report: CheckReport, limit: int) -> None:
    wanted = {k: v for k, v in expected.nonzero()}
    report.rows_compared += len(wanted.keys() | stored.keys())
    for key in sorted(wanted.keys() | stored.keys()):
        a, b = wanted.get(key), stored.get(key)
        if a != b and len(report.differences) < limit:
            report.differences.append(f"{key}: recount {a} ≠ stored {b}")
        elif a != b:
            report.differences.append("…")
            return


def check(*, limit: int = 20) -> CheckReport:
    """Recount from the raw tables and compare with the stored roll-ups, row by row."""
    report = CheckReport()
    region = Delta()
    with db.atomic():  # one consistent snapshot
        seen: set[int] = set()
        for entity_id in _entities_with_transactions():
            seen.add(entity_id)
            part = recount_entity(entity_id, region)
            stored = _stored({"entity_id": entity_id, "grain__in": ["E", "U", "P"]})
            _compare(part, stored, report, limit)
        _compare(region, _stored({"grain": "R"}), report, limit)
        stray = (
            Tally.objects.exclude(grain="R")
            .exclude(entity_id__in=seen)
            .exclude(n=0, referrals=0)
            .count()
        )
        if stray:
            report.differences.append(f"{stray} rows for entities without transactions")
    return report
