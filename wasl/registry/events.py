"""The spine publishes; the rest subscribe.

Every step's service function hands its timeline event here. Apps that build on the registry
(the inquiry index, dashboards' roll-ups, the exchange, notifications) subscribe in their
`AppConfig.ready()`; the registry never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction as db_transaction

from .models import Event, Transaction


@dataclass(frozen=True)
class Published:
    event: Event
    transaction: Transaction


Handler = Callable[[Published], None]

# Run inside the step's database transaction (an error rolls the step back).
in_transaction: list[Handler] = []
# Run after the step has committed (queueing work, notifications).
after_commit: list[Handler] = []


def subscribe(handler: Handler, *, when: str = "in_transaction") -> None:
    target = in_transaction if when == "in_transaction" else after_commit
    if when not in {"in_transaction", "after_commit"}:
        raise ValueError(when)
    if handler not in target:
        target.append(handler)


def publish(event: Event, txn: Transaction) -> None:
    if not in_transaction and not after_commit:
        return
    published = Published(event, txn)
    for handler in in_transaction:
        handler(published)
    for handler in after_commit:
        db_transaction.on_commit(partial(handler, published), robust=True)
